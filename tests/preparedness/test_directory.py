"""The IHR directory: each state edits and confirms its own entry only; members and the
Secretariat read every entry, observers none; the yearly reminder reaches the state's own
subscribers through the outbox, once a year."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import Conflict, Forbidden, InvalidInput
from epibridge.notifications.outbox import deliveries
from epibridge.notifications.outbox.models import Delivery, OutboxMessage
from epibridge.notifications.outbox.schemas import SubscriptionCreate
from epibridge.notifications.outbox.service import create_subscription
from epibridge.preparedness import service
from epibridge.preparedness.models import DirectoryEntry
from epibridge.preparedness.schemas import DirectoryEntryWrite
from epibridge.security import PermissionDenied, Principal, system_principal
from tests.helpers import OPERATOR, make_user
from tests.notifications.factory import FP_KAZ, FP_RUS, OBSERVER, SECRETARIAT, SYSTEM_KAZ

SCHEDULER = system_principal("scheduler")
ENTRY = {
    "focal_point_name": "National IHR Focal Point, Ministry of Health (synthetic)",
    "focal_point_email": "ihr@kaz.example",
    "duty_phone": "+7 717 000 00 00",
    "languages": ["kk", "ru"],
    "authority_name": "National IHR Authority: Committee of Sanitary Control (synthetic)",
    "authority_email": "authority@kaz.example",
}


def _save(sessions: sessionmaker[Session], actor: Principal, state: str, **fields: object) -> None:
    with write_session(sessions) as session:
        service.save_entry(
            session, actor=actor, state=state, data=DirectoryEntryWrite.model_validate(fields)
        )


def test_a_state_edits_and_confirms_its_own_entry(sessions: sessionmaker[Session]) -> None:
    _save(sessions, FP_KAZ, "KAZ", **ENTRY)
    with write_session(sessions) as session:
        confirmed = service.confirm_entry(session, actor=FP_KAZ, state="kaz")
    assert confirmed.confirmed_on == utcnow().date() and not confirmed.confirmation_due
    for reader in (FP_RUS, SECRETARIAT):
        with read_session(sessions) as session:
            found = {e.state: e for e in service.entries(session, actor=reader)}
        assert found["KAZ"].duty_phone == "+7 717 000 00 00"
        assert found["KAZ"].languages == ["kk", "ru"]
        assert found["KAZ"].authority_name == ENTRY["authority_name"]
        assert found["RUS"].focal_point_name is None and found["RUS"].confirmation_due
        assert "MNG" not in found  # an observer state is no member
    with read_session(sessions) as session:
        actions = [
            e.action
            for e in session.execute(
                select(AuditEntry).where(AuditEntry.entity == "ihr_directory_entry")
            ).scalars()
        ]
    assert actions == ["create", "confirm"]


@pytest.mark.parametrize("actor", [FP_RUS, SECRETARIAT, OBSERVER, SYSTEM_KAZ, OPERATOR])
def test_no_one_else_changes_a_state_entry(
    sessions: sessionmaker[Session], actor: Principal
) -> None:
    _save(sessions, FP_KAZ, "KAZ", **ENTRY)
    with pytest.raises((Forbidden, PermissionDenied)):
        _save(sessions, actor, "KAZ", **{**ENTRY, "duty_phone": "+1 000"})
    with pytest.raises((Forbidden, PermissionDenied)), write_session(sessions) as session:
        service.confirm_entry(session, actor=actor, state="KAZ")
    with read_session(sessions) as session:
        entry = session.get(DirectoryEntry, "KAZ")
        assert entry is not None
        assert entry.duty_phone == "+7 717 000 00 00" and entry.confirmed_on is None


def test_observers_do_not_read_the_contacts(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(PermissionDenied), read_session(sessions) as session:
        service.entries(session, actor=OBSERVER)


def test_bad_fields_are_named(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(InvalidInput) as caught:
        _save(sessions, FP_KAZ, "KAZ", focal_point_email="not-an-address", authority_email="a@b")
    assert {e.field for e in caught.value.errors} == {"focal_point_email", "authority_email"}
    with pytest.raises(Conflict), write_session(sessions) as session:
        service.confirm_entry(session, actor=FP_KAZ, state="KAZ")  # nothing to confirm yet


def test_the_yearly_reminder_goes_to_the_state_alone(sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    make_user(sessions, "fp-rus", "focal_point", "RUS")
    with write_session(sessions) as session:
        for owner in ("fp-kaz", "fp-rus"):
            # Topic filters do not hide an addressed message.
            create_subscription(
                session,
                actor=OPERATOR,
                data=SubscriptionCreate(
                    owner=owner, kind="email", email=f"{owner}@example.org", topics=["border."]
                ),
            )
    _save(sessions, FP_KAZ, "KAZ", **ENTRY)
    with write_session(sessions) as session:
        service.confirm_entry(session, actor=FP_KAZ, state="KAZ")
        first = service.remind_unconfirmed(session, actor=SCHEDULER)
    assert "KAZ" not in first and "RUS" in first  # KAZ confirmed today
    with write_session(sessions) as session:
        assert service.remind_unconfirmed(session, actor=SCHEDULER) == []  # once a year
        entry = session.get(DirectoryEntry, "KAZ")
        assert entry is not None
        entry.confirmed_on = utcnow().date() - timedelta(days=366)
    with write_session(sessions) as session:
        assert service.remind_unconfirmed(session, actor=SCHEDULER) == ["KAZ"]
    with write_session(sessions) as session:
        deliveries.fan_out(session)
    with read_session(sessions) as session:
        kaz_message = session.execute(
            select(OutboxMessage).where(
                OutboxMessage.topic == "preparedness.directory_reminder",
                OutboxMessage.entity_id == "KAZ",
            )
        ).scalar_one()
        reached = session.execute(
            select(Delivery.subscription_id).where(Delivery.message_id == kaz_message.id)
        ).all()
    assert len(reached) == 1  # fp-kaz's subscription only, not fp-rus's
    with pytest.raises(PermissionDenied), write_session(sessions) as session:
        service.remind_unconfirmed(session, actor=FP_KAZ)
