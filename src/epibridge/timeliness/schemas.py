"""What clients send to record 7-1-7 milestones, and what the timeliness routes answer."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from epibridge.inputs import InputModel
from epibridge.timeliness.statuses import (
    ActionOutcome,
    EarlyAction,
    FactorCategory,
    FactorKind,
    Interval,
)

Source = str | None


class MilestonesUpdate(InputModel):
    """The milestones a state corrects: each date with where it comes from; null clears it."""

    model_config = ConfigDict(extra="forbid")

    emergence_date: date | None = None
    emergence_source: str | None = Field(default=None, max_length=2000)
    national_notification_date: date | None = None
    national_notification_source: str | None = Field(default=None, max_length=2000)


class ActionRecord(InputModel):
    """One early response action: completed on a day, or not needed for this event."""

    model_config = ConfigDict(extra="forbid")

    outcome: ActionOutcome
    completed_on: date | None = None
    note: str | None = Field(default=None, max_length=2000)


class FactorCreate(InputModel):
    """A bottleneck or an enabler of one interval, in a category of the 7-1-7 taxonomy."""

    model_config = ConfigDict(extra="forbid")

    kind: FactorKind
    stage: Interval
    category: FactorCategory
    description: str = Field(min_length=1, max_length=2000)


class Targets(BaseModel):
    """Whether each target was met; null while the interval cannot be measured."""

    detect: bool | None
    notify: bool | None
    respond: bool | None


class MilestoneRead(BaseModel):
    date: date | None
    #: Where the date comes from: ``onset``, ``epibridge``, ``national`` or the source given.
    origin: str | None
    source: str | None = None


class ActionRead(BaseModel):
    action: EarlyAction
    #: null: not recorded yet.
    outcome: ActionOutcome | None
    completed_on: date | None = None
    note: str | None = None
    recorded_by: str | None = None


class FactorRead(BaseModel):
    id: int
    kind: FactorKind
    stage: Interval
    category: FactorCategory
    description: str
    recorded_by: str


class TimelinessRead(BaseModel):
    """One event's 7-1-7 milestones, intervals and targets (days between UTC calendar dates)."""

    event_id: int
    state: str
    title: str
    emergence: MilestoneRead
    detection: MilestoneRead
    notification: MilestoneRead
    early_response: MilestoneRead
    actions: list[ActionRead]
    detect_days: int | None
    notify_days: int | None
    respond_days: int | None
    targets_met: Targets
    all_met: bool | None
    factors: list[FactorRead]
    links: dict[str, str]


class IntervalScore(BaseModel):
    """One interval over the events of a scorecard."""

    measured: int
    met: int
    share: float | None
    median_days: float | None


class CategoryCount(BaseModel):
    category: FactorCategory
    count: int


class VerificationScore(BaseModel):
    """Answers to verification requests (IHR Article 10: within 24 hours)."""

    requests: int
    answered: int
    within_24h: int
    #: Answered within 24 hours, of the requests answered or already overdue.
    share_within_24h: float | None
    median_hours: float | None


class ScorecardRead(BaseModel):
    """The share of events meeting each 7-1-7 target (of those whose interval is known)."""

    state: str | None
    period_from: date | None = Field(serialization_alias="from")
    period_to: date | None = Field(serialization_alias="to")
    events: int
    detect: float | None
    notify: float | None
    respond: float | None
    all: float | None
    intervals: dict[str, IntervalScore]
    bottlenecks: list[CategoryCount]
    enablers: list[CategoryCount]
    verification: VerificationScore


class ScorecardRow(BaseModel):
    """One line of the scorecard table: one period (quarter or year), one state or the region."""

    period: str
    period_start: date
    period_end: date
    state: str | None
    card: ScorecardRead
