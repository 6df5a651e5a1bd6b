"""WHO's determination on an event: recorded by the Secretariat only, audited, shown in the
event's read model, filterable; dates checked field by field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import Conflict, InvalidInput
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from epibridge.notifications.statuses import WhoDetermination
from epibridge.preparedness import service
from epibridge.preparedness.schemas import DeterminationWrite
from epibridge.security import PermissionDenied, Principal
from tests.notifications.factory import FP_KAZ, FP_RUS, OBSERVER, SECRETARIAT, event_body


def _event(sessions: sessionmaker[Session], **overrides: object) -> int:
    with write_session(sessions) as session:
        data = NotificationCreate.model_validate(event_body(**overrides))
        return notifications.create(session, actor=FP_KAZ, data=data).id


def _record(
    sessions: sessionmaker[Session], event_id: int, actor: Principal = SECRETARIAT, **fields: object
) -> object:
    with write_session(sessions) as session:
        return service.record_determination(
            session,
            actor=actor,
            event_id=event_id,
            data=DeterminationWrite.model_validate(fields),
        )


def _ids(sessions: sessionmaker[Session], determination: WhoDetermination) -> list[int]:
    with read_session(sessions) as session:
        page = notifications.list_events(
            session, actor=FP_RUS, limit=50, who_determination=determination
        )
    return sorted(e.id for e in page.items)


def test_the_secretariat_records_a_pheic_and_the_event_carries_it(
    sessions: sessionmaker[Session],
) -> None:
    pheic = _event(sessions, title="Synthetic test: mpox clade Ib")
    plain = _event(sessions, title="Synthetic test: measles")
    day = utcnow().date() - timedelta(days=3)
    _record(
        sessions,
        pheic,
        determination="pheic",
        determined_on=day.isoformat(),
        source="https://www.who.int/news (synthetic)",
    )
    with read_session(sessions) as session:
        read = notifications.get(session, actor=FP_RUS, event_id=pheic)
        other = notifications.get(session, actor=FP_RUS, event_id=plain)
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.entity == "who_determination")
        ).scalar_one()
    assert read.who_determination.determination is WhoDetermination.PHEIC
    assert read.who_determination.determined_on == day and read.who_determination.ended_on is None
    assert other.who_determination.determination is WhoDetermination.NONE
    assert entry.actor == "user:sec" and entry.detail["determination"] == "pheic"
    assert _ids(sessions, WhoDetermination.PHEIC) == [pheic]
    assert _ids(sessions, WhoDetermination.NONE) == [plain]
    assert _ids(sessions, WhoDetermination.PANDEMIC_EMERGENCY) == []
    # Upgraded to a pandemic emergency, then ended: the same row, corrected.
    _record(
        sessions,
        pheic,
        determination="pandemic_emergency",
        determined_on=day.isoformat(),
        ended_on=utcnow().date().isoformat(),
    )
    assert _ids(sessions, WhoDetermination.PANDEMIC_EMERGENCY) == [pheic]
    assert _ids(sessions, WhoDetermination.PHEIC) == []


@pytest.mark.parametrize("actor", [FP_KAZ, FP_RUS, OBSERVER])
def test_only_the_secretariat_records_it(sessions: sessionmaker[Session], actor: Principal) -> None:
    event = _event(sessions)
    with pytest.raises(PermissionDenied):
        _record(sessions, event, actor, determination="pheic", determined_on="2026-01-02")


def test_dates_are_checked_by_field(sessions: sessionmaker[Session]) -> None:
    event = _event(sessions)
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    cases = [
        ({"determination": "pheic"}, {"determined_on"}),
        ({"determination": "pheic", "determined_on": tomorrow}, {"determined_on"}),
        (
            {"determination": "pheic", "determined_on": "2025-10-02", "ended_on": "2025-10-01"},
            {"ended_on"},
        ),
        ({"determination": "none", "determined_on": "2025-10-02"}, {"determined_on"}),
    ]
    for fields, named in cases:
        with pytest.raises(InvalidInput) as caught:
            _record(sessions, event, **fields)
        assert {e.field for e in caught.value.errors} == named, fields


def test_a_draft_carries_no_determination(sessions: sessionmaker[Session]) -> None:
    draft = _event(sessions, status="draft")
    with pytest.raises(Conflict):
        _record(sessions, draft, determination="pheic", determined_on=date(2026, 1, 2).isoformat())
