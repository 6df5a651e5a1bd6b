"""Routes of the consultation mechanism: consultations, their requests, agenda, record, drafts
and closing. A document's own routes (versions, amendments, decisions, positions, signatures)
are in ``document_api``, whose router this one carries under the same prefix."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from epibridge.api.deps import CurrentPrincipal, Now, ReadSession, WriteSession
from epibridge.api.pagination import Cursor, Page, PageLimit
from epibridge.consultations import document_api, service, views
from epibridge.consultations.schemas import (
    AgendaItemRead,
    AgendaUpdate,
    CloseDueResult,
    ConsultationClose,
    ConsultationCreate,
    ConsultationRead,
    ConsultationRequest,
    ConsultationSummary,
    DocumentCreate,
    DocumentRead,
    DocumentSummary,
    RecordEntryCreate,
    RecordEntryRead,
    RequestResponse,
)
from epibridge.consultations.statuses import ConsultationStatus
from epibridge.inputs import Id

router = APIRouter(prefix="/api/v1/consultations", tags=["consultations"])


@router.get("", response_model=Page[ConsultationSummary])
def list_consultations(
    session: ReadSession,
    principal: CurrentPrincipal,
    limit: PageLimit,
    status_: Annotated[
        ConsultationStatus | None,
        Query(alias="status", description="Only consultations in this status."),
    ] = None,
    state: Annotated[
        str | None, Query(description="Only those this state (ISO3) takes part in.")
    ] = None,
    topic: Annotated[str | None, Query(description="Only topics containing this text.")] = None,
    cursor: Cursor = None,
) -> Page[ConsultationSummary]:
    """List the consultations the caller may see, newest first."""
    page = service.list_(
        session,
        actor=principal,
        status=status_,
        state=state,
        topic=topic,
        limit=limit,
        cursor=cursor,
    )
    return Page(items=views.summaries(session, page.items), next_cursor=page.next_cursor)


@router.post("", response_model=ConsultationRead, status_code=status.HTTP_201_CREATED)
def convene(
    session: WriteSession, principal: CurrentPrincipal, now: Now, data: ConsultationCreate
) -> ConsultationRead:
    """Convene a consultation (the chairing state's focal point or the Secretariat)."""
    consultation = service.convene(session, actor=principal, data=data, now=now)
    return views.consultation_read(session, consultation)


@router.post("/requests", response_model=ConsultationRead, status_code=status.HTTP_201_CREATED)
def request_consultation(
    session: WriteSession, principal: CurrentPrincipal, now: Now, data: ConsultationRequest
) -> ConsultationRead:
    """Ask the chair, for a member state, to convene a consultation."""
    consultation = service.request(session, actor=principal, data=data, now=now)
    return views.consultation_read(session, consultation)


@router.post("/close-due", response_model=CloseDueResult)
def close_due(session: WriteSession, principal: CurrentPrincipal, now: Now) -> CloseDueResult:
    """Close every decision whose deadline has passed (Secretariat)."""
    closed = service.close_due_decisions(session, actor=principal, now=now)
    return CloseDueResult(closed=[views.decision_read(d) for d in closed])


@router.get("/{consultation_id}", response_model=ConsultationRead)
def get_consultation(
    session: ReadSession, principal: CurrentPrincipal, consultation_id: Id
) -> ConsultationRead:
    """Show a consultation: delegations, agenda, deadlines, documents."""
    consultation = service.get(session, actor=principal, consultation_id=consultation_id)
    return views.consultation_read(session, consultation)


@router.post("/{consultation_id}/response", response_model=ConsultationRead)
def respond(
    session: WriteSession,
    principal: CurrentPrincipal,
    now: Now,
    consultation_id: Id,
    data: RequestResponse,
) -> ConsultationRead:
    """Accept or decline (with the reason) a member's request for a consultation."""
    consultation = service.respond(
        session, actor=principal, consultation_id=consultation_id, data=data, now=now
    )
    return views.consultation_read(session, consultation)


@router.post(
    "/{consultation_id}/close",
    response_model=ConsultationRead,
    responses={409: {"description": "not open, already closed, or a decision round is open"}},
)
def close_consultation(
    session: WriteSession,
    principal: CurrentPrincipal,
    now: Now,
    consultation_id: Id,
    data: ConsultationClose,
) -> ConsultationRead:
    """Close the consultation with its outcome and reason (the convenor); it then takes nothing
    more."""
    consultation = service.close_consultation(
        session, actor=principal, consultation_id=consultation_id, data=data, now=now
    )
    return views.consultation_read(session, consultation)


@router.get("/{consultation_id}/agenda", response_model=list[AgendaItemRead])
def get_agenda(
    session: ReadSession, principal: CurrentPrincipal, consultation_id: Id
) -> list[AgendaItemRead]:
    """List the agenda items in order."""
    return views.agenda(service.get(session, actor=principal, consultation_id=consultation_id))


@router.put("/{consultation_id}/agenda", response_model=list[AgendaItemRead])
def set_agenda(
    session: WriteSession,
    principal: CurrentPrincipal,
    now: Now,
    consultation_id: Id,
    data: AgendaUpdate,
) -> list[AgendaItemRead]:
    """Replace the agenda with these items, in this order (the convenor)."""
    consultation = service.set_agenda(
        session, actor=principal, consultation_id=consultation_id, items=data.items, now=now
    )
    return views.agenda(consultation)


@router.get("/{consultation_id}/record", response_model=list[RecordEntryRead])
def get_record(
    session: ReadSession, principal: CurrentPrincipal, consultation_id: Id
) -> list[RecordEntryRead]:
    """List the record's minutes and notes, oldest first."""
    entries = service.list_record(session, actor=principal, consultation_id=consultation_id)
    return [views.record_entry(e) for e in entries]


@router.post(
    "/{consultation_id}/record",
    response_model=RecordEntryRead,
    status_code=status.HTTP_201_CREATED,
)
def add_record_entry(
    session: WriteSession,
    principal: CurrentPrincipal,
    now: Now,
    consultation_id: Id,
    data: RecordEntryCreate,
) -> RecordEntryRead:
    """Add minutes (the convenor) or a delegation's note to the record."""
    entry = service.add_record_entry(
        session, actor=principal, consultation_id=consultation_id, data=data, now=now
    )
    return views.record_entry(entry)


@router.get("/{consultation_id}/documents", response_model=list[DocumentSummary])
def list_documents(
    session: ReadSession, principal: CurrentPrincipal, consultation_id: Id
) -> list[DocumentSummary]:
    """List the consultation's documents."""
    service.get(session, actor=principal, consultation_id=consultation_id)
    return [
        views.document_summary(d)
        for d in service.list_documents(session, consultation_id=consultation_id)
    ]


@router.post(
    "/{consultation_id}/documents",
    response_model=DocumentRead,
    status_code=status.HTTP_201_CREATED,
)
def create_document(
    session: WriteSession,
    principal: CurrentPrincipal,
    now: Now,
    consultation_id: Id,
    data: DocumentCreate,
) -> DocumentRead:
    """Start a draft document with its first version (the convenor)."""
    document = service.create_document(
        session, actor=principal, consultation_id=consultation_id, data=data, now=now
    )
    return views.document_read(session, document)


# Registered last: its routes are all under /{consultation_id}/documents/{document_id}.
router.include_router(document_api.router)
