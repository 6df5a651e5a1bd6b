"""Routes of the consultation mechanism: consultations, drafts, decisions, positions, signatures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from epibridge.api.deps import CurrentPrincipal, Now, ReadSession, WriteSession
from epibridge.api.pagination import Cursor, Page, PageLimit
from epibridge.consultations import service, views
from epibridge.consultations.models import Document
from epibridge.consultations.schemas import (
    AgendaItemRead,
    AgendaUpdate,
    AmendmentCreate,
    AmendmentRead,
    CloseDueResult,
    ConsultationCreate,
    ConsultationRead,
    ConsultationRequest,
    ConsultationSummary,
    DecisionCreate,
    DecisionRead,
    DiffRead,
    DocumentCreate,
    DocumentRead,
    DocumentSummary,
    LanguageChange,
    PositionCreate,
    PositionRead,
    RecordEntryCreate,
    RecordEntryRead,
    RequestResponse,
    SignatureCreate,
    SignatureRead,
    VersionCreate,
    VersionRead,
)
from epibridge.consultations.statuses import ConsultationStatus
from epibridge.errors import FieldError, NotFound
from epibridge.i18n import N_
from epibridge.inputs import Id
from epibridge.security import Principal

router = APIRouter(prefix="/api/v1/consultations", tags=["consultations"])
DOC = "/{consultation_id}/documents/{document_id}"


def _document(
    session: Session, principal: Principal, consultation_id: Id, document_id: Id
) -> Document:
    return service.get_document(
        session, actor=principal, document_id=document_id, consultation_id=consultation_id
    )


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


@router.get(DOC, response_model=DocumentRead)
def get_document(
    session: ReadSession, principal: CurrentPrincipal, consultation_id: Id, document_id: Id
) -> DocumentRead:
    """Show a document: status, number, languages, decision with positions, signatures."""
    return views.document_read(session, _document(session, principal, consultation_id, document_id))


@router.get(DOC + "/versions", response_model=list[VersionRead])
def list_versions(
    session: ReadSession, principal: CurrentPrincipal, consultation_id: Id, document_id: Id
) -> list[VersionRead]:
    """List every version with what changed from the one before."""
    return views.versions(session, _document(session, principal, consultation_id, document_id))


@router.get(DOC + "/versions/{number}", response_model=VersionRead)
def get_version(
    session: ReadSession,
    principal: CurrentPrincipal,
    consultation_id: Id,
    document_id: Id,
    number: int,
) -> VersionRead:
    """Show one version with what changed from the one before."""
    document = _document(session, principal, consultation_id, document_id)
    for version in views.versions(session, document):
        if version.number == number:
            return version
    raise NotFound(
        N_("document {document_id} has no version {number}"),
        [FieldError("number", "no such version", number)],
        params={"document_id": document_id, "number": number},
    )


@router.post(DOC + "/versions", response_model=VersionRead, status_code=status.HTTP_201_CREATED)
def create_version(
    session: WriteSession,
    principal: CurrentPrincipal,
    now: Now,
    consultation_id: Id,
    document_id: Id,
    data: VersionCreate,
) -> VersionRead:
    """Make the next version, incorporating the amendments named (the convenor)."""
    _document(session, principal, consultation_id, document_id)
    version = service.create_version(
        session, actor=principal, document_id=document_id, data=data, now=now
    )
    document = _document(session, principal, consultation_id, document_id)
    return views.versions(session, document)[version.number - 1]


@router.get(DOC + "/diff", response_model=DiffRead)
def diff_versions(
    session: ReadSession,
    principal: CurrentPrincipal,
    consultation_id: Id,
    document_id: Id,
    from_: Annotated[int, Query(alias="from", ge=1, description="The older version.")],
    to: Annotated[int, Query(ge=1, description="The newer version.")],
) -> DiffRead:
    """Show what changed, per language, between two versions (unified and word diffs)."""
    _document(session, principal, consultation_id, document_id)
    changes = service.compare_versions(
        session, document_id=document_id, from_version=from_, to_version=to
    )
    return DiffRead(
        document_id=document_id,
        from_version=from_,
        to_version=to,
        changes=[LanguageChange.model_validate(c) for c in changes],
    )


@router.get(DOC + "/amendments", response_model=list[AmendmentRead])
def list_amendments(
    session: ReadSession, principal: CurrentPrincipal, consultation_id: Id, document_id: Id
) -> list[AmendmentRead]:
    """List the amendments proposed, with their reasons and where they were incorporated."""
    _document(session, principal, consultation_id, document_id)
    return [
        views.amendment_read(a) for a in service.list_amendments(session, document_id=document_id)
    ]


@router.post(DOC + "/amendments", response_model=AmendmentRead, status_code=status.HTTP_201_CREATED)
def propose_amendment(
    session: WriteSession,
    principal: CurrentPrincipal,
    now: Now,
    consultation_id: Id,
    document_id: Id,
    data: AmendmentCreate,
) -> AmendmentRead:
    """Propose, for a participating member state, an amendment to the current version."""
    _document(session, principal, consultation_id, document_id)
    amendment = service.propose_amendment(
        session, actor=principal, document_id=document_id, data=data, now=now
    )
    return views.amendment_read(amendment)


@router.get(DOC + "/decision", response_model=DecisionRead)
def get_decision(
    session: ReadSession, principal: CurrentPrincipal, consultation_id: Id, document_id: Id
) -> DecisionRead:
    """Show the latest decision on the document with every position and the tally."""
    _document(session, principal, consultation_id, document_id)
    decisions = service.list_decisions(session, document_id=document_id)
    if not decisions:
        raise NotFound(
            N_("document {document_id} has not been put to decision"),
            [FieldError("document_id", "no decision yet", document_id)],
            params={"document_id": document_id},
        )
    return views.decision_read(decisions[-1])


@router.post(DOC + "/decision", response_model=DecisionRead, status_code=status.HTTP_201_CREATED)
def put_to_decision(
    session: WriteSession,
    principal: CurrentPrincipal,
    now: Now,
    consultation_id: Id,
    document_id: Id,
    data: DecisionCreate,
) -> DecisionRead:
    """Put the current version to decision until a deadline (the convenor)."""
    _document(session, principal, consultation_id, document_id)
    decision = service.put_to_decision(
        session, actor=principal, document_id=document_id, data=data, now=now
    )
    return views.decision_read(decision)


@router.post(DOC + "/decision/close", response_model=DecisionRead)
def close_decision(
    session: WriteSession,
    principal: CurrentPrincipal,
    now: Now,
    consultation_id: Id,
    document_id: Id,
) -> DecisionRead:
    """Close the open decision: adopt or reject it (early only once no state is silent)."""
    _document(session, principal, consultation_id, document_id)
    decision = service.close_decision(session, actor=principal, document_id=document_id, now=now)
    return views.decision_read(decision)


@router.get(DOC + "/positions", response_model=list[PositionRead])
def list_positions(
    session: ReadSession, principal: CurrentPrincipal, consultation_id: Id, document_id: Id
) -> list[PositionRead]:
    """List the member states' positions on the latest decision."""
    return get_decision(session, principal, consultation_id, document_id).positions


