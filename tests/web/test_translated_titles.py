"""An event's title in the reader's language wherever a page lists it, not only on its own page
(issue 14, point 6): detection drafts are written in the three languages, so the notifications
list, the dashboard, the search results and the signal's link to its draft show a Russian
reader the Russian title, and so does the weekly situation report. Over real
HTTP, on both backends."""

from __future__ import annotations

from html import escape

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow, write_session
from epibridge.detection import service as detection
from epibridge.notifications import service as notifications
from tests.detection.system import BASELINE, OUTBREAK, detect, submit_series
from tests.detection.test_service import FP_KAZ, _signals
from tests.helpers import bearer, make_user
from tests.reports.helpers import render
from tests.web.test_pages import PASSWORD, _sign_in


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_a_detection_draft_is_listed_under_its_title_in_the_readers_language(
    live_url: str, sessions: sessionmaker[Session], lang: str
) -> None:
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    detect(sessions)
    signal = min(_signals(sessions), key=lambda s: s.id)
    draft_id = signal.notification_id
    with read_session(sessions) as session:
        draft = notifications.get(session, actor=FP_KAZ, event_id=draft_id)
        english, translated = draft.title, draft.translations[lang]["title"]
    assert translated != english
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    link = f'<a href="/notifications/{draft_id}">'
    for path, params in (
        ("/notifications", {}),
        ("/", {}),  # the dashboard's latest notifications
        ("/search", {"q": "A09"}),
    ):
        page = client.get(path, params={**params, "lang": lang})
        assert page.status_code == 200, path
        assert f"{link}{escape(translated)}</a>" in page.text, path
        assert escape(english) not in page.text, path
        shown = client.get(path, params={**params, "lang": "en"}).text
        assert f"{link}{escape(english)}</a>" in shown, path
    # the signal's page links its draft under the draft's title
    page = client.get(f"/signals/{signal.id}", params={"lang": lang}).text
    assert f'id="draft-link">{escape(translated)}</a>' in page
    # API lists carry the other languages' titles too, so a client can do the same
    token = bearer(make_user(sessions, "fp-kaz-api", "focal_point", "KAZ"))
    listed = httpx.get(f"{live_url}/api/v1/notifications", headers=token).json()["items"]
    item = next(i for i in listed if i["id"] == draft_id)
    assert item["title"] == english and item["titles"][lang] == translated


def test_the_weekly_report_lists_a_notified_draft_under_its_russian_title(
    sessions: sessionmaker[Session],
) -> None:
    submit_series(sessions, "KAZ", BASELINE + OUTBREAK)
    detect(sessions)
    signal = min(_signals(sessions), key=lambda s: s.id)
    with write_session(sessions) as session:
        detection.confirm(session, actor=FP_KAZ, signal_id=signal.id)  # notified this week
    with read_session(sessions) as session:
        event = notifications.get(session, actor=FP_KAZ, event_id=signal.notification_id)
        titles = {"en": event.title, **{k: v["title"] for k, v in event.translations.items()}}
    year, week, _ = utcnow().date().isocalendar()
    for lang in ("ru", "zh", "en"):
        html = render(sessions, FP_KAZ, f"{year}-W{week:02d}", lang=lang, fmt="html").decode()
        assert escape(titles[lang]) in html, lang
        assert all(escape(t) not in html for other, t in titles.items() if other != lang), lang
