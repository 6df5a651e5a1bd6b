"""Routes of detection in the system: signals, their decision, and R_t of a stored series."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from epibridge.api.deps import CurrentPrincipal, ReadSession, SettingsDep, WriteSession
from epibridge.api.pagination import Page, clamp_limit
from epibridge.detection import service
from epibridge.detection.schemas import MethodName, RtRead, SignalDismiss, SignalRead
from epibridge.detection.service import rt as rt_service
from epibridge.detection.statuses import SignalStatus
from epibridge.inputs import Id

router = APIRouter(prefix="/api/v1", tags=["detection"])


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@router.get("/signals", response_model=Page[SignalRead])
def list_signals(
    session: ReadSession,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    state: Annotated[str | None, Query(description="ISO3 code of the owning state.")] = None,
    disease: Annotated[str | None, Query(description="ICD-10 code.")] = None,
    status: Annotated[SignalStatus | None, Query(description="open, confirmed, dismissed.")] = None,
    method: Annotated[MethodName | None, Query(description="Detection method.")] = None,
    dataset: Annotated[
        str | None,
        Query(
            description="sco (member states), reference (any reference dataset) or "
            "reference:<name>."
        ),
    ] = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> Page[SignalRead]:
    """List detection signals, newest first."""
    size = clamp_limit(limit, default=settings.page_size_default, maximum=settings.page_size_max)
    rows, next_cursor = service.list_signals(
        session,
        principal=principal,
        state=state,
        disease=disease,
        status=status,
        method=method,
        dataset=dataset,
        cursor=cursor,
        limit=size,
    )
    return Page[SignalRead](items=[service.to_read(s) for s in rows], next_cursor=next_cursor)


@router.get("/signals/{signal_id}", response_model=SignalRead)
def get_signal(session: ReadSession, principal: CurrentPrincipal, signal_id: Id) -> SignalRead:
    """Show one detection signal."""
    return service.to_read(service.get(session, principal=principal, signal_id=signal_id))


@router.post("/signals/{signal_id}/confirm", response_model=SignalRead)
def confirm_signal(session: WriteSession, principal: CurrentPrincipal, signal_id: Id) -> SignalRead:
    """Confirm a signal of your state, which notifies its draft notification."""
    return service.to_read(service.confirm(session, actor=principal, signal_id=signal_id))


@router.post("/signals/{signal_id}/dismiss", response_model=SignalRead)
def dismiss_signal(
    session: WriteSession, principal: CurrentPrincipal, signal_id: Id, data: SignalDismiss
) -> SignalRead:
    """Dismiss a signal of your state with the reason it is not an outbreak."""
    return service.to_read(
        service.dismiss(session, actor=principal, signal_id=signal_id, data=data)
    )


@router.get("/data/rt", response_model=RtRead, tags=["epidemic data"])
def get_rt(
    session: ReadSession,
    principal: CurrentPrincipal,
    state: Annotated[str, Query(description="ISO3 code of the state.")],
    disease: Annotated[str, Query(description="ICD-10 code, e.g. J11.")],
    metric: Annotated[str, Query(description="cases, deaths, ...")] = "cases",
    classification: Annotated[str, Query(description="suspected, probable, confirmed, all.")] = (
        "all"
    ),
    area: Annotated[str, Query(description="ISO 3166-2 code; empty: the whole state.")] = "",
    granularity: Annotated[
        Literal["week", "month"], Query(description="Periods of the series.")
    ] = "week",
    start: Annotated[date | None, Query(description="First day of the series used.")] = None,
    end: Annotated[date | None, Query(description="Last day of the series used.")] = None,
    as_of: Annotated[
        datetime | None, Query(description="Use the data as known at this moment.")
    ] = None,
    mean_si: Annotated[
        float,
        Query(
            description="Mean serial interval in periods of the granularity (> 1). Default 2.6: "
            "EpiEstim's Flu2009 example (days); give your pathogen's in weeks for weekly data."
        ),
    ] = rt_service.DEFAULT_MEAN_SI,
    std_si: Annotated[
        float, Query(description="Standard deviation of the serial interval (> 0); default 1.5.")
    ] = rt_service.DEFAULT_STD_SI,
    window: Annotated[
        int, Query(ge=1, le=104, description="Periods per sliding window (EpiEstim: 7).")
    ] = rt_service.DEFAULT_WINDOW,
    mean_prior: Annotated[float, Query(gt=0, description="Prior mean of R (EpiEstim: 5).")] = 5.0,
    std_prior: Annotated[float, Query(gt=0, description="Prior sd of R (EpiEstim: 5).")] = 5.0,
) -> RtRead:
    """Estimate the time-varying reproduction number of a series (Cori et al. 2013)."""
    return service.series_rt(
        session,
        principal=principal,
        state=state,
        disease=disease,
        metric=metric,
        classification=classification,
        area=area,
        granularity=granularity,
        start=start,
        end=end,
        as_of=_utc(as_of),
        mean_si=mean_si,
        std_si=std_si,
        window=window,
        mean_prior=mean_prior,
        std_prior=std_prior,
    )
