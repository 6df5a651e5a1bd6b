"""Reading the audit log a page at a time, and checking it (Secretariat and administrators)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import paging
from epibridge.audit.chain import AuditEntry
from epibridge.audit.verify import Verification, verify
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.paging import Page
from epibridge.security import Action, Principal, authorize

BAD_RANGE = N_("The end of the period is before its start.")
BAD_RANGE_FIELD = N_("before the start date")


def _actors(by: str) -> list[str]:
    """An actor as written in the log (``user:fp-kaz``), or an account's bare name."""
    by = by.strip()
    return [by] if ":" in by else [by, f"user:{by}"]


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def list_entries(
    session: Session,
    *,
    actor: Principal,
    entity: str | None = None,
    entity_id: str | None = None,
    by: str | None = None,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[AuditEntry]:
    """List audit entries oldest first (the chain's order), filtered, one page at a time.

    ``by`` is an actor as the log writes it, or an account's name; ``since`` and ``until`` are
    UTC days, both included.
    """
    authorize(actor, Action.READ_AUDIT)
    if since and until and until < since:
        raise InvalidInput(BAD_RANGE, [FieldError("until", BAD_RANGE_FIELD, until.isoformat())])
    query = select(AuditEntry)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    if by:
        query = query.where(AuditEntry.actor.in_(_actors(by)))
    if action:
        query = query.where(AuditEntry.action == action)
    if since:
        query = query.where(AuditEntry.at >= _midnight(since))
    if until:
        query = query.where(AuditEntry.at < _midnight(until) + timedelta(days=1))
    return paging.page(session, query, paging.Order(AuditEntry.id), cursor=cursor, limit=limit)


@dataclass(frozen=True)
class Vocabulary:
    """The kinds of record and the actions the log holds, to filter on."""

    entities: list[str]
    actions: list[str]


def vocabulary(session: Session, *, actor: Principal) -> Vocabulary:
    """Which entities and actions occur in the log (for the filters of a viewer)."""
    authorize(actor, Action.READ_AUDIT)
    entities = session.execute(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity))
    actions = session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return Vocabulary(list(entities.scalars()), list(actions.scalars()))


def check(session: Session, *, actor: Principal) -> Verification:
    """Verify the chain and its checkpoints (``verify``) for someone who may read the log."""
    authorize(actor, Action.READ_AUDIT)
    return verify(session)
