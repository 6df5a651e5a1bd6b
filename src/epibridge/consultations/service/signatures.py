"""Signatures of adopted documents, each by the member state's own focal point."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.consultations.models import Signature
from epibridge.consultations.schemas import SignatureCreate
from epibridge.consultations.service.common import (
    DOCUMENT_ENTITY,
    authorize_state_write,
    clock,
    load,
    load_document,
    require_member_participant,
)
from epibridge.consultations.service.documents import document_snapshot, publish_about
from epibridge.consultations.statuses import DocumentStatus
from epibridge.errors import Conflict, FieldError, Forbidden
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.security import Principal


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
    state = members.require_state(session, data.state)
    if authorize_state_write(actor, state):
        raise Forbidden(
            N_("{state} signs through its own focal point; the Secretariat does not sign for it"),
            [FieldError("state", "signature by the state's focal point only", state)],
            params={"state": state},
        )
    require_member_participant(consultation, state)
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
        select(Signature).where(Signature.document_id == document.id, Signature.state_iso3 == state)
    ).scalar_one_or_none()
    if exists is not None:
        raise Conflict(
            N_("{state} signed document {number} on {signed_at}"),
            [FieldError("state", "already signed", state)],
            params={
                "state": state,
                "number": document.number,
                "signed_at": exists.signed_at.isoformat(),
            },
        )
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
