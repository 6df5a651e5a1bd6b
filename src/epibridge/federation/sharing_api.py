"""Routes of a state's sharing settings: read them, and change them (its focal point, the
Secretariat, an admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from epibridge.api.deps import CurrentPrincipal, ReadSession, WriteSession
from epibridge.federation import sharing
from epibridge.federation.sharing_schemas import SharingRead, SharingUpdate

router = APIRouter(prefix="/api/v1/federation/sharing", tags=["federation"])

StatePath = Annotated[str, Path(description="ISO3 code of the state.", max_length=3)]


@router.get("/{state}", response_model=SharingRead)
def get_sharing(session: ReadSession, principal: CurrentPrincipal, state: StatePath) -> SharingRead:
    """What the state's node shares with other nodes (the defaults when it set nothing)."""
    return sharing.get(session, principal=principal, state=state)


@router.put("/{state}", response_model=SharingRead)
def put_sharing(
    session: WriteSession, principal: CurrentPrincipal, state: StatePath, data: SharingUpdate
) -> SharingRead:
    """Replace the state's sharing settings; clearing an embargo sends what it held back."""
    return sharing.set_sharing(session, principal=principal, state=state, data=data)
