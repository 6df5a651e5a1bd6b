"""What the epidemic database's routes and commands return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from epibridge.errors import FieldError


@dataclass(frozen=True)
class BadRow(FieldError):
    """A refused value of a submitted file; ``row`` is the file's line number (header = 1)."""

    row: int = 0

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        out = super().as_dict(lang)
        out["row"] = self.row
        return out


class SubmissionRead(BaseModel):
    """An accepted submission (``id`` is None and ``dry_run`` true when only checked)."""

    model_config = ConfigDict(from_attributes=True)

    id: int | None
    state: str
    received_at: datetime | None
    submitted_by: str
    on_behalf: bool
    format: str
    filename: str
    digest: str = Field(description="SHA-256 of the file as received.")
    size_bytes: int
    row_count: int
    new_count: int = Field(description="Keys that had no value before.")
    revised_count: int = Field(description="Keys whose value changed: a new version each.")
    unchanged_count: int = Field(description="Rows equal to the current value: not stored again.")
    withdrawn_count: int = Field(default=0, description="Keys whose value this withdrew.")
    synthetic: bool = Field(description="True for generated demo data, never real surveillance.")
    source: str
    dry_run: bool = False


class PointRead(BaseModel):
    period_start: date
    period_end: date
    value: int | None = Field(description="Sum of reported values; null: nothing reported.")
    reported: int = Field(description="How many stored observations the value sums.")
    rate: float | None = Field(default=None, description="value per `per` inhabitants.")
    population: int | None = None
    population_year: int | None = None


class SeriesRead(BaseModel):
    state: str = Field(description="ISO3 code, or ALL for the organization-wide total.")
    disease: str
    metric: str
    classification: str
    area: str
    age_group: str
    sex: str
    granularity: str
    dataset: str = Field(default="sco", description="Always 'sco': member states' data.")
    synthetic: bool = Field(description="True when any value comes from generated demo data.")
    as_of: datetime | None
    per: int | None
    skipped_coarser: int = Field(
        default=0, description="Observations with periods longer than the granularity (left out)."
    )
    points: list[PointRead]


class SeriesSet(BaseModel):
    series: list[SeriesRead]
    total: SeriesRead | None = None
    population_source: str | None = None


class VersionRead(BaseModel):
    period_start: date
    period_end: date
    version: int
    value: int | None
    received_at: datetime
    superseded_at: datetime | None
    submission_id: int
    withdrawn: bool = Field(
        default=False, description="This version withdrew the value: absent from then on."
    )


class HistoryRead(BaseModel):
    state: str
    disease: str
    metric: str
    classification: str
    area: str
    age_group: str
    sex: str
    synthetic: bool
    versions: list[VersionRead]


class IncreaseRead(BaseModel):
    state: str
    recent: int = Field(description="Sum over the recent window.")
    previous: int = Field(description="Sum over the window before it.")
    change: int
    ratio: float | None = Field(description="recent / previous; null when previous is 0.")
    recent_start: date
    recent_end: date
    synthetic: bool


class ReferenceDatasetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    title: str
    country_iso3: str
    area: str
    pathogen: str
    metric: str
    frequency: str
    synthetic: bool
    source: str
    dataset: str = Field(
        default="", description="'reference:<name>': not data of the organization."
    )


class ReferenceValueRead(BaseModel):
    period_start: date
    period_end: date
    value: int | None


class ReferenceSeriesRead(ReferenceDatasetRead):
    values: list[ReferenceValueRead]
