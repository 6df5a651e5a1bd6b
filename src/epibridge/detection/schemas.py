"""What detection's routes and commands take and return (the rules live in ``service``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from epibridge.detection.statuses import SignalStatus
from epibridge.inputs import InputModel
from epibridge.notifications.schemas_replica import NodeRef

MethodName = Literal["ears-c1", "ears-c2", "ears-c3", "farrington", "noufaily"]


class SignalRead(BaseModel):
    """One alarm of one method on one period of one series."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    dataset: str = Field(
        description="'sco' for member states' data; 'reference:<name>' for a published "
        "dataset from outside the organization (never notified)."
    )
    state: str
    area: str
    disease: str
    metric: str
    classification: str
    title: str
    synthetic: bool = Field(description="True when the series holds generated demo data.")
    granularity: str
    period_start: date
    period_end: date
    method: str
    observed: float | None
    expected: float | None
    upperbound: float | None
    score: float | None
    alarm: bool = Field(description="Whether the latest run over this period still alarmed.")
    as_of: datetime = Field(description="The data as known at this moment were used.")
    run_id: str
    created_at: datetime
    updated_at: datetime
    status: SignalStatus
    decided_at: datetime | None
    decided_by: str | None
    on_behalf: bool
    reason: str | None
    notification_id: int | None = Field(
        description="The draft notification opened for the owning state (null for reference "
        "datasets)."
    )
    nowcast: bool = Field(
        default=False,
        description="True when the run judged counts corrected for reporting delay: the "
        "incomplete periods replaced by their nowcast median (docs/nowcasting.md).",
    )
    origin_node: str | None = Field(
        default=None,
        description="The node this signal is a read-only replica from (null: computed here).",
    )


class SignalDismiss(InputModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="Why it is not an outbreak.")


class RunOptions(BaseModel):
    """What one detection run looks at."""

    model_config = ConfigDict(extra="forbid")

    states: list[str] | None = None
    diseases: list[str] | None = None
    method: MethodName | None = Field(
        default=None, description="Only this method (default: chosen per series, see docs)."
    )
    since: date | None = Field(
        default=None, description="Monitor every period starting on or after this date."
    )
    last: int = Field(default=4, ge=1, le=520, description="Monitor the last N periods.")
    metrics: list[str] = Field(default_factory=lambda: ["cases"])
    changed: bool = Field(
        default=False, description="Only series touched by submissions since they were last run."
    )
    dataset: Literal["sco", "reference", "all"] = "sco"
    granularity: Literal["week", "month"] = Field(
        default="week", description="Periods the series are aggregated to (ISO weeks or months)."
    )
    as_of: datetime | None = Field(default=None, description="Data as known then (default: now).")
    nowcast: bool = Field(
        default=False,
        description="Judge counts corrected for reporting delay: each incomplete period "
        "replaced by its nowcast median (weekly or monthly series with back-dated vintages).",
    )
    max_delay: int = Field(
        default=8, ge=1, le=52, description="Largest reporting delay the nowcast learns (periods)."
    )


class RunReport(BaseModel):
    run_id: str
    as_of: datetime
    series: int = Field(description="Series examined.")
    skipped: int = Field(description="Series too short for any method.")
    evaluated: int = Field(description="(series, period, method) points computed.")
    alarms: int
    opened: int = Field(description="New signals.")
    updated: int = Field(description="Open signals updated by this run.")
    notifications: int = Field(description="Draft notifications opened.")
    messages_read: int = Field(description="epidata.submission_accepted messages consumed.")


class ThresholdPoint(BaseModel):
    period_start: date
    period_end: date
    observed: float | None
    expected: float | None
    upperbound: float | None
    alarm: bool | None = Field(description="null where the method leaves it undefined.")


class SeriesThresholds(BaseModel):
    """Expected values, upper bounds and alarms of one method over one series."""

    state: str
    disease: str
    metric: str
    classification: str
    method: str
    as_of: datetime | None
    synthetic: bool
    points: list[ThresholdPoint]
    #: Periods of history the method needs before a period it judges, and the periods the
    #: whole series has (first to last known): a page says why there is no threshold.
    history_needed: int = 0
    history_periods: int = 0
    #: The first period of the whole history with a threshold; None when the method has none.
    first_judged: date | None = None


class RtPoint(BaseModel):
    period_start: date = Field(description="First period of the window.")
    period_end: date = Field(description="Last day of the window's last period.")
    mean: float | None
    std: float | None
    median: float | None
    quantile_025: float | None
    quantile_975: float | None
    quantiles: dict[str, float | None]


class RtRead(BaseModel):
    """Cori et al. (2013) R_t over sliding windows (EpiEstim ``estimate_R``, parametric_si)."""

    state: str
    disease: str
    metric: str
    classification: str
    granularity: str
    mean_si: float
    std_si: float
    window: int
    mean_prior: float
    std_prior: float
    as_of: datetime | None
    synthetic: bool
    nowcast: bool = Field(
        default=False,
        description="True when the incomplete last periods were replaced by their nowcast "
        "median (nowcast=true and the series had periods still incomplete).",
    )
    estimates: list[RtPoint]


class ThresholdValue(BaseModel):
    """One period of ``GET /api/v1/data/thresholds``: the figure the curve page draws."""

    period_start: date
    value: float | None = Field(description="The observed count; null where nothing was reported.")
    threshold: float | None = Field(description="The method's upper bound; null without one.")
    alarm: bool | None = Field(description="null where the method leaves it undefined.")


class ThresholdsRead(BaseModel):
    """A method's thresholds over one series: computed on all its history, clipped to the range."""

    state: str
    disease: str
    metric: str
    classification: str
    method: str
    synthetic: bool = Field(description="True when the series is synthetic (demo or test) data.")
    points: list[ThresholdValue]

    @classmethod
    def of(cls, found: SeriesThresholds) -> ThresholdsRead:
        return cls(
            state=found.state,
            disease=found.disease,
            metric=found.metric,
            classification=found.classification,
            method=found.method,
            synthetic=found.synthetic,
            points=[
                ThresholdValue(
                    period_start=p.period_start,
                    value=p.observed,
                    threshold=p.upperbound,
                    alarm=p.alarm,
                )
                for p in found.points
            ],
        )


class SignalBody(BaseModel):
    """``detection.signal_*`` between nodes: one signal as its node holds it (when shared).

    ``signal`` and ``notification`` name records of their nodes (``{"node", "id"}``).
    """

    model_config = ConfigDict(extra="forbid")

    signal: NodeRef
    notification: NodeRef | None = None
    state: str = Field(pattern=r"^[A-Z]{3}$")
    area: str = Field(default="", max_length=8)
    disease: str = Field(min_length=1, max_length=16)
    metric: str = Field(min_length=1, max_length=24)
    classification: str = Field(min_length=1, max_length=16)
    title: str = Field(min_length=1, max_length=300)
    synthetic: bool = False
    granularity: str = Field(min_length=1, max_length=8)
    period_start: date
    period_end: date
    method: str = Field(min_length=1, max_length=24)
    observed: float | None = None
    expected: float | None = None
    upperbound: float | None = None
    score: float | None = None
    alarm: bool = True
    as_of: datetime
    run_id: str = Field(min_length=1, max_length=36)
    created_at: datetime
    updated_at: datetime
    status: SignalStatus
    decided_at: datetime | None = None
    decided_by: str | None = Field(default=None, max_length=200)
    on_behalf: bool = False
    reason: str | None = Field(default=None, max_length=2000)
    nowcast: bool = False
