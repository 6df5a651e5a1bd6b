"""The curve page offers the shown states' series as FHIR: the download is a valid Bundle of
MeasureReports (checked by fhir.resources, R4B; see tests/gateways/fhir/helpers.py) holding the
page's numbers. The series is SYNTHETIC and the reports are tagged so."""

from __future__ import annotations

import json

import pytest

from tests.epidata.helpers import submit, weekly
from tests.gateways.fhir.helpers import valid
from tests.web.browsing import Site

pytestmark = pytest.mark.browser


def test_download_the_curve_as_a_measurereport_bundle(web: Site) -> None:
    submit(web.sessions, weekly("KAZ", "J11", "2024-01-01", [3, 5]), state="KAZ", synthetic=True)
    web.user("fp-kaz", "focal_point", "KAZ")
    page = web.sign_in("fp-kaz", lang="en")
    web.go(page, "/data/curve?state=KAZ&disease=J11&classification=confirmed&start=2024-01-01")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as FHIR (MeasureReport Bundle)").click()
    bundle = valid(json.loads(download.value.path().read_text(encoding="utf-8")))
    assert bundle.type == "searchset"
    reports = [entry.resource for entry in bundle.entry]
    counts = [r.group[0].stratifier[0].stratum[0].population[0].count for r in reports]
    assert counts == [3, 5]
    assert all("HTEST" in [tag.code for tag in r.meta.tag] for r in reports)
