"""The EDXL links and the EDXL-RM import page over real HTTP with a browser session: the
downloads answer schema-valid XML, an import lands on what it created, a refused file shows
each problem by its element path and changes nothing. Synthetic data."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from tests.gateways.edxl.test_rm import _counts, _seed
from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _csrf, _sign_in


def test_download_links_and_import_page(live_url: str, sessions: sessionmaker[Session]) -> None:
    ids = _seed(sessions)
    make_user(sessions, "fp-kgz", "focal_point", "KGZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kgz")
    page = client.get(f"/assistance/requests/{ids['request']}")
    link = f"/api/v1/assistance/requests/{ids['request']}/edxl-rm"
    assert page.status_code == 200 and link in page.text
    assert (
        f"/api/v1/assistance/offers/{ids['offer']}/edxl-rm"
        in client.get(f"/assistance/offers/{ids['offer']}").text
    )
    xml = client.get(link)
    assert xml.status_code == 200 and xml.content.startswith(b"<?xml")

    form = client.get("/assistance/edxl-import", params={"lang": "ru"})
    assert form.status_code == 200 and "EDXL-RM" in form.text
    before = _counts(sessions)
    bad = xml.content.replace(b"<rm:Value>ppe-respirator<", b"<rm:Value>unicorns<", 1)
    refused = client.post(
        "/assistance/edxl-import",
        data={"csrf_token": _csrf(form.text)},
        files={"document": ("request.xml", bad, "application/xml")},
        params={"lang": "ru"},
    )
    assert refused.status_code == 422
    assert "/RequestResource/ResourceInformation[1]/Resource/TypeStructure/Value" in refused.text
    assert _counts(sessions) == before
    made = client.post(
        "/assistance/edxl-import",
        data={"csrf_token": _csrf(form.text)},
        files={"document": ("request.xml", xml.content, "application/xml")},
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/assistance/requests/")
    assert _counts(sessions)[0] == before[0] + 1
