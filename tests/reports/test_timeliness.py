"""The 7-1-7 parts of the reports: the weekly report's section and the quarterly timeliness
report, in three languages, read back from the PDF with pdftotext (an independent tool)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session
from epibridge.errors import InvalidInput
from epibridge.reports import render, service
from epibridge.reports.service.content import gather
from epibridge.reports.weeks import parse_week
from epibridge.security import PermissionDenied
from tests.helpers import bearer, make_user
from tests.notifications.factory import OBSERVER, SECRETARIAT
from tests.reports.helpers import pdf_text, save, squeezed
from tests.timeliness.factory import NOW, every_action, make_event, record_all

#: Week 10 of 2026 is 2 to 8 March: the events below are notified in it.
WEEK = "2026-W10"


@pytest.fixture
def quarter(sessions: sessionmaker[Session]) -> dict[str, int]:
    fast = make_event(sessions)  # detect 4, notify 1, respond 6
    record_all(sessions, fast, every_action(date(2026, 3, 12)))
    slow = make_event(
        sessions,
        title="Synthetic test: slow notification",
        detection=date(2026, 3, 2),
        notified_at=datetime(2026, 3, 7, 8, tzinfo=UTC),
    )  # detect 1, notify 5
    return {"fast": fast, "slow": slow}


def test_the_weekly_report_has_a_timeliness_section(
    sessions: sessionmaker[Session], quarter: dict[str, int]
) -> None:
    with read_session(sessions) as session:
        content = gather(
            session, actor=SECRETARIAT, week=parse_week(WEEK), lang="en", state=None, now=NOW
        )
    section = content.timeliness
    assert section is not None and section.period == "2026-Q1"
    assert [e.event_id for e in section.events] == [quarter["fast"], quarter["slow"]]
    assert section.quarter.notify == 0.5 and section.quarter.detect == 1.0
    document = render.html(content)
    assert "7. Timeliness (7-1-7)" in document and "Synthetic test: slow notification" in document


@pytest.mark.parametrize(
    ("lang", "heading", "all_states"),
    [
        ("en", "Quarterly timeliness report", "All member states"),
        ("ru", "Квартальный отчёт о своевременности", "Все государства-члены"),
        ("zh", "季度及时性报告", "全体成员国"),
    ],
)
def test_the_quarterly_report_in_three_languages(
    sessions: sessionmaker[Session],
    quarter: dict[str, int],
    artifacts_dir: Path,
    lang: str,
    heading: str,
    all_states: str,
) -> None:
    with read_session(sessions) as session:
        name, pdf = service.build_quarterly(
            session, actor=SECRETARIAT, quarter="2026-q1", lang=lang, now=NOW
        )
    assert name == f"timeliness-2026-Q1-all-{lang}.pdf" and pdf.startswith(b"%PDF")
    save(artifacts_dir, name, pdf)
    text = squeezed(pdf_text(pdf))
    assert squeezed(heading) in text and squeezed(all_states) in text
    # Both events measured for detection (100 %), one of two met the notification target.
    assert "100%" in text and "50%" in text
    assert squeezed("Synthetic test: slow notification") in text


def test_quarterly_refusals(sessions: sessionmaker[Session]) -> None:
    with read_session(sessions) as session:
        with pytest.raises(InvalidInput) as raised:
            service.build_quarterly(session, actor=SECRETARIAT, quarter="2026-Q5", now=NOW)
        assert raised.value.errors[0].field == "quarter"
        with pytest.raises(InvalidInput) as raised:
            service.build_quarterly(
                session, actor=SECRETARIAT, quarter="2026-Q1", format="docx", now=NOW
            )
        assert raised.value.errors[0].field == "format"
        with pytest.raises(PermissionDenied):
            service.build_quarterly(session, actor=OBSERVER, quarter="2026-Q1", now=NOW)


def test_the_quarterly_report_over_http(
    live_url: str, sessions: sessionmaker[Session], quarter: dict[str, int]
) -> None:
    token = make_user(sessions, "sec", "secretariat")
    got = httpx.get(
        f"{live_url}/api/v1/reports/quarterly/2026-Q1",
        params={"lang": "ru", "format": "html", "state": "KAZ"},
        headers=bearer(token),
    )
    assert got.status_code == 200, got.text
    assert "timeliness-2026-Q1-KAZ-ru.html" in got.headers["content-disposition"]
    assert "Квартальный отчёт о своевременности" in got.text
