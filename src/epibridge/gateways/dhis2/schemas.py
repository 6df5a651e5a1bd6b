"""What the DHIS2 gateway answers: DHIS2's import summary, and the mapping as stored."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ImportStatus(StrEnum):
    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    ERROR = "ERROR"


class ImportStrategy(StrEnum):
    CREATE_AND_UPDATE = "CREATE_AND_UPDATE"
    DELETE = "DELETE"


class ImportCount(BaseModel):
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0


class ImportConflict(BaseModel):
    object: str = Field(description="The identifier concerned (data element, period, ...).")
    value: str = Field(description="Why, naming the data element, org unit and period.")
    errorCode: str = "E7600"
    indexes: list[int] = Field(default_factory=list, description="Positions of the values.")


class ImportSummary(BaseModel):
    """DHIS2's ``ImportSummary``: what DHIS2's data exchange and client libraries read."""

    responseType: str = "ImportSummary"
    status: ImportStatus
    description: str = ""
    importOptions: dict[str, Any] = Field(default_factory=dict)
    importCount: ImportCount = Field(default_factory=ImportCount)
    conflicts: list[ImportConflict] = Field(default_factory=list)
    dataSetComplete: str = "false"
    #: epibridge's own: the submission the values landed in (None: nothing written).
    submission_id: int | None = None


class MappingRead(BaseModel):
    state: str
    id_scheme: str
    version: int
    loaded_at: datetime
    loaded_by: str
    digest: str
    data_elements: dict[str, dict[str, str]]
    category_option_combos: dict[str, dict[str, str]]
    org_units: dict[str, str]
