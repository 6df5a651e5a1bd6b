"""Routes of nowcasting under the data API: triangle, nowcast, reporting delay (JSON or CSV)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from epibridge.api.deps import CurrentPrincipal, ReadSession
from epibridge.api.selector import selector_query
from epibridge.epidata.selector import IDENTITY, SeriesSelector
from epibridge.nowcasting import export, service, track_record
from epibridge.nowcasting.schemas import (
    BacktestRead,
    NowcastRead,
    ReportingDelayRead,
    TriangleRead,
)

router = APIRouter(prefix="/api/v1/data", tags=["nowcasting"])

_FIELDS = (*IDENTITY, "granularity")
ManyQuery = Annotated[SeriesSelector, Depends(selector_query(states="many", fields=_FIELDS))]
OneQuery = Annotated[SeriesSelector, Depends(selector_query(states="one", fields=_FIELDS))]
MaxDelay = Annotated[int, Query(description="Largest delay D, in periods (1-52).")]
AsOf = Annotated[
    str | None,
    Query(description="What was known then: YYYY-MM-DD (the end of that day) or ISO timestamp."),
]
Format = Annotated[Literal["json", "csv"], Query(description="Response format.")]
Method = Annotated[Literal["chain-ladder", "bayes"], Query(description="chain-ladder or bayes.")]
_CSV = {200: {"content": {"text/csv": {}}}}


def _csv(text: str, name: str) -> Response:
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/triangle", response_model=TriangleRead, responses=_CSV)
def get_triangle(
    session: ReadSession,
    principal: CurrentPrincipal,
    selector: ManyQuery,
    max_delay: MaxDelay = 8,
    as_of: AsOf = None,
    periods: Annotated[int | None, Query(description="Periods (default 3 x max_delay).")] = None,
    format: Format = "json",
) -> TriangleRead | Response:
    """The reporting triangle of each state: each period's value as known 0..D periods later."""
    result = service.triangle(
        session,
        actor=principal,
        selector=service.at_as_of(selector, as_of),
        max_delay=max_delay,
        periods=periods,
    )
    return _csv(export.triangle_csv(result), "triangle") if format == "csv" else result


@router.get("/nowcast", response_model=NowcastRead, responses=_CSV)
def get_nowcast(
    session: ReadSession,
    principal: CurrentPrincipal,
    selector: OneQuery,
    max_delay: MaxDelay = 8,
    as_of: AsOf = None,
    method: Method = "chain-ladder",
    format: Format = "json",
) -> NowcastRead | Response:
    """The last 3 x D periods of one state's series: observed, nowcast and quantiles."""
    result = service.nowcast(
        session,
        actor=principal,
        selector=service.at_as_of(selector, as_of),
        max_delay=max_delay,
        method=method,
    )
    return _csv(export.nowcast_csv(result), "nowcast") if format == "csv" else result


@router.get("/reporting-delay", response_model=list[ReportingDelayRead], responses=_CSV)
def get_reporting_delay(
    session: ReadSession,
    principal: CurrentPrincipal,
    selector: ManyQuery,
    max_delay: MaxDelay = 8,
    as_of: AsOf = None,
    periods: Annotated[int, Query(description="Complete periods to learn from.")] = 52,
    format: Format = "json",
) -> list[ReportingDelayRead] | Response:
    """Median and 90th-percentile reporting delay of each state, in periods."""
    result = service.reporting_delay(
        session,
        actor=principal,
        selector=service.at_as_of(selector, as_of),
        max_delay=max_delay,
        periods=periods,
    )
    return _csv(export.delay_csv(result), "reporting-delay") if format == "csv" else result


@router.get("/backtest", response_model=BacktestRead, responses=_CSV)
def get_backtest(
    session: ReadSession,
    principal: CurrentPrincipal,
    selector: ManyQuery,
    max_delay: MaxDelay = 8,
    as_of: AsOf = None,
    periods: Annotated[int, Query(description="Periods of history replayed.")] = 104,
    method: Method = "chain-ladder",
    format: Format = "json",
) -> BacktestRead | Response:
    """The track record: past nowcasts and forecasts replayed and scored, beside the naive."""
    result = track_record.backtest(
        session,
        actor=principal,
        selector=service.at_as_of(selector, as_of),
        max_delay=max_delay,
        periods=periods,
        method=method,
    )
    return _csv(export.backtest_csv(result), "backtest") if format == "csv" else result
