"""Routes of detection in the system: signals, their decision, and R_t of a stored series."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from epibridge.api.deps import CurrentPrincipal, ReadSession, WriteSession
from epibridge.api.pagination import Cursor, Page, PageLimit
from epibridge.api.selector import selector_query
from epibridge.detection import service
from epibridge.detection.schemas import (
    MethodName,
    RtRead,
    SignalDismiss,
    SignalRead,
    ThresholdsRead,
)
from epibridge.detection.service import rt as rt_service
from epibridge.detection.statuses import SignalStatus
from epibridge.epidata.selector import SeriesSelector
from epibridge.inputs import Id

router = APIRouter(prefix="/api/v1", tags=["detection"])


#: One state's series, on the periods detection runs on (see ``epibridge.api.selector``).
RtQuery = Annotated[
    SeriesSelector,
    Depends(selector_query(states="one", granularity=Literal["week", "month"])),
]


@router.get("/signals", response_model=Page[SignalRead])
def list_signals(
    session: ReadSession,
    principal: CurrentPrincipal,
    limit: PageLimit,
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
    cursor: Cursor = None,
) -> Page[SignalRead]:
    """List detection signals, newest first."""
    return service.list_signals(
        session,
        principal=principal,
        state=state,
        disease=disease,
        status=status,
        method=method,
        dataset=dataset,
        cursor=cursor,
        limit=limit,
    ).map(service.to_read)


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


@router.get("/data/thresholds", response_model=ThresholdsRead, tags=["epidemic data"])
def get_thresholds(
    session: ReadSession,
    principal: CurrentPrincipal,
    selector: RtQuery,
    method: Annotated[MethodName, Query(description="Detection method.")] = "ears-c1",
) -> ThresholdsRead:
    """A method's threshold and alarm per period, as the curve page draws them.

    Computed on the series' whole history; ``start`` and ``end`` clip the points returned,
    never the history the method uses.
    """
    return ThresholdsRead.of(
        service.series_thresholds(session, principal=principal, selector=selector, method=method)
    )


@router.get("/data/rt", response_model=RtRead, tags=["epidemic data"])
def get_rt(
    session: ReadSession,
    principal: CurrentPrincipal,
    selector: RtQuery,
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
    nowcast: Annotated[
        bool,
        Query(
            description="Correct for reporting delay: the incomplete last periods are their "
            "nowcast median (GET /api/v1/data/nowcast)."
        ),
    ] = False,
    max_delay: Annotated[
        int, Query(description="Largest reporting delay the nowcast learns (periods, 1-52).")
    ] = 8,
) -> RtRead:
    """Estimate the time-varying reproduction number of a series (Cori et al. 2013)."""
    return service.series_rt(
        session,
        principal=principal,
        selector=selector,
        mean_si=mean_si,
        std_si=std_si,
        window=window,
        mean_prior=mean_prior,
        std_prior=std_prior,
        nowcast=nowcast,
        max_delay=max_delay,
    )
