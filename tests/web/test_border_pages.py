"""Border pages over real HTTP on both backends: the map and table by status with a conflict
marked, one crossing's history and report form, the lanes, in every language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from epibridge.borders import service as borders
from epibridge.borders.schemas import LaneCreate, StatusReportCreate
from epibridge.borders.service.crossings import REGISTRY_ACTOR
from epibridge.db import read_session, write_session
from epibridge.security import Principal, Role
from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _csrf, _parse, _sign_in

FP_KAZ = Principal(user_id=1, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
FP_CHN = Principal(user_id=2, name="fp-chn", role=Role.FOCAL_POINT, state="CHN")


def _report(side: str, direction: str, status: str, wait: int) -> StatusReportCreate:
    return StatusReportCreate.model_validate(
        {
            "side": side,
            "direction": direction,
            "traffic": "freight",
            "status": status,
            "measures_c8": 1,
            "wait_minutes": wait,
            "effective_from": datetime.now(UTC) - timedelta(hours=1),
        }
    )


def _seed(sessions: sessionmaker[Session]) -> int:
    with write_session(sessions) as session:
        borders.load_registry(session, actor=REGISTRY_ACTOR)
    with read_session(sessions) as session:
        page = borders.list_crossings(session, state="KAZ", limit=200).items
        khorgos = next(c.id for c in page if c.code == "KAZ-CHN-khorgos-road")
    with write_session(sessions) as session:
        borders.create_lane(
            session,
            actor=FP_KAZ,
            data=LaneCreate(
                kind="green",
                name="KAZ-CHN green lane (synthetic)",
                states=["KAZ", "CHN"],
                crossing_ids=[khorgos],
                target_minutes=15,
                valid_from=date(2026, 1, 1),
            ),
        )
        borders.report_status(
            session, actor=FP_KAZ, crossing_id=khorgos, data=_report("KAZ", "outbound", "open", 10)
        )
        borders.report_status(
            session,
            actor=FP_CHN,
            crossing_id=khorgos,
            data=_report("CHN", "inbound", "restricted", 40),
        )
    return khorgos


def test_border_pages(live_url: str, sessions: sessionmaker[Session]) -> None:
    khorgos = _seed(sessions)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "observer-mng", "observer", "MNG", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    pages = ["/borders", f"/borders/crossings/{khorgos}", "/borders/lanes"]
    headings = {
        "en": ("Border crossings", "Green and fast lanes"),
        "ru": ("Пункты пропуска", "Зелёные и быстрые коридоры"),
        "zh": ("边境口岸", "绿色通道和快速通道"),
    }
    for lang in ("en", "ru", "zh"):
        for path in pages:
            response = client.get(path, params={"lang": lang})
            assert response.status_code == 200, (path, response.text[:500])
            parsed = _parse(response.text)
            assert parsed.html_lang == lang
            for control in parsed.controls:
                labelled = control.get("id") in parsed.labels or control.get("aria-label")
                assert labelled, f"{path}: control {control} has no label"
            weight = len(response.content)
            for asset in parsed.assets:
                assert asset.startswith("/"), f"{path} loads {asset} from elsewhere"
                weight += len(client.get(asset).content)
            assert weight < 500_000, f"{path} weighs {weight} bytes"
        assert f"<h1>{headings[lang][0]}</h1>" in client.get("/borders").text
        assert f"<h1>{headings[lang][1]}</h1>" in client.get("/borders/lanes").text

    # The map draws the crossing as a point marked as a conflict; the table says so too.
    listing = client.get("/borders", params={"lang": "en"}).text
    assert re.search(
        r'<circle class="xing conflict"[^>]*><title>Khorgos[^<]*Sides disagree', listing
    )
    assert 'class="xing open"' not in listing or "Sides disagree" in listing
    assert '<a href="/borders"' in listing  # in the navigation
    only = client.get("/borders", params={"conflict": "1"}).text
    assert only.count('class="xing conflict"') == 1 and 'class="xing unknown"' not in only
    # The waiting time against the lane target: 40 of 15 minutes, marked.
    assert re.search(r'class="overdue">40 of 15 min', listing)

    # One crossing: both sides, the conflict, the lane check, the history.
    page = client.get(f"/borders/crossings/{khorgos}", params={"lang": "en"}).text
    assert "The two sides report different statuses" in page
    assert page.count('<tr><td class="nowrap">') == 2  # two reports in the history
    assert 'action="/borders/crossings/' in page and '<option value="KAZ">' in page
    assert '<option value="CHN">' not in page  # a focal point reports only its own side
    # The focal point reports its side closed through the form; the conflict ends.
    posted = client.post(
        f"/borders/crossings/{khorgos}/status",
        data={
            "csrf_token": _csrf(page),
            "side": "KAZ",
            "direction": "outbound",
            "traffic": "freight",
            "status": "restricted",
            "wait_minutes": "5",
            "measures_c8": "2",
        },
    )
    assert posted.status_code == 303, posted.text
    page = client.get(f"/borders/crossings/{khorgos}").text
    assert "The two sides report different statuses" not in page
    assert page.count('<tr><td class="nowrap">') == 3
    # A bad value comes back on the page, naming the field; nothing is stored.
    refused = client.post(
        f"/borders/crossings/{khorgos}/status",
        data={
            "csrf_token": _csrf(page),
            "side": "KAZ",
            "direction": "outbound",
            "traffic": "freight",
            "status": "closed",
            "measures_c8": "9",
        },
    )
    assert refused.status_code == 422 and "measures_c8" in refused.text
    assert client.post(f"/borders/crossings/{khorgos}/status", data={}).status_code == 403
    # The lanes page lists the synthetic lane with the crossing.
    lanes = client.get("/borders/lanes", params={"lang": "en"}).text
    assert "KAZ-CHN green lane (synthetic)" in lanes and f"/borders/crossings/{khorgos}" in lanes

    # An observer reads the public statuses but gets no report form and cannot post one.
    observer = _sign_in(live_url, "observer-mng")
    seen = observer.get(f"/borders/crossings/{khorgos}").text
    assert "Khorgos" in seen and 'action="/borders/crossings/' not in seen
    forbidden = observer.post(
        f"/borders/crossings/{khorgos}/status",
        data={
            "csrf_token": _csrf(seen),
            "side": "KAZ",
            "direction": "outbound",
            "traffic": "freight",
            "status": "open",
            "measures_c8": "0",
        },
    )
    assert forbidden.status_code == 403
    # Visitors are sent to sign in, and an unknown crossing is a 404 page.
    assert httpx.get(f"{live_url}/borders").status_code == 303
    assert client.get("/borders/crossings/999999").status_code == 404
