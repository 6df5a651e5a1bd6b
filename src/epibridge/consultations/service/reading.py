"""Reading consultations: one, a page of them, their record, and counts for summaries."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from epibridge import paging
from epibridge.consultations.models import (
    Consultation,
    Decision,
    Document,
    Participant,
    RecordEntry,
)
from epibridge.consultations.service.common import load, require_visible
from epibridge.consultations.statuses import DecisionStatus
from epibridge.members import service as members
from epibridge.paging import Page
from epibridge.security import Principal, Visibility, can_see


def get(session: Session, *, actor: Principal, consultation_id: int) -> Consultation:
    """Return one consultation the caller may see."""
    consultation = load(session, consultation_id)
    require_visible(actor, consultation)
    return consultation


def list_record(session: Session, *, actor: Principal, consultation_id: int) -> list[RecordEntry]:
    """Return the consultation's record, oldest entry first."""
    get(session, actor=actor, consultation_id=consultation_id)
    return list(
        session.execute(
            select(RecordEntry)
            .where(RecordEntry.consultation_id == consultation_id)
            .order_by(RecordEntry.at, RecordEntry.id)
        ).scalars()
    )


def list_(
    session: Session,
    *,
    actor: Principal,
    status: str | None = None,
    state: str | None = None,
    topic: str | None = None,
    limit: int,
    cursor: str | None = None,
) -> Page[Consultation]:
    """List consultations the caller may see, newest first, one page at a time."""
    query = select(Consultation).options(selectinload(Consultation.participants))
    if status:
        query = query.where(Consultation.status == status)
    if topic:
        query = query.where(
            func.lower(Consultation.topic).contains(topic.strip().lower(), autoescape=True)
        )
    if state:
        code = members.require_state(session, state)
        query = query.where(
            Consultation.participants.any(Participant.state_iso3 == code)
            | (Consultation.requested_by_state == code)
        )
    if not can_see(actor, Visibility.MEMBERS):
        query = query.where(Consultation.participants.any(Participant.state_iso3 == actor.state))
    return paging.page(
        session, query, paging.Order(Consultation.id, descending=True), cursor=cursor, limit=limit
    )


def counts(session: Session, consultation_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Return, per consultation, how many documents it has and how many decisions are open."""
    if not consultation_ids:
        return {}
    documents = dict(
        session.execute(
            select(Document.consultation_id, func.count())
            .where(Document.consultation_id.in_(consultation_ids))
            .group_by(Document.consultation_id)
        ).all()
    )
    decisions = dict(
        session.execute(
            select(Document.consultation_id, func.count())
            .join(Decision, Decision.document_id == Document.id)
            .where(
                Document.consultation_id.in_(consultation_ids),
                Decision.status == DecisionStatus.OPEN,
            )
            .group_by(Document.consultation_id)
        ).all()
    )
    return {cid: (documents.get(cid, 0), decisions.get(cid, 0)) for cid in consultation_ids}
