"""DHIS2's Web API face: ``/api/dhis2/dataValueSets`` in and out, and the mappings.

A DHIS2 aggregate data exchange whose target URL is ``https://HOST/api/dhis2`` posts to
``/api/dhis2/api/dataValueSets`` (DHIS2 appends ``/api/dataValueSets`` to the target's base
URL), so both paths answer. An import answers DHIS2's ImportSummary with 200 whatever its
status (SUCCESS, WARNING or ERROR, as DHIS2's importer reports conflicts); a body that cannot
be read at all, an unknown parameter value or a missing mapping is a problem document
(422/404), and authentication problems are 401 problems.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session, sessionmaker

from epibridge.api.deps import GatewayPrincipal, ReadSession, WriteSession, get_sessions
from epibridge.api.problems import language_of
from epibridge.errors import FieldError, InvalidInput
from epibridge.gateways.dhis2 import mapping as mapping_rules
from epibridge.gateways.dhis2 import parsing, periods, service
from epibridge.gateways.dhis2.schemas import ImportStrategy, ImportSummary, MappingRead
from epibridge.i18n import N_
from epibridge.text import SafeText

router = APIRouter(prefix="/api/dhis2", tags=["DHIS2 gateway"])
Sessions = Annotated[sessionmaker[Session], Depends(get_sessions)]
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": _PROBLEM}
    for code, text in (
        (401, "Unauthenticated: ApiToken, Bearer or Basic (account name, token) needed"),
        (403, "Forbidden: the caller may not write or read this state's data"),
        (404, "Not found: an unknown state, or no mapping loaded for it"),
        (413, "Content too large"),
        (422, "Invalid input: an unreadable body or parameter, named"),
    )
}
MEDIA_TYPES = ("application/json", "application/csv", "text/csv", "application/adx+xml")
StateQuery = Annotated[
    SafeText | None,
    Query(description="ISO3 code of the state (default: the account's state)", max_length=3),
]


async def _body(request: Request) -> bytes:
    return await request.body()


def _scheme(name: str, raw: str | None, fallback: str) -> str:
    value = (raw or fallback).upper()
    value = "UID" if value == "ID" else value
    if value not in mapping_rules.ID_SCHEMES:
        raise InvalidInput(
            N_("{name} must be UID or CODE"),
            [FieldError(name, N_("one of {choices}"), raw, params={"choices": ("UID", "CODE")})],
            params={"name": name},
        )
    return value


def _state(principal_state: str | None, given: str | None) -> str:
    state = given or principal_state
    if not state:
        raise InvalidInput(
            N_("name the state whose data this is: ?state=ISO3"),
            [FieldError("state", N_("required for an account not bound to a state"))],
        )
    return state


@router.post(
    "/dataValueSets",
    response_model=ImportSummary,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {kind: {"schema": {"type": "string"}} for kind in MEDIA_TYPES},
        }
    },
    responses=PROBLEMS,
)
async def post_data_value_sets(
    request: Request,
    sessions: Sessions,
    principal: GatewayPrincipal,
    body: Annotated[bytes, Depends(_body)],
    state: StateQuery = None,
    dataSet: Annotated[str | None, Query(max_length=50)] = None,
    idScheme: Annotated[str | None, Query(max_length=16)] = None,
    dataElementIdScheme: Annotated[str | None, Query(max_length=16)] = None,
    orgUnitIdScheme: Annotated[str | None, Query(max_length=16)] = None,
    categoryOptionComboIdScheme: Annotated[str | None, Query(max_length=16)] = None,
    dryRun: bool = False,
    importStrategy: ImportStrategy = ImportStrategy.CREATE_AND_UPDATE,
) -> ImportSummary:
    """Import DHIS2 data values (JSON, CSV or ADX) as one submission of the caller's state."""
    general = _scheme("idScheme", idScheme, "UID")
    schemes = {
        "dataElementIdScheme": _scheme("dataElementIdScheme", dataElementIdScheme, general),
        "orgUnitIdScheme": _scheme("orgUnitIdScheme", orgUnitIdScheme, general),
        "categoryOptionComboIdScheme": _scheme(
            "categoryOptionComboIdScheme", categoryOptionComboIdScheme, general
        ),
    }
    media_type = request.headers.get("content-type", "application/json")
    kind = "adx" if "xml" in media_type else "csv" if "csv" in media_type else "json"
    options = service.ImportRequest(
        state=_state(principal.state, state),
        id_schemes=schemes,
        dry_run=dryRun,
        strategy=importStrategy,
        file_format=kind,
        lang=language_of(request),
    )

    def run() -> ImportSummary:
        parsed = parsing.read(body, media_type)
        return service.import_values(sessions, principal=principal, parsed=parsed, request=options)

    return await anyio.to_thread.run_sync(run)


# DHIS2's data exchange appends /api/dataValueSets to the target's base URL.
router.add_api_route(
    "/api/dataValueSets",
    post_data_value_sets,
    methods=["POST"],
    response_model=ImportSummary,
    include_in_schema=False,
)


def _ranges(
    period: list[str], start: date | None, end: date | None
) -> tuple[list[tuple[date, date]], bool]:
    if period:
        found = []
        for text in period:
            for one in text.split(","):
                parsed = periods.parse_period(one.strip())
                if parsed is None:
                    raise InvalidInput(
                        N_("not a DHIS2 period: {period}"),
                        [FieldError("period", N_("not a DHIS2 period"), one[:20])],
                        params={"period": one[:20]},
                    )
                found.append(parsed)
        return found, True
    if start is None or end is None or end < start:
        raise InvalidInput(
            N_("give period, or startDate and endDate (startDate first)"),
            [FieldError("period", N_("required"))],
        )
    return [(start, end)], False


@router.get("/dataValueSets", responses=PROBLEMS)
def get_data_value_sets(
    session: ReadSession,
    principal: GatewayPrincipal,
    state: StateQuery = None,
    dataSet: Annotated[str | None, Query(max_length=50)] = None,
    period: Annotated[list[SafeText] | None, Query(max_length=400)] = None,
    startDate: date | None = None,
    endDate: date | None = None,
    orgUnit: Annotated[list[SafeText] | None, Query(max_length=200)] = None,
    children: bool = False,
) -> dict[str, Any]:
    """Read a state's values back in DHIS2's JSON, through the reverse of its mapping."""
    ranges, exact = _ranges(period or [], startDate, endDate)
    return service.read_values(
        session,
        principal=principal,
        state=_state(principal.state, state),
        ranges=ranges,
        exact=exact,
        org_units=[] if children else [u for text in orgUnit or [] for u in text.split(",")],
        data_set=dataSet or "",
    )


@router.get("/mappings/{state}", response_model=MappingRead, responses=PROBLEMS)
def get_mapping(session: ReadSession, principal: GatewayPrincipal, state: SafeText) -> MappingRead:
    """A state's DHIS2 mapping as loaded (administrators and the Secretariat)."""
    return service.get_mapping(session, principal=principal, state=state)


@router.put(
    "/mappings/{state}",
    response_model=MappingRead,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                kind: {"schema": {"type": "object"}}
                for kind in ("application/json", "application/yaml")
            },
        }
    },
    responses=PROBLEMS,
)
def put_mapping(
    session: WriteSession,
    principal: GatewayPrincipal,
    state: SafeText,
    body: Annotated[bytes, Depends(_body)],
) -> MappingRead:
    """Load a state's DHIS2 mapping (JSON or YAML of the documented shape) in place of the last."""
    document = mapping_rules.parse_yaml(body)
    return service.load_mapping(session, principal=principal, state=state, document=document)
