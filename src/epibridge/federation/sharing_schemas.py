"""What the faces send and read about a state's sharing settings."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from epibridge.federation.sharing_models import SharingLevel
from epibridge.inputs import InputModel


class SharingUpdate(InputModel):
    """A state's new sharing settings; every field replaces the stored one."""

    model_config = ConfigDict(extra="forbid")

    level: SharingLevel = Field(
        description="all | totals (national totals only) | diseases (listed only) | nothing"
    )
    diseases: list[str] = Field(
        default_factory=list, description="disease codes shared at level 'diseases'", max_length=200
    )
    embargo_until: date | None = Field(
        default=None,
        description="observations accepted before this day (UTC) leave the node on that day",
    )
    signals: bool = Field(default=False, description="whether detection signals are shared")


class SharingRead(BaseModel):
    """A state's sharing settings as they apply now (``configured`` false: the defaults)."""

    state: str
    level: SharingLevel
    diseases: list[str]
    embargo_until: date | None
    signals: bool
    configured: bool
    updated_at: datetime | None = None
    updated_by: str | None = None
