"""Routes of the epidemic database: submissions, series, totals, increases, history, exports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from epibridge.api.deps import CurrentPrincipal, ReadSession, SettingsDep, get_sessions
from epibridge.api.pagination import Cursor, Page, PageLimit
from epibridge.db import read_session, write_session
from epibridge.epidata import export, queries, reference, revisions, service
from epibridge.epidata.codes import Granularity
from epibridge.epidata.schemas import (
    HistoryRead,
    IncreaseRead,
    ReferenceDatasetRead,
    ReferenceSeriesRead,
    SeriesRead,
    SeriesSet,
    SubmissionRead,
)
from epibridge.inputs import Id
from epibridge.text import SafeText

router = APIRouter(prefix="/api/v1/data", tags=["epidemic data"])

Sessions = Annotated[sessionmaker[Session], Depends(get_sessions)]
Disease = Annotated[str, Query(description="ICD-10 code, e.g. J11, A00, U07.1.")]
Metric = Annotated[str, Query(description="cases, deaths, hospitalisations, tests, ...")]
Classification = Annotated[str, Query(description="suspected, probable, confirmed or all.")]
Area = Annotated[str, Query(description="ISO 3166-2 code; empty for the whole state.")]
AgeGroup = Annotated[str, Query(description="e.g. 0-4, 65+; empty for all ages.")]
Sex = Annotated[str, Query(description="female, male, unknown; empty for everyone.")]
GranularityQ = Annotated[Granularity, Query(description="day, week (ISO) or month.")]
Start = Annotated[date | None, Query(description="First day of the range (YYYY-MM-DD).")]
End = Annotated[date | None, Query(description="Last day of the range (YYYY-MM-DD).")]
AsOf = Annotated[
    datetime | None, Query(description="Show what was known at this moment (ISO timestamp).")
]
Per = Annotated[int | None, Query(description="Add rates per this many inhabitants.")]


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _states(values: list[str]) -> list[str]:
    return [code for value in values for code in value.split(",") if code.strip()]


@router.post(
    "/submissions",
    response_model=SubmissionRead,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "dry run: the file is valid, nothing was written"}},
)
def submit(
    sessions: Sessions,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, File(description="CSV, Parquet or JSON (see docs/epidata.md).")],
    state: Annotated[SafeText, Form(description="ISO3 code of the state whose data this is.")],
    file_format: Annotated[
        Literal["csv", "parquet", "json"] | None,
        Form(alias="format", description="Format, when the file name does not say."),
    ] = None,
    dry_run: Annotated[bool, Form(description="Only check the file; write nothing.")] = False,
) -> SubmissionRead | JSONResponse:
    """Submit a file of observations: every row lands, or none and a report of every bad row."""
    # The file is checked in a read session first and stored in a short write transaction
    # afterwards, so a long validation never holds the database's write lock.
    with read_session(sessions) as session:
        checked = service.check_file(
            session,
            actor=principal,
            state=state,
            stream=file.file,
            filename=file.filename or "upload",
            file_format=file_format,
            max_bytes=settings.max_upload_bytes,
        )
    if dry_run:
        return JSONResponse(service.dry_run(checked).model_dump(mode="json"), status_code=200)
    with write_session(sessions) as session:
        return service.store(session, checked=checked)


@router.get("/submissions", response_model=Page[SubmissionRead])
def list_submissions(
    session: ReadSession,
    principal: CurrentPrincipal,
    limit: PageLimit,
    state: str | None = None,
    cursor: Cursor = None,
) -> Page[SubmissionRead]:
    """List accepted submissions, newest first."""
    return service.list_submissions(
        session, principal=principal, state=state, cursor=cursor, limit=limit
    ).map(service.to_read)


@router.get("/submissions/{submission_id}", response_model=SubmissionRead)
def get_submission(
    session: ReadSession, principal: CurrentPrincipal, submission_id: Id
) -> SubmissionRead:
    """Show one submission."""
    return service.to_read(service.get(session, principal=principal, submission_id=submission_id))


@router.get(
    "/series",
    response_model=SeriesSet,
    responses={200: {"content": {"text/csv": {}, "application/vnd.apache.parquet": {}}}},
)
def get_series(
    session: ReadSession,
    principal: CurrentPrincipal,
    state: Annotated[list[str], Query(description="ISO3 code(s): repeat or comma-separate.")],
    disease: Disease,
    metric: Metric = "cases",
    classification: Classification = "all",
    area: Area = "",
    age_group: AgeGroup = "",
    sex: Sex = "",
    granularity: GranularityQ = "week",
    start: Start = None,
    end: End = None,
    as_of: AsOf = None,
    per: Per = None,
    total: Annotated[bool, Query(description="Add the total over the states.")] = False,
    format: Annotated[
        Literal["json", "csv", "parquet"], Query(description="Response format.")
    ] = "json",
) -> SeriesSet | Response:
    """Return one series per state, aggregated to the granularity, latest or as of a moment."""
    arguments = {
        "principal": principal,
        "states": _states(state),
        "selection": queries.Selection(disease, metric, classification, area, age_group, sex),
        "granularity": granularity,
        "start": start,
        "end": end,
        "as_of": _utc(as_of),
        "per": per,
        "total": total,
    }
    if format == "json":
        return Response(queries.series_json(session, **arguments), media_type="application/json")
    result = queries.series(session, **arguments)
    media = "text/csv" if format == "csv" else "application/vnd.apache.parquet"
    return Response(
        export.export(result, format),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="series.{format}"'},
    )


@router.get("/series/history", response_model=HistoryRead)
def get_history(
    session: ReadSession,
    principal: CurrentPrincipal,
    state: str,
    disease: Disease,
    metric: Metric = "cases",
    classification: Classification = "all",
    area: Area = "",
    age_group: AgeGroup = "",
    sex: Sex = "",
    start: Start = None,
    end: End = None,
) -> HistoryRead:
    """Return every version of one state's series: the revision history."""
    return revisions.history(
        session,
        principal=principal,
        state=state,
        selection=queries.Selection(disease, metric, classification, area, age_group, sex),
        start=start,
        end=end,
    )


