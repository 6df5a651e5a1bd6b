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


def _status_form(page: str, **values: str) -> dict[str, str]:
    form = {
        "csrf_token": _csrf(page),
        "side": "KAZ",
        "direction": "outbound",
        "traffic": "freight",
        "status": "restricted",
        "measures_c8": "1",
    }
    form.update(values)
    return form


def _report_count(sessions: sessionmaker[Session], crossing_id: int) -> int:
    with read_session(sessions) as session:
        return len(borders.history(session, crossing_id=crossing_id, limit=200).items)


def test_status_form_refusals_name_the_field(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    """A focal point reports only its own side; the Secretariat any side, on its behalf; every
    refusal is a page in the reader's language naming the field, never a 500."""
    khorgos = _seed(sessions)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "sec", "secretariat", password=PASSWORD)
    make_user(sessions, "observer-mng", "observer", "MNG", password=PASSWORD)
    url = f"/borders/crossings/{khorgos}"
    kaz = _sign_in(live_url, "fp-kaz")
    page = kaz.get(url, params={"lang": "en"}).text
    before = _report_count(sessions, khorgos)

    # The other side's state: refused, the page says why and names the side.
    other = kaz.post(f"{url}/status", data=_status_form(page, side="CHN"))
    assert other.status_code == 403
    assert "You may not report this side’s status" in other.text
    assert '<a href="#side">Side</a>: not a side you may report for' in other.text
    # A state that is not a side at all; then a closed crossing with capacity, in Russian.
    stranger = kaz.post(f"{url}/status", data=_status_form(page, side="UZB"))
    assert stranger.status_code == 422 and '<a href="#side">Side</a>' in stranger.text
    kaz.get(url, params={"lang": "ru"})
    closed = kaz.post(
        f"{url}/status", data=_status_form(page, status="closed", capacity_percent="50")
    )
    assert closed.status_code == 422
    label = "Пропускная способность, в процентах от обычной"
    assert f'<a href="#capacity_percent">{label}</a>' in closed.text
    assert "у закрытого пункта пропуска нет пропускной способности" in closed.text
    assert 'id="capacity_percent" name="capacity_percent" type="number" value="50"' in closed.text
    # Values the form cannot read, and out of range, each beside its field.
    garbled = kaz.post(
        f"{url}/status",
        data=_status_form(
            page, measures_c8="7", wait_minutes="soon", effective_until="tomorrow", status="x"
        ),
    )
    assert garbled.status_code == 422
    for label, message in (
        ("Ожидание, мин", "не целое число"),
        ("Действует до (UTC)", "не дата и время"),
    ):
        assert f"{label}</a>: {message}" in garbled.text, label
    fixed = kaz.post(f"{url}/status", data=_status_form(page, measures_c8="7"))
    assert fixed.status_code == 422
    assert "Санитарные меры (уровень OxCGRT C8)</a>: Значение должно быть не больше 4" in fixed.text
    assert _report_count(sessions, khorgos) == before  # nothing was stored

    # The Secretariat reports China's side on its behalf, with every field of the form.
    sec = _sign_in(live_url, "sec")
    page = sec.get(url, params={"lang": "en"}).text
    assert '<option value="CHN">' in page and '<option value="KAZ">' in page
    done = sec.post(
        f"{url}/status",
        data=_status_form(
            page,
            side="CHN",
            direction="inbound",
            capacity_percent="40",
            wait_minutes="90",
            measures_c8="2",
            measures_text="Arriving drivers quarantine 7 days (synthetic).",
            effective_from="2030-01-01T06:00",
            effective_until="2030-02-01T06:00",
        ),
    )
    assert done.status_code == 303, done.text
    with read_session(sessions) as session:
        newest = borders.history(session, crossing_id=khorgos, limit=1).items[0]
    assert (newest.side, newest.measures_c8, newest.capacity_share, newest.on_behalf) == (
        "CHN",
        2,
        0.4,
        True,
    )
    assert newest.effective_from == datetime(2030, 1, 1, 6, 0, tzinfo=UTC)
    assert newest.effective_until == datetime(2030, 2, 1, 6, 0, tzinfo=UTC)
    shown = sec.get(url).text
    assert "Arriving drivers quarantine 7 days (synthetic)." in shown
    assert "Quarantine arrivals from some or all regions" in shown and "40%" in shown
    assert "on the state’s behalf" in shown

    # An observer gets the reason, not a form, and nothing is stored.
    observer = _sign_in(live_url, "observer-mng")
    seen = observer.get(url).text
    refused = observer.post(f"{url}/status", data=_status_form(seen))
    assert refused.status_code == 403 and "You may not report this side’s status" in refused.text
    assert 'action="/borders/crossings/' not in refused.text
    # A crossing that does not exist is a 404 page, also when posting to it.
    form = _status_form(kaz.get(url).text)
    missing = kaz.post("/borders/crossings/999999/status", data=form)
    assert missing.status_code == 404


