"""Routes of the epidemic database: submissions, series, totals, increases, history, exports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from epibridge.api.deps import CurrentPrincipal, ReadSession, SettingsDep, get_sessions
from epibridge.api.pagination import Cursor, Page, PageLimit
from epibridge.api.selector import selector_query
from epibridge.epidata import export, queries, reference, revisions, service
from epibridge.epidata.ingest import IngestOptions, ingest
from epibridge.epidata.schemas import (
    HistoryRead,
    IncreaseRead,
    ReferenceDatasetRead,
    ReferenceSeriesRead,
    SeriesRead,
    SeriesSet,
    SubmissionRead,
)
from epibridge.epidata.selector import IDENTITY, SeriesSelector
from epibridge.inputs import Id
from epibridge.text import SafeText

router = APIRouter(prefix="/api/v1/data", tags=["epidemic data"])

Sessions = Annotated[sessionmaker[Session], Depends(get_sessions)]
Per = Annotated[int | None, Query(description="Add rates per this many inhabitants.")]
#: The selector as each route offers it (see ``epibridge.api.selector``).
SeriesQuery = Annotated[SeriesSelector, Depends(selector_query())]
HistoryQuery = Annotated[
    SeriesSelector, Depends(selector_query(states="one", fields=(*IDENTITY, "start", "end")))
]
TotalsQuery = Annotated[
    SeriesSelector,
    Depends(
        selector_query(
            states="none",
            fields=("disease", "metric", "classification", "granularity", "start", "end", "as_of"),
        )
    ),
]
IncreasesQuery = Annotated[
    SeriesSelector,
    Depends(selector_query(states="none", fields=("disease", "metric", "classification", "as_of"))),
]


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
    result = ingest(
        sessions,
        actor=principal,
        file=file.file,
        filename=file.filename or "upload",
        state=state,
        file_format=file_format,
        options=IngestOptions(dry_run=dry_run, max_bytes=settings.max_upload_bytes),
    )
    if result.dry_run:
        return JSONResponse(result.model_dump(mode="json"), status_code=200)
    return result


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
    selector: SeriesQuery,
    per: Per = None,
    total: Annotated[bool, Query(description="Add the total over the states.")] = False,
    format: Annotated[
        Literal["json", "csv", "parquet"], Query(description="Response format.")
    ] = "json",
) -> SeriesSet | Response:
    """Return one series per state, aggregated to the granularity, latest or as of a moment."""
    if format == "json":
        return Response(
            queries.series_json(
                session, principal=principal, selector=selector, per=per, total=total
            ),
            media_type="application/json",
        )
    result = queries.series(session, principal=principal, selector=selector, per=per, total=total)
    media = "text/csv" if format == "csv" else "application/vnd.apache.parquet"
    return Response(
        export.export(result, format),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="series.{format}"'},
    )


@router.get("/series/history", response_model=HistoryRead)
def get_history(
    session: ReadSession, principal: CurrentPrincipal, selector: HistoryQuery
) -> HistoryRead:
    """Return every version of one state's series: the revision history."""
    return revisions.history(session, principal=principal, selector=selector)


@router.get("/totals", response_model=SeriesRead)
def get_totals(
    session: ReadSession, principal: CurrentPrincipal, selector: TotalsQuery, per: Per = None
) -> SeriesRead:
    """Return the organization-wide total over every reporting state."""
    return queries.totals(session, principal=principal, selector=selector, per=per)


@router.get("/increases", response_model=list[IncreaseRead])
def get_increases(
    session: ReadSession,
    principal: CurrentPrincipal,
    selector: IncreasesQuery,
    weeks: Annotated[int, Query(description="Length of each compared window.")] = 4,
    until: Annotated[date | None, Query(description="End of the recent window.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[IncreaseRead]:
    """List the states with the largest rise over the recent weeks."""
    return queries.increases(
        session, principal=principal, selector=selector, weeks=weeks, until=until, limit=limit
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
