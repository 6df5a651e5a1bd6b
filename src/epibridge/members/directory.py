"""The focal-point directory: whom to contact in each member state, and at the Secretariat.

Made from the accounts themselves (name, display name, e-mail, language), so it is as current
as they are: a locked account drops out at once, a new focal point appears when created. Every
signed-in account may read it; machines (system accounts) are not contacts and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.members import service as org
from epibridge.members.models import State, User
from epibridge.security import Action, Principal, Role, authorize


@dataclass(frozen=True)
class StateContacts:
    """A member state and its focal points (none yet: an empty list, shown as such)."""

    state: State
    contacts: list[User]


@dataclass(frozen=True)
class Directory:
    states: list[StateContacts]
    secretariat: list[User]


def directory(session: Session, *, actor: Principal, on: date | None = None) -> Directory:
    """Every member state of ``on`` (default today) with its active focal points."""
    authorize(actor, Action.READ_PARTNERS)
    day = on or utcnow().date()
    people = list(
        session.execute(
            select(User)
            .where(
                User.is_active.is_(True),
                User.role.in_((Role.FOCAL_POINT.value, Role.SECRETARIAT.value)),
            )
            .order_by(User.name)
        ).scalars()
    )
    by_state: dict[str, list[User]] = {}
    for person in people:
        if person.role == Role.FOCAL_POINT and person.state_iso3:
            by_state.setdefault(person.state_iso3, []).append(person)
    return Directory(
        states=[
            StateContacts(state, by_state.get(state.iso3, []))
            for state in org.members_on(session, on=day)
        ],
        secretariat=[p for p in people if p.role == Role.SECRETARIAT],
    )
