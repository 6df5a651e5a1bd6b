"""Routes of a consultation's documents: versions and their differences, amendments, the
decision round, positions and signatures (``api`` carries this router)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from epibridge.api.deps import CurrentPrincipal, Now, ReadSession, WriteSession
from epibridge.consultations import service, views
from epibridge.consultations.models import Document
from epibridge.consultations.schemas import (
    AmendmentCreate,
    AmendmentRead,
    DecisionCreate,
    DecisionRead,
    DiffRead,
    DocumentRead,
    LanguageChange,
    PositionCreate,
    PositionRead,
    SignatureCreate,
    SignatureRead,
    VersionCreate,
    VersionRead,
)
from epibridge.errors import FieldError, NotFound
from epibridge.i18n import N_
from epibridge.inputs import Id
from epibridge.security import Principal

router = APIRouter()
DOC = "/{consultation_id}/documents/{document_id}"


def _document(
    session: Session, principal: Principal, consultation_id: Id, document_id: Id
) -> Document:
    return service.get_document(
        session, actor=principal, document_id=document_id, consultation_id=consultation_id
    )


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
