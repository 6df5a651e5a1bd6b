"""Pydantic models of border crossings, status reports and lanes (input, output, seed file)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from epibridge.borders.statuses import (
    REPORTED_STATUSES,
    CrossingKind,
    CrossingStatus,
    Direction,
    LaneKind,
    Traffic,
)
from epibridge.inputs import Id, InputModel
from epibridge.vocabulary import choice_of

ReportedStatus = choice_of(*REPORTED_STATUSES)
Colour = Literal["green", "amber", "red", "grey", "purple"]

#: Map colour of each summarized status (a conflict between the sides is purple).
COLOURS: dict[CrossingStatus, Colour] = {
    CrossingStatus.OPEN: "green",
    CrossingStatus.RESTRICTED: "amber",
    CrossingStatus.CLOSED: "red",
    CrossingStatus.UNKNOWN: "grey",
}
CONFLICT_COLOUR: Colour = "purple"


class Capacity(InputModel):
    """Normal capacity per day; null means no reliable figure is known (not zero)."""

    model_config = ConfigDict(extra="forbid")

    trucks_per_day: int | None = Field(default=None, ge=0)
    trains_per_day: int | None = Field(default=None, ge=0)
    travellers_per_day: int | None = Field(default=None, ge=0)
    note: str | None = Field(default=None, max_length=2000)


class PlaceNames(InputModel):
    """A crossing's names in one more language; a name left out is shown in English."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_a: str | None = Field(default=None, min_length=1, max_length=200)
    name_b: str | None = Field(default=None, min_length=1, max_length=200)


class CrossingNames(InputModel):
    """The names of a crossing and its posts in Russian and Chinese, and where they come from."""

    model_config = ConfigDict(extra="forbid")

    ru: PlaceNames | None = None
    zh: PlaceNames | None = None
    source: str | None = Field(
        default=None, max_length=2000, description="Where the names come from."
    )


class CrossingCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    kind: CrossingKind
    state_a: str = Field(min_length=3, max_length=3)
    name_a: str = Field(min_length=1, max_length=200)
    state_b: str = Field(min_length=3, max_length=3)
    name_b: str = Field(min_length=1, max_length=200)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    approximate: bool = True
    capacity: Capacity = Capacity()
    opening_hours: str | None = Field(default=None, max_length=200)
    source: str = Field(
        min_length=3, max_length=2000, description="Where the crossing is documented."
    )
    note: str | None = Field(default=None, max_length=2000)
    names: CrossingNames | None = None