@router.post(DOC + "/positions", response_model=PositionRead, status_code=status.HTTP_201_CREATED)
def record_position(
    session: WriteSession,
    principal: CurrentPrincipal,
    now: Now,
    consultation_id: Id,
    document_id: Id,
    data: PositionCreate,
) -> PositionRead:
    """Record or change a member state's position on the version under decision."""
    _document(session, principal, consultation_id, document_id)
    service.record_position(session, actor=principal, document_id=document_id, data=data, now=now)
    decision = service.list_decisions(session, document_id=document_id)[-1]
    return next(p for p in views.decision_read(decision).positions if p.state == data.state.upper())


@router.get(DOC + "/signatures", response_model=list[SignatureRead])
def list_signatures(
    session: ReadSession, principal: CurrentPrincipal, consultation_id: Id, document_id: Id
) -> list[SignatureRead]:
    """List the signatures of the adopted document."""
    return views.document_read(
        session, _document(session, principal, consultation_id, document_id)
    ).signatures


@router.post(DOC + "/signatures", response_model=SignatureRead, status_code=status.HTTP_201_CREATED)
def sign(
    session: WriteSession,
    principal: CurrentPrincipal,
    now: Now,
    consultation_id: Id,
    document_id: Id,
    data: SignatureCreate,
) -> SignatureRead:
    """Sign the adopted document for a member state (its focal point)."""
    _document(session, principal, consultation_id, document_id)
    signature = service.sign(session, actor=principal, document_id=document_id, data=data, now=now)
    return SignatureRead(
        state=signature.state_iso3, signed_by=signature.signed_by, signed_at=signature.signed_at
    )
