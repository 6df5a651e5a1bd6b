"""The search route: one text, every kind of record the caller may read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from epibridge.api.deps import CurrentPrincipal, ReadSession
from epibridge.api.pagination import Cursor, Page, PageLimit
from epibridge.search import service
from epibridge.search.schemas import SearchHit
from epibridge.search.statuses import SearchKind

router = APIRouter(prefix="/api/v1", tags=["search"])


@router.get("/search", response_model=Page[SearchHit])
def search(
    session: ReadSession,
    principal: CurrentPrincipal,
    limit: PageLimit,
    q: Annotated[str, Query(description="Text in the title, topic or place (2–200 characters).")],
    kind: Annotated[SearchKind | None, Query(description="Only this kind of record.")] = None,
    cursor: Cursor = None,
) -> Page[SearchHit]:
    """Find events, signals, assistance requests and consultations you may read."""
    return service.search(session, actor=principal, q=q, kind=kind, cursor=cursor, limit=limit)