class CrossingUpdate(InputModel):
    """What may change about a crossing; its code, kind and states may not."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_a: str | None = Field(default=None, min_length=1, max_length=200)
    name_b: str | None = Field(default=None, min_length=1, max_length=200)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    approximate: bool | None = None
    capacity: Capacity | None = None
    opening_hours: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, min_length=3, max_length=2000)
    note: str | None = Field(default=None, max_length=2000)
    names: CrossingNames | None = None


class RegistryDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approximate: bool = True
    capacity: Capacity = Capacity()


class RegistryDocument(BaseModel):
    """The shipped YAML registry of crossings."""

    model_config = ConfigDict(extra="forbid")

    defaults: RegistryDefaults = RegistryDefaults()
    crossings: list[dict[str, object]]


class AdjacencyDocument(BaseModel):
    """The shipped YAML table of land borders."""

    model_config = ConfigDict(extra="forbid")

    source: str
    pairs: list[tuple[str, str]]


class StatusReportCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    side: str = Field(min_length=3, max_length=3, description="ISO3 of the reporting side.")
    direction: Direction = Field(description="Relative to the reporting side.")
    traffic: Traffic
    status: ReportedStatus
    capacity_share: float | None = Field(
        default=None, ge=0, le=3, description="Current capacity as a share of normal (1 = 100%)."
    )
    wait_minutes: int | None = Field(default=None, ge=0, le=60 * 24 * 60)
    measures_c8: int = Field(
        ge=0,
        le=4,
        description="OxCGRT C8: 0 none, 1 screening, 2 quarantine, 3 ban from some regions, "
        "4 closure.",
    )
    measures_text: str | None = Field(default=None, max_length=4000)
    effective_from: AwareDatetime
    effective_until: AwareDatetime | None = None


class StatusReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    crossing_id: int
    side: str
    direction: Direction
    traffic: Traffic
    status: ReportedStatus
    colour: Colour
    capacity_share: float | None
    wait_minutes: int | None
    measures_c8: int
    measures_text: str | None
    effective_from: datetime
    effective_until: datetime | None
    superseded_by: int | None
    reported_at: datetime
    reported_by: str
    on_behalf: bool


class SideRead(BaseModel):
    """One side of a crossing: its post, its summarized status now and its current reports."""

    state: str
    post: str
    status: CrossingStatus
    colour: Colour
    reports: list[StatusReportRead]


class ConflictRead(BaseModel):
    """The two sides disagree about one flow (from one state to the other) of one traffic."""

    traffic: Traffic
    flow_from: str
    flow_to: str
    outbound_status: ReportedStatus
    inbound_status: ReportedStatus


class Coordinates(BaseModel):
    latitude: float
    longitude: float
    approximate: bool


class LaneCheck(BaseModel):
    """Whether the waiting times reported now meet a lane's target at one crossing."""

    lane_id: int
    lane_name: str
    kind: LaneKind
    traffic: Traffic
    target_minutes: int
    max_wait_minutes: int | None
    meets_target: bool | None = Field(description="null: no waiting time reported now.")


class CrossingRead(BaseModel):
    id: int
    code: str
    name: str
    kind: CrossingKind
    states: list[str] = Field(description="ISO3 codes of the two states (side a, side b).")
    coordinates: Coordinates
    geometry: dict[str, object] = Field(description="GeoJSON Point [longitude, latitude].")
    capacity: Capacity
    opening_hours: str | None
    source: str
    note: str | None
    names: CrossingNames | None = Field(
        default=None, description="The names in Russian and Chinese (``name`` is English)."
    )
    sides: list[SideRead]
    status: CrossingStatus = Field(description="Worst of the two sides' statuses.")
    colour: Colour
    conflict: bool
    conflicts: list[ConflictRead]
    lanes: list[LaneCheck]


class LaneCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    kind: LaneKind
    name: str = Field(min_length=1, max_length=200)
    states: list[str] = Field(min_length=2, max_length=10)
    crossing_ids: list[Id] = Field(min_length=1, max_length=500)
    documents_accepted: list[str] = Field(default_factory=list, max_length=50)
    checks: str | None = Field(default=None, max_length=4000)
    hours: str | None = Field(default=None, max_length=200)
    target_minutes: int = Field(
        default=15, gt=0, le=60 * 24, description="15 minutes is the EU green-lane benchmark."
    )
    agreement: str | None = Field(default=None, max_length=2000)
    valid_from: date
    valid_until: date | None = None


class LaneUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    crossing_ids: list[Id] | None = Field(default=None, min_length=1, max_length=500)
    documents_accepted: list[str] | None = Field(default=None, max_length=50)
    checks: str | None = Field(default=None, max_length=4000)
    hours: str | None = Field(default=None, max_length=200)
    target_minutes: int | None = Field(default=None, gt=0, le=60 * 24)
    agreement: str | None = Field(default=None, max_length=2000)
    valid_until: date | None = None


class LaneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: LaneKind
    traffic: Traffic
    name: str
    states: list[str]
    crossing_ids: list[int]
    documents_accepted: list[str]
    checks: str | None
    hours: str | None
    target_minutes: int
    agreement: str | None
    valid_from: date
    valid_until: date | None
    created_at: datetime
    created_by: str


class RegistryResult(BaseModel):
    created: int
    updated: int
    unchanged: int
