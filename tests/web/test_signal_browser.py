"""Signal workflows in Chromium: the KAZ focal point finds its signals in the list, opens one
with its series chart, confirms it (its draft is notified) or dismisses it with a reason;
checked on the page and in the database. Every series is synthetic test data.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from epibridge.db import read_session
from epibridge.detection import service as detection
from epibridge.detection.models import Signal
from epibridge.notifications.models import NotificationEvent
from tests.detection.system import BASELINE, OUTBREAK, detect, submit_series
from tests.helpers import OPERATOR
from tests.web.browsing import Site

pytestmark = pytest.mark.browser


def _signals(web: Site) -> list[Signal]:
    """KAZ's signals, oldest first (the run opens one per alarming week)."""
    submit_series(web.sessions, "KAZ", BASELINE + OUTBREAK)
    submit_series(web.sessions, "KGZ", BASELINE + OUTBREAK)  # another state's, filtered out
    detect(web.sessions)
    with read_session(web.sessions) as session:
        found = detection.list_signals(session, principal=OPERATOR, state="KAZ", limit=10)
    return sorted(found.items, key=lambda s: s.id)


def _stored(web: Site, signal_id: int) -> tuple[Signal, NotificationEvent]:
    with read_session(web.sessions) as session:
        signal = detection.get(session, principal=OPERATOR, signal_id=signal_id)
        event = session.get(NotificationEvent, signal.notification_id)
        assert event is not None
        session.expunge_all()
        return signal, event


def test_focal_point_confirms_a_signal_from_the_list(web: Site) -> None:
    signals = _signals(web)
    web.user("fp-kaz", "focal_point", "KAZ")
    kaz = web.sign_in("fp-kaz")
    kaz.get_by_role("link", name="Signals", exact=True).click()
    expect(kaz.locator("h1")).to_have_text("Detection signals")
    kaz.get_by_label("State").select_option("KAZ")
    kaz.get_by_label("Status").select_option("open")
    kaz.get_by_role("button", name="Filter").click()
    rows = kaz.locator("#signals tbody tr")
    expect(rows).to_have_count(len(signals))
    expect(rows.first).to_contain_text("Kazakhstan")
    expect(rows.first).to_contain_text("synthetic")
    web.shoot(kaz, "signals-list")

    latest = signals[-1]
    kaz.get_by_role("link", name=str(latest.id), exact=True).click()
    expect(kaz.locator("h1")).to_contain_text(f"Signal #{latest.id}")
    chart = kaz.locator("#signal-chart svg")
    expect(chart.locator("rect.bar")).to_have_count(len(BASELINE + OUTBREAK))
    expect(chart.locator("path.threshold")).to_have_count(1)
    expect(chart.locator("circle.alarm")).to_have_count(len(OUTBREAK))
    expect(kaz.locator("#signal-status")).to_have_text("Open")
    web.shoot(kaz, "signal-page")
    kaz.get_by_role("button", name="Confirm and notify").click()
    expect(kaz.get_by_role("status")).to_have_text(
        "Signal confirmed: its draft is notified to the member states."
    )
    expect(kaz.locator("#signal-status")).to_have_text("Confirmed")
    expect(kaz.get_by_role("button", name="Confirm and notify")).to_have_count(0)
    signal, event = _stored(web, latest.id)
    assert signal.status == "confirmed" and signal.decided_by == "user:fp-kaz"
    assert event.status == "notified"
    # Its draft, now notified, is one click away.
    kaz.locator("#draft-link").click()
    expect(kaz.locator("h1 .tag")).to_have_count(1)  # "exercise" only: no longer a draft
    expect(kaz.locator("#pending")).to_contain_text("Russia")

    # The list in the other languages (for the guides).
    for lang, title in (("ru", "Сигналы обнаружения"), ("zh", "监测信号")):
        web.go(kaz, f"/signals?state=KAZ&lang={lang}")
        expect(kaz.locator("h1")).to_have_text(title)
        expect(kaz.locator("#signals tbody tr").first).to_contain_text(
            {"ru": "Подтверждён", "zh": "已确认"}[lang]
        )
        web.shoot(kaz, "signals-list")


def test_focal_point_dismisses_a_signal_with_the_reason(web: Site) -> None:
    signal_id = _signals(web)[0].id
    web.user("fp-kaz", "focal_point", "KAZ")
    kaz = web.sign_in("fp-kaz")
    web.go(kaz, f"/signals/{signal_id}")
    reason = "Synthetic test: a laboratory backlog reported in one week"
    kaz.get_by_label("Why it is not an outbreak").fill(reason)
    web.shoot(kaz, "signal-dismiss")
    kaz.get_by_role("button", name="Dismiss", exact=True).click()
    expect(kaz.get_by_role("status")).to_have_text(
        "Signal dismissed with the reason; nothing is notified."
    )
    expect(kaz.locator("#signal-status")).to_have_text("Dismissed")
    expect(kaz.locator("#signal-reason")).to_have_text(reason)
    signal, event = _stored(web, signal_id)
    assert (signal.status, signal.reason) == ("dismissed", reason)
    assert event.status == "draft"  # never notified
    web.go(kaz, "/signals?status=dismissed")
    expect(kaz.locator("#signals tbody tr")).to_have_count(2)  # the episode, decided together