@router.get("/totals", response_model=SeriesRead)
def get_totals(
    session: ReadSession,
    principal: CurrentPrincipal,
    disease: Disease,
    metric: Metric = "cases",
    classification: Classification = "all",
    granularity: GranularityQ = "week",
    start: Start = None,
    end: End = None,
    as_of: AsOf = None,
    per: Per = None,
) -> SeriesRead:
    """Return the organization-wide total over every reporting state."""
    return queries.totals(
        session,
        principal=principal,
        selection=queries.Selection(disease, metric, classification),
        granularity=granularity,
        start=start,
        end=end,
        as_of=_utc(as_of),
        per=per,
    )


@router.get("/increases", response_model=list[IncreaseRead])
def get_increases(
    session: ReadSession,
    principal: CurrentPrincipal,
    disease: Disease,
    metric: Metric = "cases",
    classification: Classification = "all",
    weeks: Annotated[int, Query(description="Length of each compared window.")] = 4,
    until: Annotated[date | None, Query(description="End of the recent window.")] = None,
    as_of: AsOf = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[IncreaseRead]:
    """List the states with the largest rise over the recent weeks."""
    return queries.increases(
        session,
        principal=principal,
        selection=queries.Selection(disease, metric, classification),
        weeks=weeks,
        until=until,
        as_of=_utc(as_of),
        limit=limit,
    )


@router.get("/reference", response_model=list[ReferenceDatasetRead])
def list_reference(session: ReadSession, principal: CurrentPrincipal) -> list[ReferenceDatasetRead]:
    """List the reference datasets: published data from outside the organization."""
    return reference.list_datasets(session, principal=principal)


@router.get("/reference/{name}", response_model=ReferenceSeriesRead)
def get_reference(
    session: ReadSession, principal: CurrentPrincipal, name: str
) -> ReferenceSeriesRead:
    """Return one reference dataset with its values."""
    return reference.get_dataset(session, principal=principal, name=name)