def _lane_form(page: str, **values: object) -> dict[str, object]:
    form: dict[str, object] = {
        "csrf_token": _csrf(page),
        "kind": "fast",
        "name": "KAZ–CHN fast lane for medical teams (synthetic)",
        "target_minutes": "20",
        "valid_from": "2030-01-01",
    }
    form.update(values)
    return form


def test_lane_forms_rights_and_refusals(live_url: str, sessions: sessionmaker[Session]) -> None:
    khorgos = _seed(sessions)
    with read_session(sessions) as session:
        torugart = next(
            c.id
            for c in borders.list_crossings(session, state="KGZ", limit=200).items
            if c.code == "KGZ-CHN-torugart-road"
        )
        lane_id = borders.list_lanes(session, limit=5).items[0].id
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "fp-rus", "focal_point", "RUS", password=PASSWORD)
    make_user(sessions, "observer-mng", "observer", "MNG", password=PASSWORD)
    kaz = _sign_in(live_url, "fp-kaz")
    lanes = kaz.get("/borders/lanes", params={"lang": "en"}).text
    assert 'href="/borders/lanes/new"' in lanes and f"/borders/lanes/{lane_id}/edit" in lanes
    page = kaz.get("/borders/lanes/new").text
    assert 'id="states-KAZ" name="states" value="KAZ" checked' in page  # own state ticked

    # A crossing outside the lane's states, and an end before the start: named, nothing stored.
    bad = kaz.post(
        "/borders/lanes",
        data=_lane_form(
            page, states=["KAZ", "CHN"], crossing_ids=[str(torugart)], valid_until="2029-12-01"
        ),
    )
    assert bad.status_code == 422
    assert '<a href="#valid_until">Valid until</a>: before valid_from' in bad.text
    none = kaz.post("/borders/lanes", data=_lane_form(page, states=["KAZ", "CHN"]))
    assert none.status_code == 422 and '<a href="#crossing_ids">Crossings</a>' in none.text
    assert 'id="states-CHN" name="states" value="CHN" checked' in none.text  # kept as sent
    kaz.get("/borders/lanes", params={"lang": "zh"})
    one = kaz.post(
        "/borders/lanes", data=_lane_form(page, states=["KAZ"], crossing_ids=[str(khorgos)])
    )
    assert one.status_code == 422 and '<a href="#states">缔约国</a>' in one.text
    kaz.get("/borders/lanes", params={"lang": "en"})
    with read_session(sessions) as session:
        assert len(borders.list_lanes(session, limit=50).items) == 1

    # Recorded, then changed by the same focal point.
    made = kaz.post(
        "/borders/lanes",
        data=_lane_form(
            page,
            states=["KAZ", "CHN"],
            crossing_ids=[str(khorgos)],
            documents_accepted="medical team roster\nhealth certificate",
        ),
    )
    assert made.status_code == 303, made.text
    new_id = int(re.search(r"#lane-(\d+)", made.headers["location"]).group(1))
    edit = kaz.get(f"/borders/lanes/{new_id}/edit").text
    assert "medical team roster\nhealth certificate</textarea>" in edit
    changed = kaz.post(
        f"/borders/lanes/{new_id}",
        data={
            "csrf_token": _csrf(edit),
            "name": "KAZ–CHN fast lane (synthetic, renamed)",
            "crossing_ids": [str(khorgos)],
            "target_minutes": "30",
            "valid_until": "2030-06-30",
        },
    )
    assert changed.status_code == 303, changed.text
    with read_session(sessions) as session:
        lane = borders.get_lane(session, lane_id=new_id)
        assert (lane.kind, lane.target_minutes, lane.documents_accepted) == ("fast", 30, [])
        assert lane.valid_until == date(2030, 6, 30) and lane.states == ["KAZ", "CHN"]

    # Russia is no party: no form to change it, no change, no removal; its own lanes it may.
    rus = _sign_in(live_url, "fp-rus")
    assert f"/borders/lanes/{new_id}/edit" not in rus.get("/borders/lanes").text
    assert rus.get(f"/borders/lanes/{new_id}/edit").status_code == 403
    rus_page = rus.get("/borders/lanes/new").text
    foreign = rus.post(
        "/borders/lanes",
        data=_lane_form(rus_page, states=["KAZ", "CHN"], crossing_ids=[str(khorgos)]),
    )
    assert foreign.status_code == 403 and "You may not record or change this lane" in foreign.text
    removal = rus.post(f"/borders/lanes/{new_id}/delete", data={"csrf_token": _csrf(rus_page)})
    assert removal.status_code == 403
    # An observer reads the lanes but has no forms.
    observer = _sign_in(live_url, "observer-mng")
    assert 'href="/borders/lanes/new"' not in observer.get("/borders/lanes").text
    assert observer.get("/borders/lanes/new").status_code == 403
    # The party removes it; the audit log keeps it.
    gone = kaz.post(f"/borders/lanes/{new_id}/delete", data={"csrf_token": _csrf(edit)})
    assert gone.status_code == 303
    assert kaz.get(f"/borders/lanes/{new_id}/edit").status_code == 404
