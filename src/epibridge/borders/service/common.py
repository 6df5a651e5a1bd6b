"""What the borders rules share: the one permission check and loading a crossing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge.borders.models import Crossing
from epibridge.errors import FieldError, NotFound
from epibridge.i18n import N_
from epibridge.security import Action, Principal, authorize, decide


def authorize_state(actor: Principal, state: str) -> bool:
    """Check that ``actor`` may write ``state``'s data; return whether it acts on its behalf."""
    return authorize(actor, Action.WRITE_STATE, state).on_behalf


def writable_states(actor: Principal, states: list[str]) -> list[str]:
    """The states among ``states`` whose data ``actor`` may write, in their order.

    The faces ask this to offer only what the rules allow: the sides a person may report for,
    whether a lane may be changed by them (a party state's focal point, or the Secretariat).
    """
    return [s for s in states if decide(actor, Action.WRITE_STATE, s).allowed]


def authorize_any_state(actor: Principal, states: list[str]) -> bool:
    """Check that ``actor`` may write for at least one of ``states`` (parties to an agreement)."""
    allowed = writable_states(actor, states)
    if allowed:
        return decide(actor, Action.WRITE_STATE, allowed[0]).on_behalf
    # Raises with the reason for the first state.
    return authorize(actor, Action.WRITE_STATE, states[0]).on_behalf


def authorize_registry(actor: Principal) -> None:
    """The registry of crossings is kept by administrators and the Secretariat."""
    if decide(actor, Action.ADMINISTER).allowed:
        return
    authorize(actor, Action.COORDINATE)


def get_crossing(session: Session, *, crossing_id: int, lock: bool = False) -> Crossing:
    if lock and session.get_bind().dialect.name == "postgresql":
        # Overlap checks read then write: two reports for one crossing must queue.
        crossing = session.execute(
            select(Crossing).where(Crossing.id == crossing_id).with_for_update()
        ).scalar_one_or_none()
    else:
        crossing = session.get(Crossing, crossing_id)
    if crossing is None:
        raise NotFound(
            N_("no border crossing with id {id}"),
            [FieldError("crossing_id", "unknown crossing", crossing_id)],
            params={"id": crossing_id},
        )
    return crossing
