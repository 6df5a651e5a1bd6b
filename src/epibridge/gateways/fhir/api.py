"""The FHIR R4 routes: MeasureReport search and create, transactions, the CapabilityStatement.

A thin face: queries go through ``epidata.queries`` with one ``SeriesSelector``, imports
through ``epidata.ingest`` as one submission; every answer and refusal is FHIR JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from epibridge.api.deps import CurrentPrincipal, Now, ReadSession, SettingsDep, get_sessions
from epibridge.api.problems import PROBLEM_MEDIA_TYPE
from epibridge.db import read_session
from epibridge.errors import FieldError, InvalidInput, NotFound
from epibridge.gateways.fhir import capability, codes, importing, search, searchset
from epibridge.gateways.fhir.outcome import FhirResponse, FhirRoute
from epibridge.gateways.fhir.reading import Reading
from epibridge.i18n import N_
from epibridge.paging import clamp_limit
from epibridge.security import Principal

router = APIRouter(prefix=codes.PREFIX, tags=["FHIR gateway"], route_class=FhirRoute)
Sessions = Annotated[sessionmaker[Session], Depends(get_sessions)]
RESOURCE = {"type": "object", "description": "a FHIR R4 resource (JSON)"}
FHIR_JSON = {"content": {codes.MEDIA_TYPE: {"schema": RESOURCE}}}
#: Every refusal of the routes is an OperationOutcome; what the API refuses before routing (a
#: control character in the URL, a body over the size limit) is its RFC 9457 problem document.
REFUSED = {"content": {codes.MEDIA_TYPE: {"schema": RESOURCE}, PROBLEM_MEDIA_TYPE: {}}}
OUTCOMES: dict[int | str, dict[str, object]] = {
    422: {"description": "OperationOutcome: each issue's expression names the element", **REFUSED},
    "4XX": {"description": "OperationOutcome (401, 403, 404); 413: problem", **REFUSED},
}
SEARCH_NAMES = {
    "state",
    "disease",
    "metric",
    "area",
    "period",
    "granularity",
    "_count",
    "_cursor",
    "_format",
}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get(
    "/metadata",
    response_class=FhirResponse,
    response_model=None,
    responses={200: FHIR_JSON, **OUTCOMES},
)
def metadata(request: Request, now: Now) -> FhirResponse:
    """The CapabilityStatement: FHIR 4.0.1, JSON, MeasureReport search and create."""
    return FhirResponse(capability.statement(_base(request), now))


def _refuse_unknown(request: Request) -> None:
    unknown = [k for k in request.query_params if k not in SEARCH_NAMES]
    fmt = request.query_params.get("_format")
    if fmt is not None and fmt not in ("json", "application/json", codes.MEDIA_TYPE):
        unknown.append("_format")
    if unknown:
        raise InvalidInput(
            N_("this server does not support the search parameter(s) {names}"),
            [
                FieldError(name, N_("not supported"), request.query_params.get(name))
                for name in unknown
            ],
            params={"names": unknown},
        )


@router.get(
    "/MeasureReport",
    response_class=FhirResponse,
    response_model=None,
    responses={200: FHIR_JSON, **OUTCOMES},
)
def search_reports(
    request: Request,
    session: ReadSession,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    now: Now,
    state: Annotated[list[str], Query(description="ISO3 code(s) of the state(s).")] = [],  # noqa: B006
    disease: Annotated[str | None, Query(description="ICD-10 code of the disease.")] = None,
    metric: Annotated[str, Query(description="cases, deaths, ...")] = "cases",
    area: Annotated[str, Query(description="ISO 3166-2 code; empty: whole state.")] = "",
    period: Annotated[
        list[str], Query(description="2024-W05, 2024-01 or 2024-01-15, prefix ge/gt/le/lt/eq.")
    ] = [],  # noqa: B006
    granularity: Annotated[
        Literal["day", "week", "month"] | None, Query(description="Span of each report.")
    ] = None,
    count: Annotated[int | None, Query(alias="_count", description="Reports per page.")] = None,
    cursor: Annotated[str | None, Query(alias="_cursor", description="From a next link.")] = None,
) -> FhirResponse:
    """A searchset Bundle of MeasureReports: one per state and period, strata as stratifiers."""
    _refuse_unknown(request)
    selector = search.selector(
        states=state,
        disease=disease,
        metric=metric,
        area=area,
        period=period,
        granularity=granularity,
    )
    limit = clamp_limit(count, default=settings.page_size_default, maximum=settings.page_size_max)
    body = searchset.bundle(
        session,
        principal=principal,
        selector=selector,
        base=_base(request),
        query=list(request.query_params.multi_items()),
        count=limit,
        cursor=cursor,
        now=now,
    )
    return FhirResponse(body)


def _import(
    raw: bytes, sessions: sessionmaker[Session], principal: Principal, limit: int, *, bundle: bool
) -> tuple[importing.Json, Reading, list[importing.Entry]]:
    """Parse, read and land a request's reports (blocking: run off the event loop)."""
    body = importing.parse(raw)
    found = importing.entries(body, bundle=bundle)
    reading = importing.read(found)
    importing.submit(sessions, actor=principal, reading=reading, max_bytes=limit)
    return body, reading, found


def _read_back(
    sessions: sessionmaker[Session],
    principal: Principal,
    request: Request,
    reading: Reading,
    index: int,
    now: datetime,
) -> importing.Json:
    with read_session(sessions) as session:
        return importing.read_back(
            session, principal=principal, base=_base(request), reading=reading, index=index, now=now
        )


@router.post(
    "/MeasureReport",
    status_code=201,
    response_class=FhirResponse,
    response_model=None,
    responses={201: FHIR_JSON, **OUTCOMES},
)
async def create_report(
    request: Request,
    sessions: Sessions,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    now: Now,
) -> FhirResponse:
    """Import one MeasureReport's counts as one submission of its state (all or nothing)."""
    raw = await request.body()
    _, reading, _ = await run_in_threadpool(
        _import, raw, sessions, principal, settings.max_body_bytes, bundle=False
    )
    resource = await run_in_threadpool(_read_back, sessions, principal, request, reading, -1, now)
    location = f"{_base(request)}{codes.PREFIX}/MeasureReport/{resource['id']}"
    return FhirResponse(resource, status_code=201, headers={"Location": location})


@router.post(
    "", response_class=FhirResponse, response_model=None, responses={200: FHIR_JSON, **OUTCOMES}
)
async def transaction(
    request: Request,
    sessions: Sessions,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    now: Now,
) -> FhirResponse:
    """Import a transaction Bundle of MeasureReports as one submission (all or nothing)."""
    raw = await request.body()
    _, reading, found = await run_in_threadpool(
        _import, raw, sessions, principal, settings.max_body_bytes, bundle=True
    )
    answers = [
        {
            "response": {
                "status": "201 Created",
                "location": "MeasureReport/"
                + (
                    await run_in_threadpool(
                        _read_back, sessions, principal, request, reading, i, now
                    )
                )["id"],
            }
        }
        for i in range(len(found))
    ]
    return FhirResponse(
        {"resourceType": "Bundle", "type": "transaction-response", "entry": answers}
    )


@router.api_route(
    "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
def unknown(rest: str) -> FhirResponse:
    """Anything else under the FHIR base: a 404 OperationOutcome, as FHIR clients expect."""
    raise NotFound(
        N_("this FHIR server has no such resource or operation"),
        [FieldError("path", "unknown", rest)],
    )
