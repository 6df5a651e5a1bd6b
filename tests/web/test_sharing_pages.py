"""The sharing page and API over real HTTP: a focal point sees and changes its own state's."""

from __future__ import annotations

import re

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tests.helpers import bearer, make_user
from tests.web.test_pages import PASSWORD, _csrf, _sign_in


def test_a_focal_point_changes_its_states_sharing_on_the_page_and_the_api(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    page = client.get("/federation/sharing", follow_redirects=True)
    assert page.status_code == 200 and str(page.url).endswith("/federation/sharing/KAZ")
    assert "National totals only" in page.text and 'id="sharing-form"' in page.text
    token = _csrf(page.text)
    bad = client.post(
        "/federation/sharing/KAZ", data={"csrf_token": token, "level": "diseases", "diseases": ""}
    )
    assert bad.status_code == 422 and "list at least one disease" in bad.text
    saved = client.post(
        "/federation/sharing/KAZ",
        data={"csrf_token": token, "level": "diseases", "diseases": "A00, j11", "signals": "on"},
    )
    assert saved.status_code == 303
    shown = client.get(saved.headers["location"]).text
    assert 'id="saved"' in shown and "A00, J11" in shown
    assert re.search(r'id="signals-now">Shared<', shown)
    # Another state's page is shown without the form; its API write is refused.
    assert 'id="sharing-form"' not in client.get("/federation/sharing/CHN").text

    api = f"{live_url}/api/v1/federation/sharing"
    fp_chn = bearer(make_user(sessions, "fp-chn", "focal_point", "CHN"))
    got = httpx.get(f"{api}/KAZ", headers=fp_chn).json()
    assert (got["level"], got["diseases"], got["signals"]) == ("diseases", ["A00", "J11"], True)
    refused = httpx.put(f"{api}/KAZ", headers=fp_chn, json={"level": "all"})
    assert refused.status_code == 403
    unknown = httpx.put(f"{api}/CHN", headers=fp_chn, json={"level": "everything"})
    assert unknown.status_code == 422 and "level" in unknown.text
    changed = httpx.put(f"{api}/CHN", headers=fp_chn, json={"level": "nothing"})
    assert changed.status_code == 200 and changed.json()["configured"] is True
