"""Signatures of adopted documents, each by the member state's own focal point."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.consultations.models import Consultation, Document, Signature
from epibridge.consultations.schemas import SignatureCreate
from epibridge.consultations.service.common import (
    DOCUMENT_ENTITY,
    authorize_state_write,
    clock,
    load,
    load_document,
    require_member_participant,
    require_open,
)
from epibridge.consultations.service.documents import document_snapshot, publish_about
from epibridge.consultations.service.replicas import refuse_replica, require_author_here
from epibridge.consultations.statuses import DocumentStatus
from epibridge.errors import Conflict, FieldError, Forbidden
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.security import Principal


def check_may_sign(
    session: Session,
    actor: Principal,
    consultation: Consultation,
    document: Document,
    state: str,
) -> str:
    """Raise unless ``actor`` may sign ``document`` for ``state`` now; return the state's code.

    The state's own focal point signs (never the Secretariat for it), for a participating
    member state, an adopted document, once."""
    code = members.require_state(session, state)
    if authorize_state_write(actor, code):
        raise Forbidden(
            N_("{state} signs through its own focal point; the Secretariat does not sign for it"),
            [FieldError("state", "signature by the state's focal point only", code)],
            params={"state": code},
        )
    require_member_participant(consultation, code)
    require_author_here(session, code, signature=True)
    require_open(consultation, act="signature")
    if document.status != DocumentStatus.ADOPTED:
        raise Conflict(
            N_("document {id} is not adopted; only an adopted document is signed"),
            [
                FieldError(
                    "document_id",
                    N_("document is {status}"),
                    document.id,
                    params={"status": document.status},
                )
            ],
            params={"id": document.id},
        )
    exists = session.execute(
        select(Signature).where(Signature.document_id == document.id, Signature.state_iso3 == code)
    ).scalar_one_or_none()
    if exists is not None:
        refuse_replica(exists, actor, "signature")
        raise Conflict(
            N_("{state} signed document {number} on {signed_at}"),
            [FieldError("state", "already signed", code)],
            params={
                "state": code,
                "number": document.number,
                "signed_at": exists.signed_at.isoformat(),
            },
        )
    return code


def sign(
    session: Session,
    *,
    actor: Principal,
    document_id: int,
    data: SignatureCreate,
    now: datetime | None = None,
) -> Signature:
    """Record a member state's signature of an adopted document, by its own focal point."""
    moment = clock(now)
    document = load_document(session, document_id, lock=True)
    consultation = load(session, document.consultation_id)
    state = check_may_sign(session, actor, consultation, document, data.state)
    signature = Signature(
        document_id=document.id, state_iso3=state, signed_by=actor.actor, signed_at=moment
    )
    session.add(signature)
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="sign",
        entity=DOCUMENT_ENTITY,
        entity_id=document.id,
        state={"number": document.number, "state": state, "signed_at": moment},
    )
    publish_about(
        session,
        consultation,
        actor=actor.actor,
        topic="consultation.signed",
        entity_id=document.id,
        payload={**document_snapshot(document), "state": state, "signed_at": moment},
    )
    return signature


def list_signatures(session: Session, *, document_id: int) -> list[Signature]:
    return list(
        session.execute(
            select(Signature)
            .where(Signature.document_id == document_id)
            .order_by(Signature.signed_at, Signature.id)
        ).scalars()
    )
