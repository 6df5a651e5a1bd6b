"""What the nowcasting faces show: triangles, nowcasts, backtests and reporting delays."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class TriangleRow(BaseModel):
    period_start: date
    period_end: date
    values: list[float | None] = Field(
        description="The value as known at delay 0..D (null: not known by then, or not reported)."
    )


class TriangleSeries(BaseModel):
    state: str
    synthetic: bool = Field(description="True when any value comes from generated demo data.")
    rows: list[TriangleRow]


class TriangleRead(BaseModel):
    disease: str
    metric: str
    classification: str
    granularity: str
    max_delay: int
    as_of: datetime
    series: list[TriangleSeries]


class NowcastPoint(BaseModel):
    period_start: date
    observed: float | None = Field(description="The value as known at the as-of moment.")
    nowcast: float | None = Field(description="Chain-ladder point nowcast of the final value.")
    q05: float | None
    q25: float | None
    q50: float | None
    q75: float | None
    q95: float | None


class NowcastRead(BaseModel):
    state: str
    synthetic: bool
    as_of: datetime
    method: str
    points: list[NowcastPoint]


class ReportingDelayRead(BaseModel):
    state: str
    disease: str
    synthetic: bool
    periods: int = Field(description="Complete periods the delay distribution was learnt from.")
    share_by_delay: list[float | None] = Field(
        description="Share of the final count known at delay 0..D (null: no complete period)."
    )
    median_delay: int | None = Field(description="Periods until half the final count is known.")
    p90_delay: int | None = Field(description="Periods until 90% of the final count is known.")


class BacktestRow(BaseModel):
    state: str
    estimate: str = Field(
        description="nowcast or naive (latest as reported) by delay; forecast or "
        "forecast_naive by horizon."
    )
    step: int = Field(
        description="The delay, from 0 (nowcasts), or the horizon in periods, from 1 (forecasts)."
    )
    wis: float | None = Field(description="Mean weighted interval score.")
    coverage_50: float | None = Field(description="Share of targets inside the 50% interval.")
    coverage_90: float | None = Field(description="Share of targets inside the 90% interval.")
    bias: float | None
    n: int = Field(description="Scored estimates (targets final now).")


class BacktestRead(BaseModel):
    disease: str
    granularity: str
    max_delay: int
    method: str
    as_of: datetime
    periods: int
    summary: list[BacktestRow] = Field(description="Means over every state, per estimate kind.")
    rows: list[BacktestRow]
