"""Situation report pages over real HTTP on both backends: generate one through the form, see
it listed and download it; refused to observers; in every language."""

from __future__ import annotations

import re

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _csrf, _parse, _sign_in


def test_report_pages(live_url: str, sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "observer-mng", "observer", "MNG", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    headings = {"en": "Situation reports", "ru": "Оперативные сводки", "zh": "疫情形势报告"}
    for lang, heading in headings.items():
        response = client.get("/reports", params={"lang": lang})
        assert response.status_code == 200, response.text[:500]
        parsed = _parse(response.text)
        assert parsed.html_lang == lang and f"<h1>{heading}</h1>" in response.text
        for control in parsed.controls:
            assert control.get("id") in parsed.labels, f"control {control} has no label"
        weight = len(response.content) + sum(len(client.get(a).content) for a in parsed.assets)
        assert all(a.startswith("/") for a in parsed.assets) and weight < 500_000

    page = client.get("/reports", params={"lang": "en"}).text
    assert "No report stored yet." in page and '<a href="/reports" aria-current="page">' in page
    # HTML keeps the test quick; the PDF path is the reports domain's own tests.
    made = client.post(
        "/reports",
        data={
            "csrf_token": _csrf(page),
            "week": "2026-W46",
            "lang": "ru",
            "state": "KAZ",
            "format": "html",
        },
    )
    assert made.status_code == 303, made.text[:500]
    listing = client.get(made.headers["location"]).text
    assert "The report is generated and stored." in listing
    assert "sitrep-2026-W46-KAZ-ru.html" in listing and "Kazakhstan" in listing
    link = re.search(r'<a href="(/api/v1/reports/\d+/download)" download="([^"]+)"', listing)
    assert link and link.group(2) == "sitrep-2026-W46-KAZ-ru.html"
    downloaded = client.get(link.group(1))
    assert downloaded.status_code == 200
    assert downloaded.headers["content-type"].startswith("text/html")
    assert "attachment" in downloaded.headers["content-disposition"]
    assert 'lang="ru"' in downloaded.text
    # A malformed week comes back on the page naming the field; nothing is stored.
    refused = client.post(
        "/reports",
        data={"csrf_token": _csrf(listing), "week": "2026-46", "lang": "en", "format": "html"},
    )
    assert refused.status_code == 422 and "week" in refused.text
    assert client.get("/reports").text.count('download="') == 1
    assert client.post("/reports", data={"week": "2026-W46"}).status_code == 403  # no CSRF

    # Observers neither see the link nor the page, nor the file.
    observer = _sign_in(live_url, "observer-mng")
    assert 'href="/reports"' not in observer.get("/").text
    assert observer.get("/reports").status_code == 403
    assert observer.get(link.group(1)).status_code == 403
    assert httpx.get(f"{live_url}/reports").status_code == 303
