"""Reading the audit log over the API (Secretariat and administrators)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from epibridge import audit
from epibridge.api.deps import CurrentPrincipal, ReadSession
from epibridge.api.pagination import Cursor, Page, PageLimit

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: Any
    digest: str
    prev_hash: str
    hash: str


@router.get("", response_model=Page[AuditEntryRead])
def list_audit(
    session: ReadSession,
    principal: CurrentPrincipal,
    limit: PageLimit,
    cursor: Cursor = None,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Page[AuditEntryRead]:
    """Page through the audit log, oldest first (``actor``: as logged, or an account's name;
    ``since``/``until``: UTC days, both included)."""
    return audit.list_entries(
        session,
        actor=principal,
        entity=entity,
        entity_id=entity_id,
        by=actor,
        action=action,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    ).map(AuditEntryRead.model_validate)
