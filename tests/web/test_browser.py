"""The UI as a person uses it, in Debian's Chromium driven by Playwright.

Runs on SQLite only: it drives two browser contexts through a dozen pages in three languages,
and what it checks (pages, cookies, forms, JavaScript) does not depend on the database, which
``test_pages.py`` covers on both backends. Screenshots of every main page in every language go
to ``<artifacts>/screenshots/``.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from epibridge.detection import service as detection
from epibridge.detection.schemas import RunOptions
from epibridge.detection.service.common import DETECTION_ACTOR
from tests.helpers import make_user
from tests.web.browsing import PASSWORD, watch_csp

pytestmark = pytest.mark.browser

CURVE = "/data/curve?state=KAZ&disease=A00&metric=cases&classification=confirmed&detect=ears-c1"
#: Twelve synthetic weeks (labelled so in the file name) with a spike in the last one.
WEEKLY = (3, 4, 2, 5, 3, 4, 3, 4, 2, 3, 4, 40)
CSV_GOOD = "state,area,disease,metric,classification,period_start,period_end,value\n" + "".join(
    f"KAZ,,A00,cases,confirmed,{date(2026, 8, 3) + timedelta(weeks=i)},"
    f"{date(2026, 8, 9) + timedelta(weeks=i)},{value}\n"
    for i, value in enumerate(WEEKLY)
)
CSV_BAD = (
    "state,area,disease,metric,classification,period_start,period_end,value\n"
    "KAZ,,A00,cases,confirmed,2026-10-05,2026-10-11,4\n"
    "KAZ,,A00,cases,confirmed,2026-10-12,2026-10-18,-7\n"
)


def _sign_in(browser: Browser, base: str, name: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    # Nothing may leave the server: any request elsewhere fails the test.
    outside: list[str] = []
    context.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
    watch_csp(context)
    page = context.new_page()
    page.outside = outside  # type: ignore[attr-defined]
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("header .user")).to_contain_text(name)
    return page


def _shoot(page: Page, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_notify_acknowledge_languages_and_import(
    site: tuple[str, sessionmaker[Session]], browser: Browser, artifacts_dir: Path
) -> None:
    base, sessions = site
    shots = artifacts_dir / "screenshots"
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "fp-rus", "focal_point", "RUS", password=PASSWORD)

    # KAZ notifies an event; the Annex 2 outcome and deadline appear while answering.
    kaz = _sign_in(browser, base, "fp-kaz")
    kaz.get_by_role("link", name="Notifications", exact=True).click()
    kaz.get_by_role("link", name="Notify a new event").click()
    kaz.get_by_label("Title").fill("Cholera cluster in Almaty region")
    kaz.get_by_label("Disease (ICD-10 code or").fill("A00")
    kaz.get_by_label("Onset date").fill("2026-11-18")
    kaz.get_by_label("Confirmed cases").fill("12")
    kaz.get_by_label("Deaths").fill("1")
    outcome = kaz.locator("#annex2-outcome")
    kaz.locator("#serious_impact-yes").check()
    expect(outcome).to_have_attribute("data-outcome", "insufficient_information")
    kaz.locator("#unusual-yes").check()
    expect(outcome).to_have_attribute("data-outcome", "notify")
    expect(outcome).to_contain_text("Notify by (UTC):")
    _shoot(kaz, shots, "notification-form-en")
    kaz.get_by_role("button", name="Notify", exact=True).click()
    expect(kaz.locator("h1")).to_have_text("Cholera cluster in Almaty region")
    event_url = kaz.url

    # RUS, in another browser context, sees it owed, opens it and acknowledges receipt.
    rus = _sign_in(browser, base, "fp-rus")
    owed = rus.locator("section[aria-labelledby=h-owed]")
    expect(owed).to_contain_text("Cholera cluster in Almaty region")
    owed.get_by_role("link", name="Cholera cluster in Almaty region").click()
    rus.get_by_role("button", name="Acknowledge receipt").click()
    expect(rus.get_by_role("status")).to_have_text("Receipt acknowledged.")
    expect(rus.locator("#acknowledged")).to_contain_text("Russia")
    expect(rus.get_by_role("button", name="Acknowledge receipt")).to_have_count(0)

    # RUS asks for verification and assesses the risk.
    rus.get_by_label("Question to the notifying state").fill("Is the strain O1 confirmed?")
    rus.get_by_role("button", name="Request verification").click()
    expect(rus.get_by_role("status")).to_have_text("Verification requested.")
    rus.get_by_label("Likelihood").select_option("likely")
    rus.get_by_label("Consequence").select_option("major")
    rus.get_by_label("Rationale").fill("Cross-border trade route; water supply affected.")
    rus.get_by_role("button", name="Record the assessment").click()
    expect(rus.get_by_role("status")).to_have_text("Risk assessment recorded.")

    # KAZ sees the acknowledgement, answers the verification and notifies an update.
    kaz.goto(event_url)
    expect(kaz.locator("#acknowledged")).to_contain_text("Russia")
    expect(kaz.locator("ol.timeline")).to_contain_text("Acknowledged")
    expect(kaz.locator("ol.timeline")).to_contain_text("Verification requested")
    kaz.get_by_label("Answer", exact=True).fill("Yes, Vibrio cholerae O1 by culture.")
    kaz.get_by_role("button", name="Send the answer").click()
    expect(kaz.get_by_role("status")).to_have_text("Verification answered.")
    kaz.get_by_role("link", name="Notify an update").click()
    kaz.get_by_label("Confirmed cases").fill("20")
    kaz.get_by_role("button", name="Notify the update").click()
    expect(kaz.get_by_role("status")).to_have_text("Update notified.")
    timeline = kaz.locator("ol.timeline")
    expect(timeline).to_contain_text("Verification answered")
    expect(timeline).to_contain_text("Risk assessed")
    expect(timeline.locator("li").first).to_contain_text("Update")
    expect(timeline.locator("li").first).to_contain_text("Confirmed cases: 20")
    kaz.goto(f"{base}/")
    expect(kaz.locator("svg g.event")).to_have_count(1)

    # Keyboard: the skip link is the first stop and leads to the content.
    kaz.goto(f"{base}/")
    kaz.keyboard.press("Tab")
    expect(kaz.locator(":focus")).to_have_text("Skip to content")

    # Import: a file with a bad row is refused, the row is named; a good file is stored.
    kaz.goto(f"{base}/data/import")
    kaz.get_by_label("File").set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": CSV_BAD.encode()}]
    )
    kaz.get_by_role("button", name="Check the file").click()
    report = kaz.locator("table.report tbody tr")
    expect(report).to_have_count(1)
    expect(report.first.locator("td").first).to_have_text("3")
    expect(report.first).to_contain_text("value")
    _shoot(kaz, shots, "import-report-en")
    kaz.get_by_label("File").set_input_files(
        files=[{"name": "synthetic-good.csv", "mimeType": "text/csv", "buffer": CSV_GOOD.encode()}]
    )
    kaz.get_by_label("Synthetic data").check()
    kaz.get_by_role("button", name="Check the file").click()
    kaz.get_by_role("button", name="Confirm and store").click()
    expect(kaz.get_by_role("status")).to_contain_text("Stored: 12 rows")

    # The curve of what was stored, with its table and CSV link.
    kaz.goto(base + CURVE)
    expect(kaz.locator("figure.chart svg rect.bar")).to_have_count(12)
    expect(kaz.get_by_text("Synthetic demo data: not real surveillance figures.")).to_be_visible()
    # EARS C1 over the curve: a threshold from week 8 on, and the spike is an alarm.
    expect(kaz.locator("figure.chart svg path.threshold")).to_have_count(1)
    expect(kaz.locator("figure.chart svg circle.alarm")).to_have_count(1)
    expect(kaz.locator("table tbody tr").last).to_contain_text("Alarm")
    expect(kaz.get_by_role("link", name="Download CSV")).to_be_visible()

    # A detection run over the stored series opens a signal: the dashboard lists it for review.
    report = detection.run(
        sessions,
        options=RunOptions(
            states=["KAZ"], diseases=["A00"], method="ears-c1", since=date(2026, 10, 1)
        ),
        actor=DETECTION_ACTOR,
    )
    assert report.opened >= 1
    kaz.goto(f"{base}/")
    signals = kaz.locator("section[aria-labelledby=h-signals]")
    expect(signals).to_contain_text("Kazakhstan")
    expect(signals).to_contain_text("synthetic")

    # Languages: the switcher, remembered; translated text; screenshots of every main page.
    pages = {
        "dashboard": "/",
        "notifications": "/notifications",
        "event": event_url.removeprefix(base),
        "form": "/notifications/new",
        "curve": CURVE,
        "import": "/data/import",
        "states": "/states",
        "borders": "/borders",
        "lanes": "/borders/lanes",
        "assistance": "/assistance",
        "consultations": "/consultations",
        "reports": "/reports",
    }
    expected = {
        "en": ("Situation", "Notifications"),
        "ru": ("Ситуация", "Уведомления"),
        "zh": ("态势", "通报"),
    }
    for lang, switch in (("ru", "Русский"), ("zh", "中文"), ("en", "English")):
        kaz.goto(f"{base}/")
        kaz.get_by_role("link", name=switch).click()
        expect(kaz.locator("html")).to_have_attribute("lang", lang)
        expect(kaz.locator("h1")).to_contain_text(expected[lang][0])
        kaz.goto(f"{base}/notifications")  # no ?lang: the choice is remembered
        expect(kaz.locator("html")).to_have_attribute("lang", lang)
        expect(kaz.locator("h1")).to_have_text(expected[lang][1])
        for name, path in pages.items():
            kaz.goto(base + path)
            _shoot(kaz, shots, f"{name}-{lang}")
    rus.goto(f"{base}/login?lang=zh")
    _shoot(rus, shots, "login-zh")
    assert kaz.outside == [] and rus.outside == []  # type: ignore[attr-defined]
    # Every page above ran under the Content-Security-Policy and broke none of it.
    assert kaz.context.csp == [] and rus.context.csp == []  # type: ignore[attr-defined]
