"""EDXL in Chromium: a focal point downloads its request as EDXL-RM from the request page and
imports the file through the assistance pages' import form; a broken file is shown with its
element path. All data is synthetic."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session, sessionmaker

from epibridge.gateways.edxl import documents
from tests.gateways.edxl.test_rm import _counts, _seed
from tests.web.browsing import Site

pytestmark = pytest.mark.browser


def _requests(sessions: sessionmaker[Session]) -> int:
    return _counts(sessions)[0]


def test_download_and_import_edxl_rm(web: Site) -> None:
    ids = _seed(web.sessions)
    web.user("fp-kgz", "focal_point", "KGZ")
    kgz = web.sign_in("fp-kgz")
    web.go(kgz, f"/assistance/requests/{ids['request']}")
    with kgz.expect_download() as download:
        kgz.get_by_role("link", name="Download EDXL-RM").click()
    path = download.value.path()
    xml = path.read_bytes()
    assert _root_name(xml) == "RequestResource"

    before = _requests(web.sessions)
    web.go(kgz, "/assistance")
    kgz.get_by_role("link", name="Import EDXL-RM").click()
    broken = path.with_name("broken.xml")
    broken.write_bytes(xml.replace(b"<rm:Value>ppe-respirator<", b"<rm:Value>unicorns<", 1))
    kgz.get_by_label("EDXL-RM file (XML)").set_input_files(str(broken))
    kgz.get_by_role("button", name="Import").click()
    expect(kgz.locator("#problems")).to_contain_text(
        "/RequestResource/ResourceInformation[1]/Resource/TypeStructure/Value"
    )
    web.shoot(kgz, "assistance-edxl-import-refused")
    assert _requests(web.sessions) == before
    kgz.get_by_label("EDXL-RM file (XML)").set_input_files(str(path))
    kgz.get_by_role("button", name="Import").click()
    expect(kgz.locator("h1")).to_contain_text("Request #")
    assert _requests(web.sessions) == before + 1


def _root_name(xml: bytes) -> str:
    tree = documents.parse(xml)
    return documents.root_name(tree)[1]
