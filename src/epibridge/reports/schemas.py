"""What the reports API takes and returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from epibridge.i18n import Language
from epibridge.inputs import InputModel

FileFormat = Literal["pdf", "html"]


class ReportCreate(InputModel):
    """Generate and store the situation report of one ISO week."""

    model_config = ConfigDict(extra="forbid")

    week: str = Field(pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2024-W21.")
    lang: Language = "en"
    state: str | None = Field(
        default=None, min_length=3, max_length=3, description="ISO3: focus on one state."
    )
    format: FileFormat = "pdf"


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    week: str
    week_start: date
    state: str | None
    lang: Language
    format: FileFormat
    filename: str
    created_at: datetime
    created_by: str
    digest: str = Field(description="SHA-256 of the file.")
    size_bytes: int
    links: dict[str, str]
