"""What the assistance rules share: the catalogue, line checks, permissions, loading, publishing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.assistance.catalogue import catalogue
from epibridge.assistance.models import AssistanceOffer, AssistanceRequest, Commitment
from epibridge.assistance.schemas import LineIn
from epibridge.assistance.statuses import ASSISTANCE_VISIBILITY, CommitmentStatus
from epibridge.errors import DomainError, FieldError, NotFound
from epibridge.i18n import N_
from epibridge.notifications.outbox.service import publish
from epibridge.security import Action, Principal, Visibility, authorize, can_see


def check_lines(lines: list[LineIn], errors: list[FieldError]) -> None:
    """Name every line whose item, unit or quantity is wrong; refuse an item listed twice."""
    items = catalogue()
    seen: set[str] = set()
    for index, line in enumerate(lines):
        where = f"lines.{index}"
        item = items.get(line.item)
        if item is None:
            errors.append(FieldError(f"{where}.item", "not an item of the catalogue", line.item))
            continue
        if line.unit != item.unit:
            errors.append(
                FieldError(
                    f"{where}.unit",
                    N_("line {line}: {item} is counted in {unit}, not {given}"),
                    line.unit,
                    params={
                        "line": index + 1,
                        "item": item.code,
                        "unit": item.unit,
                        "given": line.unit,
                    },
                )
            )
        if line.quantity <= 0:
            errors.append(
                FieldError(
                    f"{where}.quantity",
                    N_("line {line}: the quantity must be more than zero"),
                    line.quantity,
                    params={"line": index + 1},
                )
            )
        if line.item in seen:
            errors.append(
                FieldError(
                    f"{where}.item",
                    N_("line {line}: item listed twice"),
                    line.item,
                    params={"line": index + 1},
                )
            )
        seen.add(line.item)


def authorize_state(actor: Principal, state: str) -> bool:
    """Check that ``actor`` may act for ``state``; return whether it is on the state's behalf."""
    return authorize(actor, Action.WRITE_STATE, state).on_behalf


def authorize_offerer(actor: Principal, state: str | None) -> bool:
    """A state's offer is that state's; an offer without a state is the Secretariat's own."""
    if state is not None:
        return authorize_state(actor, state)
    authorize(actor, Action.COORDINATE)
    return False


def may_see(actor: Principal, visibility: str) -> bool:
    return can_see(actor, Visibility(visibility))


def visible_levels(actor: Principal) -> list[str]:
    return [v.value for v in ASSISTANCE_VISIBILITY if may_see(actor, v)]


def locked(session: Session, model: type[Any], key: int, lock: bool) -> Any:
    """Read a row; with ``lock`` on PostgreSQL, hold it until the transaction ends.

    Checks of remaining quantities and of open status read, then write: concurrent writers on
    the same request or offer must queue (SQLite's write lock already makes them).
    """
    if lock and session.get_bind().dialect.name == "postgresql":
        return session.execute(
            select(model).where(model.id == key).with_for_update()
        ).scalar_one_or_none()
    return session.get(model, key)


_Listing = TypeVar("_Listing", AssistanceRequest, AssistanceOffer)


_NOT_VISIBLE = {
    "request": N_("no assistance request {id} visible to you"),
    "offer": N_("no assistance offer {id} visible to you"),
}
_UNKNOWN = {"request": N_("unknown request"), "offer": N_("unknown offer")}


def _load_visible(
    session: Session, model: type[_Listing], key: int, actor: Principal, *, lock: bool, what: str
) -> _Listing:
    """A request or offer the actor may see; otherwise 404 (existence is not revealed)."""
    row: _Listing | None = locked(session, model, key, lock)
    if row is None or not may_see(actor, row.visibility):
        raise NotFound(
            _NOT_VISIBLE[what],
            [FieldError(f"{what}_id", _UNKNOWN[what], key)],
            params={"id": key},
        )
    return row


def load_request(
    session: Session, request_id: int, actor: Principal, *, lock: bool = False
) -> AssistanceRequest:
    return _load_visible(session, AssistanceRequest, request_id, actor, lock=lock, what="request")


def load_offer(
    session: Session, offer_id: int, actor: Principal, *, lock: bool = False
) -> AssistanceOffer:
    return _load_visible(session, AssistanceOffer, offer_id, actor, lock=lock, what="offer")


def commitments_of(
    session: Session, *, request_ids: list[int] | None = None, offer_ids: list[int] | None = None
) -> list[Commitment]:
    query = select(Commitment).order_by(Commitment.id)
    if request_ids is not None:
        query = query.where(Commitment.request_id.in_(request_ids))
    if offer_ids is not None:
        query = query.where(Commitment.offer_id.in_(offer_ids))
    return list(session.execute(query).scalars())


def release_pledged(commitments: list[Commitment], *, day: date, at: datetime) -> list[int]:
    """Release the pledges not yet dispatched (their request or offer is gone); return their ids."""
    released = []
    for commitment in commitments:
        if commitment.status == CommitmentStatus.PLEDGED:
            commitment.status = CommitmentStatus.RELEASED
            commitment.released_on = day
            commitment.updated_at = at
            released.append(commitment.id)
    return released


def check_event(
    session: Session, actor: Principal, event_id: int, errors: list[FieldError]
) -> None:
    """The linked event must be one the notifications service shows this actor."""
    from epibridge.notifications import service as notifications

    try:
        notifications.get(session, actor=actor, event_id=event_id)
    except DomainError:
        errors.append(
            FieldError("event_id", "no notification event with this id is visible to you", event_id)
        )


def record(
    session: Session,
    *,
    actor: Principal,
    action: str,
    entity: str,
    entity_id: int,
    state: dict[str, Any],
    topic: str,
    states: list[str | None],
    visibility: str,
) -> None:
    """Audit a change and tell the states concerned, in the change's own transaction."""
    name = actor.actor
    audit.record(
        session, actor=name, action=action, entity=entity, entity_id=entity_id, state=state
    )
    publish(
        session,
        actor=name,
        topic=topic,
        entity=entity,
        entity_id=entity_id,
        payload=state,
        visibility=Visibility(visibility),
        states=[s for s in states if s],
    )
