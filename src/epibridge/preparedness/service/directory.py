"""The IHR directory: what each member state declares about its contacts, confirmed yearly.

Everyone who reads what members share (focal points, the Secretariat, administrators) reads
every state's entry: they are the addresses to use in an emergency. Observers read the account
directory (``members.directory``, ``READ_PARTNERS``) but not these 24/7 lines, which the IHR
keep between States Parties and WHO. Only the state itself (one of its focal points) edits or
confirms its entry: not the Secretariat, not another state, not the console (``--as`` names the
focal point acting).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, Forbidden, InvalidInput
from epibridge.i18n import N_
from epibridge.members import service as org
from epibridge.notifications.outbox.deliveries import ADDRESSED_TO
from epibridge.notifications.outbox.service import publish
from epibridge.preparedness.models import DirectoryEntry
from epibridge.preparedness.schemas import DirectoryEntryRead, DirectoryEntryWrite
from epibridge.security import Action, Principal, Role, authorize, require_principal

ENTITY = "ihr_directory_entry"
REMINDER_TOPIC = "preparedness.directory_reminder"
#: An entry is confirmed for a year; the reminder goes out a year after the last confirmation
#: (or the last reminder, so an unanswered one is repeated yearly, not daily).
YEAR = timedelta(days=365)
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def confirmation_due(entry: DirectoryEntry | None, today: date) -> bool:
    return entry is None or entry.confirmed_on is None or entry.confirmed_on <= today - YEAR


def to_read(iso3: str, entry: DirectoryEntry | None, today: date) -> DirectoryEntryRead:
    if entry is None:
        return DirectoryEntryRead(state=iso3)
    return DirectoryEntryRead(
        state=iso3,
        focal_point_name=entry.focal_point_name,
        focal_point_email=entry.focal_point_email,
        duty_phone=entry.duty_phone,
        languages=list(entry.languages or []),
        authority_name=entry.authority_name,
        authority_email=entry.authority_email,
        authority_phone=entry.authority_phone,
        updated_at=entry.updated_at,
        confirmed_on=entry.confirmed_on,
        confirmation_due=confirmation_due(entry, today),
    )


def entries(
    session: Session, *, actor: Principal, on: date | None = None
) -> list[DirectoryEntryRead]:
    """Every member state of ``on`` (default today) with its entry (an empty one if none)."""
    authorize(actor, Action.READ_MEMBERS)
    day = on or utcnow().date()
    found = {e.state_iso3: e for e in session.execute(select(DirectoryEntry)).scalars()}
    return [to_read(s.iso3, found.get(s.iso3), day) for s in org.members_on(session, on=day)]


def get_entry(session: Session, *, actor: Principal, state: str) -> DirectoryEntryRead:
    authorize(actor, Action.READ_MEMBERS)
    iso3 = org.require_state(session, state)
    return to_read(iso3, session.get(DirectoryEntry, iso3), utcnow().date())


def may_edit(actor: Principal, state: str) -> bool:
    """Whether ``actor`` is one of ``state``'s focal points (the only ones who edit its entry)."""
    return require_principal(actor).role is Role.FOCAL_POINT and actor.state == state


def require_editor(actor: Principal, iso3: str) -> None:
    authorize(actor, Action.WRITE_STATE, iso3)
    if not may_edit(actor, iso3):
        raise Forbidden(
            N_("only a focal point of {state} edits or confirms the directory entry of {state}"),
            [FieldError("state", N_("not your state's entry"), iso3)],
            params={"state": iso3},
        )


def _check(data: DirectoryEntryWrite) -> list[FieldError]:
    return [
        FieldError(name, N_("not an e-mail address"), value)
        for name in ("focal_point_email", "authority_email")
        if (value := getattr(data, name)) and not _EMAIL.match(value.strip())
    ]


