"""The weekly situation report on reporting delay: a sentence per state, the week corrected.

KAZ's measles weeks are known at 70%, 90% and 100% of their count 0, 1 and 2 weeks after their
Sunday, RUS's at 50%, 80% and 100%; the report of the week ending 2025-03-30 is made the next
day, so that week is still incomplete. The shares and the final counts are the references.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session
from epibridge.reports import render
from epibridge.reports.service.content import gather
from epibridge.reports.weeks import parse_week
from tests.helpers import OPERATOR
from tests.nowcasting import edge

KAZ = [60, 64, 58, 61, 63, 59, 62, 60] * 4 + [90]
RUS = [30, 33, 29, 31, 32, 30, 28, 31] * 4 + [30]
NOW = datetime(2025, 3, 31, 23, 0, tzinfo=UTC)


def _report(sessions: sessionmaker[Session], lang: str) -> tuple[object, str]:
    with read_session(sessions) as session:
        content = gather(
            session, actor=OPERATOR, week=parse_week("2025-W13"), lang=lang, state=None, now=NOW
        )
    return content, render.html(content)


@pytest.fixture
def loaded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    edge.load(sessions, KAZ, (0.7, 0.9, 1.0), state="KAZ", disease="B05", classification="all")
    edge.load(sessions, RUS, (0.5, 0.8, 1.0), state="RUS", disease="B05", classification="all")
    return sessions


def test_a_sentence_per_state_and_the_week_corrected(loaded: sessionmaker[Session]) -> None:
    content, text = _report(loaded, "en")
    [curve] = [c for c in content.curves if c.disease == "B05"]  # type: ignore[attr-defined]
    lines = {line.state: line for line in curve.delays}
    assert set(lines) == {"KAZ", "RUS"}
    assert lines["KAZ"].by_week_end == pytest.approx(0.7, abs=0.01)
    assert lines["RUS"].within_a_week == pytest.approx(0.8, abs=0.01)
    assert lines["KAZ"].reported == round(90 * 0.7)
    assert lines["KAZ"].corrected == pytest.approx(90, rel=0.05)
    assert lines["KAZ"].change == pytest.approx(90 / 60 - 1, abs=0.08)  # up about half
    assert lines["KAZ"].synthetic
    sentence = (
        "Kazakhstan reports 70% of a week's cases by the end of the week and 90% within one "
        "week after it."
    )
    assert sentence in text
    assert "Russia reports 50% of a week's cases by the end of the week and 80%" in text
    corrected = re.search(r"this week will count about (\d+) \(90% interval (\d+)–(\d+); 63", text)
    assert corrected is not None
    low, median, high = (int(corrected.group(i)) for i in (2, 1, 3))
    assert low <= median <= high and abs(median - 90) <= 5
    assert "Corrected trend: +" in text
    assert text.count('class="note delay"') == 2 and "SYNTHETIC demo data" in text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("ru", ("Казахстан сообщает 70% случаев недели к её концу", "С поправкой на задержку")),
        ("zh", ("哈萨克斯坦 在一周结束时报告该周 70% 的病例", "校正报告延迟后")),
    ],
)
def test_the_sentences_in_russian_and_chinese(
    loaded: sessionmaker[Session], lang: str, words: tuple[str, str]
) -> None:
    _, text = _report(loaded, lang)
    for word in words:
        assert word in text
