"""The names the data carries are shown in the reader's language (issue 14, point 6): border
crossings (Russian and Chinese names in the registry, with sources), assistance items, units
and categories, detection drafts (stored in the three languages) and decision outcomes
(rendered from a message id and its parameters). Checked in the data, in the database and on
the pages over HTTP, on both backends."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from epibridge import i18n
from epibridge.assistance import catalogue as items
from epibridge.borders import service as borders
from epibridge.borders import views as border_views
from epibridge.borders.models import Crossing
from epibridge.borders.service.crossings import REGISTRY_ACTOR
from epibridge.consultations import service as consultations
from epibridge.consultations.models import Decision
from epibridge.consultations.outcomes import outcome_in
from epibridge.db import read_session, write_session
from epibridge.detection.service.common import draft_texts
from epibridge.notifications import service as notifications
from tests.consultations.scenario import NOW, fp, position, under_decision
from tests.detection.system import BASELINE, OUTBREAK, detect, submit_series
from tests.detection.test_service import FP_KAZ, _signals
from tests.helpers import make_user
from tests.web.test_assistance_pages import _seed as seed_assistance
from tests.web.test_pages import PASSWORD, _sign_in

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_crossing_of_the_registry_has_russian_names_and_says_where_they_come_from() -> None:
    registry = borders.read_registry()
    assert len(registry) >= 25
    for crossing in registry:
        names = crossing.names
        assert names is not None and names.ru is not None, crossing.code
        assert all(
            CYRILLIC.search(n or "") for n in (names.ru.name, names.ru.name_a, names.ru.name_b)
        )
        assert names.source and "ru:" in names.source and "zh:" in names.source, crossing.code
        if names.zh is None or names.zh.name is None:
            # no Chinese name is invented: the source says none was found
            assert "no established Chinese name" in names.source, crossing.code
        else:
            assert HAN.search(names.zh.name), crossing.code
    chinese = [c for c in registry if c.names and c.names.zh and c.names.zh.name]
    assert len(chinese) >= 15  # every crossing with China, and more


def test_catalogue_items_units_and_categories_are_named_in_every_language() -> None:
    catalogue = items.catalogue()
    assert len(catalogue) == 20
    for code, item in catalogue.items():
        assert CYRILLIC.search(items.item_name(code, "ru")), code
        assert HAN.search(items.item_name(code, "zh")), code
        assert items.item_name(code, "en") == item.name
        for lang, script in (("ru", CYRILLIC), ("zh", HAN)):
            assert script.search(items.unit_name(item.unit, lang)), (item.unit, lang)
            assert script.search(items.category_name(item.category, lang)), item.category
    assert items.item_name("ppe-gloves", "ru") == "Смотровые перчатки"
    assert items.unit_name("pair", "zh") == "双" and items.unit_name("pair", "en") == "pair"
    assert items.item_name("not-an-item", "ru") == "not-an-item"


def test_crossings_are_named_in_the_readers_language(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    with write_session(sessions) as session:
        borders.load_registry(session, actor=REGISTRY_ACTOR)
    with read_session(sessions) as session:
        row = session.execute(
            select(Crossing).where(Crossing.code == "RUS-CHN-zabaykalsk-rail")
        ).scalar_one()
        crossing_id = row.id
        assert row.names["ru"]["name"] == "Забайкальск – Маньчжурия (ж/д)"  # stored
        assert border_views.names_in(row, "zh")["name_b"] == "满洲里"
        assert border_views.names_in(row, "en")["name"] == "Zabaykalsk–Manzhouli (rail)"
        uzbek = session.execute(
            select(Crossing).where(Crossing.code == "KAZ-UZB-saryagash-rail")
        ).scalar_one()
        assert border_views.names_in(uzbek, "zh")["name"] == "Saryagash–Keles (rail)"
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    expected = {
        "en": ("Zabaykalsk–Manzhouli (rail)", "Zabaykalsk"),
        "ru": ("Забайкальск – Маньчжурия (ж/д)", "Маньчжурия"),
        "zh": ("后贝加尔斯克—满洲里（铁路）", "后贝加尔斯克"),
    }
    for lang, (name, post) in expected.items():
        listing = client.get("/borders", params={"lang": lang})
        assert listing.status_code == 200 and name in listing.text, lang
        page = client.get(f"/borders/crossings/{crossing_id}", params={"lang": lang})
        assert page.status_code == 200
        assert f"<h1>{name}</h1>" in page.text and post in page.text, lang


def test_the_assistance_board_names_items_and_units_in_the_readers_language(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    seed_assistance(sessions)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    ru = client.get("/assistance", params={"lang": "ru"}).text
    assert "Респираторы (N95 / FFP2 или аналог)" in ru and "<td>шт.</td>" in ru
    assert "Respirators (N95" not in ru
    zh = client.get("/assistance", params={"lang": "zh"}).text
    assert "防护口罩（N95 / FFP2 或同等级）" in zh and "<td>件</td>" in zh
    en = client.get("/assistance", params={"lang": "en"}).text
    assert "Respirators (N95 / FFP2 or equivalent)" in en and "<td>piece</td>" in en


def test_a_detection_draft_is_stored_in_the_three_languages(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    detect(sessions)
    # two alarming weeks share the draft the first of them opened
    signal = min(_signals(sessions), key=lambda s: s.id)
    with read_session(sessions) as session:
        draft = notifications.get(session, actor=FP_KAZ, event_id=signal.notification_id)
        english = draft_texts(signal, "en")
        assert draft.title == english["title"]
        assert draft.title.startswith("[SYNTHETIC DATA] Detection signal: A09 cases (confirmed)")
        ru, zh = draft.translations["ru"], draft.translations["zh"]
    assert ru["title"].startswith("[СИНТЕТИЧЕСКИЕ ДАННЫЕ] Сигнал обнаружения: ")
    assert "случаи (подтверждённые), KAZ, неделя с" in ru["title"]
    assert "(A09)" in ru["title"] and CYRILLIC.search(ru["description"])
    assert zh["title"].startswith("[合成数据] 监测信号：KAZ ") and "病例（确诊）" in zh["title"]
    assert f"/api/v1/signals/{signal.id}" in zh["description"]
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    for lang, title in (("ru", ru["title"]), ("zh", zh["title"]), ("en", english["title"])):
        page = client.get(f"/notifications/{signal.notification_id}", params={"lang": lang})
        assert page.status_code == 200 and title in page.text, lang


@pytest.mark.parametrize(
    ("lang", "adopted"),
    [
        ("en", "adopted by consensus: no objection, 100% of member states took a position"),
        ("ru", "принято консенсусом: возражений нет, позицию высказали 100% государств-членов"),
        ("zh", "协商一致通过：无反对，100% 的成员国表明了立场"),
    ],
)
def test_a_decision_outcome_is_shown_in_the_readers_language(
    sessions: sessionmaker[Session], lang: str, adopted: str
) -> None:
    scenario = under_decision(sessions)
    for state in ("CHN", "KAZ", "RUS"):
        position(sessions, scenario.document_id, state)
    with write_session(sessions) as session:
        consultations.close_decision(
            session, actor=fp("KAZ"), document_id=scenario.document_id, now=NOW + timedelta(days=2)
        )
    with read_session(sessions) as session:
        decision = session.execute(
            select(Decision).where(Decision.document_id == scenario.document_id)
        ).scalar_one()
        # the English sentence as before, and the message it was written from
        assert decision.outcome == (
            "adopted by consensus: no objection, 100% of member states took a position"
        )
        assert decision.outcome_message == {
            "id": "adopted by consensus: no objection, {share}% of member states took a position",
            "params": {"share": "100"},
        }
        assert outcome_in(decision, lang) == adopted
    # a decision closed before outcomes had a message id keeps its English
    legacy = Decision(outcome="adopted by consensus: no objection")
    assert outcome_in(legacy, lang) == "adopted by consensus: no objection"
    assert i18n.message(decision.outcome_message["id"], {"share": "50"}, "ru").startswith(
        "принято консенсусом"
    )
