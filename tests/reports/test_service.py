"""Situation reports rendered from a seeded week, checked through the text of the PDF itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.audit import AuditEntry
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import InvalidInput, NotFound
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.reports import service
from epibridge.reports.models import Report
from epibridge.reports.schemas import ReportCreate
from epibridge.reports.service.content import gather
from epibridge.reports.weeks import parse_week
from epibridge.security import PermissionDenied, Principal, Role
from tests.reports import scenario
from tests.reports.helpers import has_phrase, page_png, pdf_text, render, save, squeezed

HEADINGS = {
    "en": [
        "1. Events notified, updated and closed",
        "2. Map",
        "3. Epidemic curves",
        "4. Border crossings whose status changed",
        "5. Open assistance needs",
        "6. Consultations under way",
    ],
    "ru": [
        "1. События: уведомления, обновления и закрытия",
        "2. Карта",
        "3. Эпидемические кривые",
        "4. Пункты пропуска, статус которых изменился",
        "5. Неудовлетворённые потребности во взаимопомощи",
        "6. Текущие консультации",
    ],
    "zh": [
        "1.本周通报、更新和关闭的事件",
        "2.地图",
        "3.流行曲线",
        "4.状态发生变化的边境口岸",
        "5.尚未满足的援助需求",
        "6.正在进行的磋商",
    ],
}
#: Localized words each report must show: the report's title, state names, labels.
LOCALIZED = {
    "en": ["Situation report", "Kazakhstan", "China", "Russia", "Kyrgyzstan", "EXERCISE",
           "SYNTHETIC demo data", "Measles (B05)", "open → restricted", "Very high",
           "generated demo data, not real surveillance data"],
    "ru": ["Оперативная сводка", "Казахстан", "Китай", "Россия", "УЧЕНИЯ",
           "СИНТЕТИЧЕСКИЕ демонстрационные данные", "Корь (B05)", "открыто → ограничено",
           "Очень высокий", "20 мая 2024 г."],
    "zh": ["疫情形势报告", "哈萨克斯坦", "中国", "俄罗斯", "演练", "合成演示数据", "麻疹(B05)",
           "开放→受限", "很高", "2024年5月20日"],
}  # fmt: skip
#: What the seeded week puts into every report, whatever the language (synthetic titles).
TITLES = [
    scenario.KAZ_EVENT,
    scenario.CHN_EVENT,
    scenario.RUS_EVENT,
    scenario.KGZ_DRILL,
    scenario.CROSSING,
    scenario.CONSULTATION,
]


def _backend(sessions: sessionmaker[Session]) -> str:
    bind = sessions.kw["bind"]
    return bind.dialect.name


def test_one_report_in_each_language_shows_the_seeded_week(
    sessions: sessionmaker[Session], artifacts_dir: Path
) -> None:
    seeded = scenario.seed(sessions)
    assert seeded.alarms >= 1  # the measles jump alarms under EARS C1
    backend = _backend(sessions)
    for lang in ("en", "ru", "zh"):
        pdf = render(sessions, scenario.SECRETARIAT, scenario.WEEK, lang=lang)
        assert pdf.startswith(b"%PDF")
        path = save(artifacts_dir, f"sitrep-{scenario.WEEK}-{lang}-{backend}.pdf", pdf)
        text = pdf_text(pdf)
        flat = squeezed(text)
        for title in TITLES:
            assert has_phrase(text, title), (lang, title)
        assert not has_phrase(text, scenario.UZB_OLD)  # notified two weeks before: not this week's
        for heading in HEADINGS[lang]:
            assert squeezed(heading) in flat, (lang, heading)
        for word in LOCALIZED[lang]:
            assert squeezed(word) in flat, (lang, word)
        assert "ears-c1" in text  # the detection alarm under the measles curve
        unit = {"en": "dose", "ru": "доза", "zh": "剂"}[lang]  # the catalogue's unit, translated
        assert "50" in text and unit in text  # the vaccine still needed
        if lang == "zh":
            assert page_png(path, 1).stat().st_size > 10_000


def test_content_counts_real_events_only_and_keeps_drills_apart(
    sessions: sessionmaker[Session],
) -> None:
    seeded = scenario.seed(sessions, detect=False)
    with read_session(sessions) as session:
        content = gather(
            session,
            actor=scenario.SECRETARIAT,
            week=parse_week(scenario.WEEK),
            lang="en",
            state=None,
            now=utcnow(),
        )
    by_id = {e.id: e.happened for e in content.events}
    assert by_id == {
        seeded.kaz_event: ["notified"],
        seeded.chn_event: ["updated"],
        seeded.rus_event: ["closed"],
    }
    assert (content.count("notified"), content.count("updated"), content.count("closed")) == (
        1,
        1,
        1,
    )
    assert [(e.id, e.mode) for e in content.exercises] == [(seeded.drill, "exercise")]
    risks = {e.id: e.risk for e in content.events}
    assert risks[seeded.kaz_event] == "very_high"
    curves = {c.disease: c for c in content.curves}
    assert set(curves) == {"B05", "J11"}
    assert curves["J11"].synthetic and not curves["B05"].synthetic
    assert curves["B05"].weeks[-1] == (scenario.MONDAY, 41)
    assert len(curves["B05"].weeks) == 12
    [change] = content.crossings
    assert (change.previous, change.status, change.side) == ("open", "restricted", "KAZ")
    assert [r.state for r in content.needs] == ["KAZ"]
    assert [c.topic for c in content.consultations] == [scenario.CONSULTATION]


def test_a_state_focus_keeps_that_state_only(sessions: sessionmaker[Session]) -> None:
    seeded = scenario.seed(sessions, detect=False)
    with read_session(sessions) as session:
        week = parse_week(scenario.WEEK)
        actor = scenario.SECRETARIAT
        kaz = gather(session, actor=actor, week=week, lang="ru", state="KAZ", now=utcnow())
        rus = gather(session, actor=actor, week=week, lang="ru", state="RUS", now=utcnow())
    assert [e.id for e in kaz.events] == [seeded.kaz_event]
    assert kaz.exercises == []
    assert [c.disease for c in kaz.curves] == ["B05"]
    assert [c.by_state for c in kaz.curves] == [[("KAZ", 41)]]
    assert len(kaz.crossings) == 1 and len(kaz.needs) == 1 and len(kaz.consultations) == 1
    assert [e.id for e in rus.events] == [seeded.rus_event]
    assert (rus.curves, rus.crossings, rus.needs, rus.consultations) == ([], [], [], [])
    html = render(sessions, actor, scenario.WEEK, lang="ru", state="KAZ", fmt="html").decode()
    assert "Государство: Казахстан (KAZ)" in html
    assert scenario.KAZ_EVENT in html and scenario.CHN_EVENT not in html


def test_a_week_without_activity_is_a_complete_report_saying_so(
    sessions: sessionmaker[Session], artifacts_dir: Path
) -> None:
    pdf = render(sessions, scenario.SECRETARIAT, scenario.EMPTY_WEEK, lang="en")
    save(artifacts_dir, f"sitrep-{scenario.EMPTY_WEEK}-empty-en-{_backend(sessions)}.pdf", pdf)
    text = pdf_text(pdf)
    for heading in HEADINGS["en"]:
        assert heading in text
    for sentence in (
        "No event was notified, updated or closed this week.",
        "No exercise or test this week.",
        "No cases were reported to the epidemic database for this week.",
        "No border crossing changed its status this week.",
        "No assistance request is waiting for help.",
        "No consultation is under way.",
    ):
        assert sentence in text
    assert "ISO week 2024-W03: Jan 15, 2024 – Jan 21, 2024" in text
    assert "SYNTHETIC" not in text
    ru = pdf_text(render(sessions, scenario.SECRETARIAT, scenario.EMPTY_WEEK, lang="ru"))
    assert "На этой неделе не было уведомлений, обновлений или закрытий событий." in ru


def test_stored_reports_are_audited_announced_listed_and_read_back(
    sessions: sessionmaker[Session],
) -> None:
    stored = []
    for lang, state in (("en", None), ("ru", "KAZ"), ("zh", None)):
        with read_session(sessions) as session:
            rendered = service.build(
                session,
                actor=scenario.SECRETARIAT,
                data=ReportCreate(week="2024-W21", lang=lang, state=state, format="html"),  # type: ignore[arg-type]
            )
        with write_session(sessions) as session:
            stored.append(service.store(session, actor=scenario.fp("KAZ"), rendered=rendered).id)
    with read_session(sessions) as session:
        audited = session.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "report")
        ).scalar_one()
        topics = session.execute(
            select(OutboxMessage.topic, OutboxMessage.states).where(
                OutboxMessage.topic == service.TOPIC
            )
        ).all()
        actor = scenario.SECRETARIAT
        page = service.list_(session, actor=actor, limit=2)
        first, cursor = page.items, page.next_cursor
        page = service.list_(session, actor=actor, limit=2, cursor=cursor)
        second, end = page.items, page.next_cursor
        only_ru = service.list_(session, actor=actor, lang="ru", state="kaz", limit=10).items
        found = service.find(session, week="2024-w21", state=None, lang="zh", format="html")
        report = service.get(session, actor=actor, report_id=stored[1])
        with pytest.raises(NotFound):
            service.get(session, actor=actor, report_id=9999)
    assert audited == 3
    assert sorted(t.states for t in topics) == [[], [], ["KAZ"]]
    assert [r.id for r in first + second] == stored[::-1] and end is None
    assert [r.id for r in only_ru] == [stored[1]]
    assert found is not None and found.id == stored[2]
    assert report.filename == "sitrep-2024-W21-KAZ-ru.html"
    assert report.created_by == "user:fp-kaz"
    assert report.content.decode().startswith("<!DOCTYPE html>")
    assert len(report.digest) == 64 and report.size_bytes == len(report.content)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"week": "2024-W60"}, "week"),
        ({"week": "2023-W53"}, "week"),
        ({"week": "2024-W21", "state": "XXX"}, "state"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(
    sessions: sessionmaker[Session], data: dict[str, str], field: str
) -> None:
    with read_session(sessions) as session, pytest.raises(InvalidInput) as caught:
        service.build(session, actor=scenario.SECRETARIAT, data=ReportCreate(**data))  # type: ignore[arg-type]
    assert [e.field for e in caught.value.errors] == [field]


def test_observers_may_not_generate_or_list(sessions: sessionmaker[Session]) -> None:
    observer = Principal(user_id=0, name="obs-mng", role=Role.OBSERVER, state="MNG")
    with read_session(sessions) as session:
        with pytest.raises(PermissionDenied):
            service.build(session, actor=observer, data=ReportCreate(week="2024-W21"))
        with pytest.raises(PermissionDenied):
            service.list_(session, actor=observer, limit=10)
        assert session.execute(select(func.count()).select_from(Report)).scalar_one() == 0
