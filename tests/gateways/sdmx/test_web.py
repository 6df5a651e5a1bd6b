"""The curve page's SDMX downloads, followed as a signed-in reader clicks them."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime

import sdmx
from sqlalchemy.orm import Session, sessionmaker

from tests.gateways.sdmx.support import load, values_by_series
from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _sign_in


def test_the_curve_page_links_its_series_as_sdmx(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    load(sessions)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    query = {"state": ["KAZ", "KGZ"], "disease": "J11", "classification": "confirmed"}
    page = client.get("/data/curve", params={**query, "start": "2024-01-08", "lang": "en"})
    links = dict(re.findall(r'href="(/api/sdmx/data/[^"]+)"[^>]*>(SDMX-[A-Z]+)<', page.text))
    assert sorted(links.values()) == ["SDMX-CSV", "SDMX-ML"], page.text[-2000:]
    structure = client.get("/api/sdmx/datastructure/SCO/EPI_OBS/1.0?references=children")
    dsd = sdmx.read_sdmx(io.BytesIO(structure.content)).structure["EPI_OBS"]
    read = {}
    for link, label in links.items():
        answer = client.get(html.unescape(link))
        assert answer.status_code == 200, answer.text
        hint = "csv" if label == "SDMX-CSV" else "xml"
        read[label] = values_by_series(
            sdmx.read_sdmx(io.BytesIO(answer.content), format=hint, structure=dsd)
        )
    assert read["SDMX-CSV"] == read["SDMX-ML"] == {
        ("W", "KAZ", "_Z", "J11", "CASES", "CONFIRMED", "_T", "_T"): [
            ("2024-W02", 7), ("2024-W03", None),
        ],
        ("W", "KGZ", "_Z", "J11", "CASES", "CONFIRMED", "_T", "_T"): [("2024-W02", 3)],
    }  # fmt: skip
    # An as-of view is not what an SDMX query returns: no SDMX link, the CSV link stays.
    today = datetime.now(UTC).date().isoformat()
    as_of = client.get("/data/curve", params={**query, "as_of": today})
    assert "/data/curve.csv?" in as_of.text and "/api/sdmx/data/" not in as_of.text
