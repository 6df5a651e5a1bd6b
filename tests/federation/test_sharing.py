"""Sharing settings: conservative defaults, who may change them, what is refused, the CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from epibridge.audit import AuditEntry
from epibridge.db import read_session, write_session
from epibridge.errors import InvalidInput
from epibridge.federation import sharing
from epibridge.federation.sharing_cli import sharing_app
from epibridge.federation.sharing_models import SharingLevel
from epibridge.federation.sharing_schemas import SharingUpdate
from epibridge.security import PermissionDenied, Principal, Role
from epibridge.settings import Settings

FP_KAZ = Principal(user_id=1, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
FP_CHN = Principal(user_id=2, name="fp-chn", role=Role.FOCAL_POINT, state="CHN")
ADMIN = Principal(user_id=3, name="admin", role=Role.ADMIN)
OBSERVER = Principal(user_id=4, name="obs", role=Role.OBSERVER, state="MNG")
NODE = Principal(user_id=0, name="kaz-node", role=Role.SYSTEM, state="KAZ", kind="federation")


def _set(sessions: sessionmaker[Session], who: Principal, **fields: object) -> object:
    with write_session(sessions) as session:
        return sharing.set_sharing(
            session, principal=who, state="KAZ", data=SharingUpdate(**fields)
        )


def test_defaults_who_may_set_and_what_is_refused(sessions: sessionmaker[Session]) -> None:
    with read_session(sessions) as session:
        default = sharing.get(session, principal=FP_CHN, state="kaz")
        assert not sharing.shares_signals(session, "KAZ")
    assert (default.level, default.signals, default.configured) == (
        SharingLevel.TOTALS,
        False,
        False,
    )
    for refused in (FP_CHN, OBSERVER, NODE):
        with pytest.raises(PermissionDenied):
            _set(sessions, refused, level="all")
    _set(sessions, ADMIN, level="all", signals=True)
    read = _set(sessions, FP_KAZ, level="diseases", diseases=["a00", "J11"], signals=True)
    assert read.diseases == ["A00", "J11"] and read.configured  # type: ignore[attr-defined]
    with read_session(sessions) as session:
        assert sharing.shares_signals(session, "KAZ")
        entry = (
            session.execute(select(AuditEntry).where(AuditEntry.entity == "federation_sharing"))
            .scalars()
            .all()[-1]
        )
    assert entry.actor == "user:fp-kaz" and entry.detail["level"] == "diseases"

    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    cases = [
        ({"level": "diseases"}, "diseases"),
        ({"level": "all", "diseases": ["A00"]}, "diseases"),
        ({"level": "diseases", "diseases": ["not a code"]}, "diseases[0]"),
        ({"level": "all", "embargo_until": yesterday}, "embargo_until"),
    ]
    for fields, field in cases:
        with pytest.raises(InvalidInput) as caught:
            _set(sessions, FP_KAZ, **fields)
        assert field in {e.field for e in caught.value.errors}


def test_embargo_window_and_early_release(sessions: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    until = now.date() + timedelta(days=3)
    _set(sessions, FP_KAZ, level="all", embargo_until=until)
    with read_session(sessions) as session:
        held = sharing.effective(session, "KAZ")
    assert held.holds(now + timedelta(seconds=1))
    assert not held.holds(now - timedelta(hours=1))  # accepted before the embargo was set
    assert not held.holds(datetime.combine(until, datetime.min.time(), tzinfo=UTC))
    _set(sessions, FP_KAZ, level="all")  # cleared early: released now, in an outbox message
    from epibridge.notifications.outbox.models import OutboxMessage

    with read_session(sessions) as session:
        released = session.execute(
            select(OutboxMessage).where(OutboxMessage.topic == sharing.RELEASE_TOPIC)
        ).scalar_one()
        assert sharing.effective(session, "KAZ").embargo_until is None
    assert released.payload["state"] == "KAZ" and released.states == ["KAZ"]


def test_cli_show_and_set(settings: Settings, sessions: sessionmaker[Session]) -> None:
    runner = CliRunner()
    day = (date.today() + timedelta(days=10)).isoformat()
    first = ["set", "--state", "KAZ", "--level", "diseases", "--diseases", "A00,J11"]
    result = runner.invoke(sharing_app, [*first, "--signals", "--embargo-until", day], obj=settings)
    assert result.exit_code == 0, result.output
    result = runner.invoke(sharing_app, ["set", "--state", "KAZ", "--level", "all"], obj=settings)
    assert result.exit_code == 0, result.output  # the embargo and signals are kept
    shown = runner.invoke(sharing_app, ["show", "--state", "KAZ", "-f", "json"], obj=settings)
    read = json.loads(shown.stdout)
    assert (read["level"], read["embargo_until"], read["signals"]) == ("all", day, True)
    bad = runner.invoke(sharing_app, ["set", "--state", "KAZ", "--level", "diseases"], obj=settings)
    assert bad.exit_code == 2 and "diseases" in bad.output
    released = runner.invoke(sharing_app, ["release"], obj=settings)
    assert released.exit_code == 0 and "no embargo is due" in released.output


def test_the_scheduler_releases_an_embargo_once_its_day_has_come(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    from epibridge.notifications.outbox.models import OutboxMessage
    from epibridge.runtime.schedule import Scheduler, default_jobs

    jobs = [j for j in default_jobs() if j.name == "sharing embargoes ended"]
    until = datetime.now(UTC).date() + timedelta(days=1)
    _set(sessions, FP_KAZ, level="all", embargo_until=until)
    Scheduler(sessions, settings, jobs=jobs).run(once=True)  # not yet its day
    with write_session(sessions) as session:
        session.execute(
            sharing_update_embargo(until - timedelta(days=2))  # as if two days had passed
        )
    for _ in range(2):
        Scheduler(sessions, settings, jobs=jobs).run(once=True)
    with read_session(sessions) as session:
        released = (
            session.execute(
                select(OutboxMessage).where(OutboxMessage.topic == sharing.RELEASE_TOPIC)
            )
            .scalars()
            .all()
        )
    assert [(m.actor, m.payload["state"]) for m in released] == [("system:scheduler", "KAZ")]


def sharing_update_embargo(day: date):  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from epibridge.federation.sharing_models import SharingSettings

    return update(SharingSettings).values(embargo_until=day)
