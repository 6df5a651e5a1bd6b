"""Reading the audit log over the API (Secretariat and administrators)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from epibridge.api.deps import CurrentPrincipal, ReadSession, SettingsDep
from epibridge.api.pagination import Page, clamp_limit, decode_cursor, encode_cursor
from epibridge.audit import AuditEntry
from epibridge.errors import FieldError, InvalidInput
from epibridge.security import Action, authorize

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
    settings: SettingsDep,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int | None, Query(description="entries per page")] = None,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
) -> Page[AuditEntryRead]:
    """Page through the audit log, oldest first."""
    authorize(principal, Action.READ_AUDIT)
    size = clamp_limit(limit, default=settings.page_size_default, maximum=settings.page_size_max)
    position = decode_cursor(cursor) or {}
    after = position.get("after", 0)
    if not isinstance(after, int):
        raise InvalidInput("malformed cursor", [FieldError("cursor", "malformed", cursor)])
    query = select(AuditEntry).where(AuditEntry.id > after).order_by(AuditEntry.id).limit(size + 1)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    rows = list(session.execute(query).scalars())
    next_cursor = encode_cursor({"after": rows[size - 1].id}) if len(rows) > size else None
    return Page[AuditEntryRead](
        items=[AuditEntryRead.model_validate(r) for r in rows[:size]], next_cursor=next_cursor
    )
