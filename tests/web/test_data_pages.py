"""The epidemic-curve page and its CSV over real HTTP: what the page shows is what it exports."""

from __future__ import annotations

import csv
import html
import io
import re

from sqlalchemy.orm import Session, sessionmaker

from tests.epidata.helpers import csv_of, submit
from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _sign_in


def test_curve_csv_exports_the_classification_the_page_shows(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    # Confirmed and all cases of the same week differ, so an export of the wrong one shows.
    submit(
        sessions,
        csv_of(
            "KAZ,,A00,cases,confirmed,2024-01-01,2024-01-07,3",
            "KAZ,,A00,cases,all,2024-01-01,2024-01-07,40",
        ),
        state="KAZ",
    )
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    query = {"state": "KAZ", "disease": "A00", "classification": "confirmed", "lang": "en"}
    page = client.get("/data/curve", params=query)
    assert page.status_code == 200
    # The page's "Download CSV" link, followed as a reader clicks it.
    found = re.search(r'href="(/data/curve\.csv\?[^"]+)"', page.text)
    assert found, "the page has no CSV link"
    link = html.unescape(found.group(1))
    exported = client.get(link)
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["state"], r["classification"], r["value"]) for r in rows] == [
        ("KAZ", "confirmed", "3")
    ]
