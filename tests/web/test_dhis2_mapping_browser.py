"""The DHIS2 mapping page in Chromium: the Secretariat loads a state's mapping from YAML, sees
it, and a refused file lists its problems by YAML key with nothing loaded. SYNTHETIC UIDs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from tests.gateways.dhis2.helpers import CASES, MAPPING
from tests.web.browsing import Site

pytestmark = pytest.mark.browser


def test_the_secretariat_loads_and_sees_a_mapping(web: Site, tmp_path: Path) -> None:
    web.user("sec", "secretariat")
    page = web.sign_in("sec", lang="en")
    web.go(page, "/data/dhis2-mapping?state=KAZ")
    expect(page.locator("h1")).to_have_text("DHIS2 mapping")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**MAPPING, "org_units": {"ImspTQPwCqd": "KG-B"}}))
    page.locator("#state").select_option("KAZ")
    page.locator("#file").set_input_files(str(bad))
    page.locator("#load").click()
    expect(page.locator("table.report td.bad")).to_have_text(["org_units.ImspTQPwCqd"])
    expect(page.get_by_text("No mapping is loaded for KAZ yet.")).to_be_visible()
    good = tmp_path / "kaz.yaml"
    good.write_text(yaml.safe_dump(MAPPING))
    page.locator("#state").select_option("KAZ")
    page.locator("#file").set_input_files(str(good))
    page.locator("#load").click()
    expect(page.get_by_role("status")).to_contain_text("version 1 of the mapping of KAZ")
    expect(page.locator("#data-elements tbody tr")).to_have_count(2)
    expect(page.locator("#data-elements")).to_contain_text(f"{CASES}J11cases")
    web.shoot(page, "dhis2-mapping")
