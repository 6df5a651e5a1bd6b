"""Reading the audit log a page at a time (Secretariat and administrators)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import paging
from epibridge.audit.chain import AuditEntry
from epibridge.paging import Page
from epibridge.security import Action, Principal, authorize


def list_entries(
    session: Session,
    *,
    actor: Principal,
    entity: str | None = None,
    entity_id: str | None = None,
    by: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[AuditEntry]:
    """List audit entries oldest first (the chain's order), filtered, one page at a time."""
    authorize(actor, Action.READ_AUDIT)
    query = select(AuditEntry)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    if by:
        query = query.where(AuditEntry.actor == by)
    return paging.page(session, query, paging.Order(AuditEntry.id), cursor=cursor, limit=limit)