def _clean(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def save_entry(
    session: Session,
    *,
    actor: Principal,
    state: str,
    data: DirectoryEntryWrite,
    now: datetime | None = None,
) -> DirectoryEntryRead:
    """Write the state's entry (every field as given; an empty one clears it)."""
    iso3 = org.require_state(session, state)
    require_editor(actor, iso3)
    errors = _check(data)
    if errors:
        raise InvalidInput(N_("the directory entry is not valid"), errors)
    now = now or utcnow()
    entry = session.get(DirectoryEntry, iso3)
    action = "update" if entry is not None else "create"
    if entry is None:
        entry = DirectoryEntry(state_iso3=iso3)
        session.add(entry)
    for name in ("focal_point_name", "focal_point_email", "duty_phone"):
        setattr(entry, name, _clean(getattr(data, name)))
    for name in ("authority_name", "authority_email", "authority_phone"):
        setattr(entry, name, _clean(getattr(data, name)))
    entry.languages = sorted(set(data.languages))
    entry.updated_at, entry.updated_by = now, actor.actor
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action=action,
        entity=ENTITY,
        entity_id=iso3,
        state=entry.audit_state(),
    )
    return to_read(iso3, entry, now.date())


def confirm_entry(
    session: Session, *, actor: Principal, state: str, now: datetime | None = None
) -> DirectoryEntryRead:
    """The state says its entry is current today; good for a year."""
    iso3 = org.require_state(session, state)
    require_editor(actor, iso3)
    now = now or utcnow()
    entry = session.get(DirectoryEntry, iso3)
    if entry is None or not (entry.focal_point_name or entry.focal_point_email or entry.duty_phone):
        raise Conflict(
            N_("the directory entry of {state} is empty: fill it in, then confirm it"),
            [FieldError("state", N_("nothing to confirm yet"), iso3)],
            params={"state": iso3},
        )
    entry.confirmed_on, entry.confirmed_by = now.date(), actor.actor
    session.flush()
    audit.record(
        session,
        actor=actor.actor,
        action="confirm",
        entity=ENTITY,
        entity_id=iso3,
        state=entry.audit_state(),
    )
    return to_read(iso3, entry, now.date())


def reminder_due(entry: DirectoryEntry | None, today: date) -> bool:
    """A year after the last confirmation or reminder, whichever is later (never: at once)."""
    if not confirmation_due(entry, today):
        return False
    if entry is None:
        return True
    last = max((d for d in (entry.confirmed_on, entry.reminded_on) if d), default=None)
    return last is None or last <= today - YEAR


def remind_unconfirmed(
    session: Session, *, actor: Principal, now: datetime | None = None
) -> list[str]:
    """Send the yearly reminder to the focal points of each state whose entry is due one."""
    authorize(actor, Action.COORDINATE)
    now = now or utcnow()
    today = now.date()
    found = {e.state_iso3: e for e in session.execute(select(DirectoryEntry)).scalars()}
    reminded: list[str] = []
    for state in org.members_on(session, on=today):
        entry = found.get(state.iso3)
        if not reminder_due(entry, today):
            continue
        if entry is None:
            entry = DirectoryEntry(state_iso3=state.iso3, updated_at=now, updated_by=actor.actor)
            session.add(entry)
        entry.reminded_on = today
        session.flush()
        publish(
            session,
            actor=actor.actor,
            topic=REMINDER_TOPIC,
            entity=ENTITY,
            entity_id=state.iso3,
            payload={
                "title": "Please confirm (or correct) the IHR directory entry of " + state.iso3,
                "state": state.iso3,
                ADDRESSED_TO: [state.iso3],
                "confirmed_on": entry.confirmed_on,
                "link": f"/directory/{state.iso3}/edit",
            },
        )
        audit.record(
            session,
            actor=actor.actor,
            action="remind",
            entity=ENTITY,
            entity_id=state.iso3,
            state={"state": state.iso3, "reminded_on": today, "confirmed_on": entry.confirmed_on},
        )
        reminded.append(state.iso3)
    return reminded
