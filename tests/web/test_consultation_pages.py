"""Consultation pages over real HTTP on both backends: the list, one consultation, a document's
versions with their word differences, the positions and the position form, in every language."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from epibridge.consultations import service as consultations
from epibridge.consultations import views as consultation_views
from epibridge.consultations.schemas import (
    AgendaItemIn,
    ConsultationCreate,
    DecisionCreate,
    DocumentCreate,
    PositionCreate,
    RecordEntryCreate,
    VersionCreate,
)
from epibridge.db import read_session, utcnow, write_session
from epibridge.security import Principal, Role
from tests.helpers import make_user
from tests.web.test_pages import PASSWORD, _csrf, _parse, _sign_in

SECRETARIAT = Principal(user_id=0, name="sec", role=Role.SECRETARIAT)
FP_CHN = Principal(user_id=0, name="fp-chn", role=Role.FOCAL_POINT, state="CHN")


def _seed(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with write_session(sessions) as session:
        consultation = consultations.convene(
            session,
            actor=SECRETARIAT,
            data=ConsultationCreate(
                topic="Laboratory data sharing (synthetic)",
                participants=["CHN", "KAZ", "RUS"],
                observers=["MNG"],
                agenda=[AgendaItemIn(title="Opening"), AgendaItemIn(title="Draft statement")],
            ),
        )
        closed = consultations.convene(
            session,
            actor=SECRETARIAT,
            data=ConsultationCreate(
                topic="Members-only stockpiles (synthetic)", participants=["KAZ", "RUS"]
            ),
        )
        consultations.add_record_entry(
            session,
            actor=SECRETARIAT,
            consultation_id=consultation.id,
            data=RecordEntryCreate(kind="minutes", text="The chair opened the session."),
        )
        document = consultations.create_document(
            session,
            actor=SECRETARIAT,
            consultation_id=consultation.id,
            data=DocumentCreate(
                kind="joint_statement",
                title="Joint statement on laboratory data (synthetic)",
                texts={"en": "States share laboratory data within 48 hours.", "ru": "Текст."},
            ),
        )
        consultations.create_version(
            session,
            actor=SECRETARIAT,
            document_id=document.id,
            data=VersionCreate(
                based_on=1,
                texts={"en": "States share laboratory data within 24 hours.", "ru": "Текст."},
            ),
        )
        consultations.put_to_decision(
            session,
            actor=SECRETARIAT,
            document_id=document.id,
            data=DecisionCreate(version=2, deadline=utcnow() + timedelta(days=7)),
        )
        consultations.record_position(
            session,
            actor=FP_CHN,
            document_id=document.id,
            data=PositionCreate(state="CHN", version=2, position="support"),
        )
        return consultation.id, document.id, closed.id


def test_consultation_pages(live_url: str, sessions: sessionmaker[Session]) -> None:
    cid, did, members_only = _seed(sessions)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    make_user(sessions, "observer-mng", "observer", "MNG", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    pages = ["/consultations", f"/consultations/{cid}", f"/consultations/{cid}/documents/{did}"]
    headings = {"en": "Consultations", "ru": "Консультации", "zh": "磋商"}
    for lang, heading in headings.items():
        for path in pages:
            response = client.get(path, params={"lang": lang})
            assert response.status_code == 200, (path, response.text[:500])
            parsed = _parse(response.text)
            assert parsed.html_lang == lang
            for control in parsed.controls:
                assert control.get("id") in parsed.labels, f"{path}: {control} has no label"
            weight = len(response.content) + sum(len(client.get(a).content) for a in parsed.assets)
            assert all(a.startswith("/") for a in parsed.assets) and weight < 500_000
        assert f"<h1>{heading}</h1>" in client.get("/consultations").text

    listing = client.get("/consultations", params={"lang": "en"}).text
    assert "Laboratory data sharing (synthetic)" in listing and "Members-only stockpiles" in listing
    one = client.get(f"/consultations/{cid}").text
    assert "Draft statement" in one and "The chair opened the session." in one
    assert "Mongolia" in one and "Joint statement on laboratory data" in one
    # The versions with their word differences: 48 struck out, 24 added.
    doc = client.get(f"/consultations/{cid}/documents/{did}").text
    assert re.search(r"<del>48</del><ins>24</ins>", doc), doc[doc.find('class="diff"') :][:400]
    assert "Version 2" in doc and "Version 1" in doc
    # Positions: China supports, Kazakhstan and Russia are not heard yet.
    assert re.search(r"China</td>\s*<td><span class=\"st open\">Support", doc)
    assert doc.count("Not yet heard") == 2
    # Kazakhstan records its own position through the form, and only its own.
    assert '<option value="KAZ"' in doc and '<option value="RUS"' not in doc
    posted = client.post(
        f"/consultations/{cid}/documents/{did}/position",
        data={
            "csrf_token": _csrf(doc),
            "state": "KAZ",
            "version": "2",
            "position": "object",
            "reasons": "The 24-hour limit is too short for our laboratories.",
        },
    )
    assert posted.status_code == 303, posted.text
    doc = client.get(f"/consultations/{cid}/documents/{did}").text
    assert "The 24-hour limit is too short" in doc and doc.count("Not yet heard") == 1
    refused = client.post(
        f"/consultations/{cid}/documents/{did}/position",
        data={"csrf_token": _csrf(doc), "state": "KAZ", "version": "2", "position": "maybe"},
    )
    assert refused.status_code == 422 and "position" in refused.text

    # The observer sees the consultation it is invited to, reads but records no position,
    # and is refused the members-only one, which its list leaves out.
    observer = _sign_in(live_url, "observer-mng")
    seen = observer.get("/consultations").text
    assert "Laboratory data sharing" in seen and "Members-only stockpiles" not in seen
    page = observer.get(f"/consultations/{cid}/documents/{did}").text
    assert "<del>48</del>" in page and "/position" not in page
    assert observer.get(f"/consultations/{members_only}").status_code == 403
    assert httpx.get(f"{live_url}/consultations").status_code == 303


def test_a_state_speaks_only_for_itself(live_url: str, sessions: sessionmaker[Session]) -> None:
    cid, did, _ = _seed(sessions)
    make_user(sessions, "fp-rus", "focal_point", "RUS", password=PASSWORD)
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    rus = _sign_in(live_url, "fp-rus")
    page = rus.get(f"/consultations/{cid}/documents/{did}", params={"lang": "ru"}).text
    assert '<option value="RUS"' in page and '<option value="KAZ"' not in page
    for lang, heading in {"ru": "<h1>Нет доступа</h1>", "zh": "<h1>无权操作</h1>"}.items():
        refused = rus.post(
            f"/consultations/{cid}/documents/{did}/position",
            params={"lang": lang},
            data={"csrf_token": _csrf(page), "state": "KAZ", "version": "2", "position": "support"},
        )
        assert refused.status_code == 403, refused.text[:300]
        assert f'<html lang="{lang}">' in refused.text and heading in refused.text
    with read_session(sessions) as session:
        document = consultations.get_document(session, actor=SECRETARIAT, document_id=did)
        positions = consultation_views.document_read(session, document).decision.positions  # type: ignore[union-attr]
    assert [p.state for p in positions] == ["CHN"]
    # Kazakhstan does not chair today (Kyrgyzstan does): it may not convene.
    kaz = _sign_in(live_url, "fp-kaz")
    assert 'href="/consultations/new"' not in kaz.get("/consultations").text
    assert kaz.get("/consultations/new", params={"lang": "ru"}).status_code == 403
    posted = kaz.post(
        "/consultations/new",
        params={"lang": "ru"},
        data={"csrf_token": _csrf(page), "topic": "Not ours (synthetic)", "participants": "KAZ"},
    )
    assert posted.status_code == 403 and "<h1>Нет доступа</h1>" in posted.text
    # An objection without reasons is refused naming the field, and nothing is recorded.
    own = kaz.get(f"/consultations/{cid}/documents/{did}", params={"lang": "en"}).text
    objection = kaz.post(
        f"/consultations/{cid}/documents/{did}/position",
        data={"csrf_token": _csrf(own), "state": "KAZ", "version": "2", "position": "object"},
    )
    assert objection.status_code == 422
    assert re.search(r"<strong>Reasons</strong>: required to object", objection.text)


def test_convene_form_names_the_field(live_url: str, sessions: sessionmaker[Session]) -> None:
    make_user(sessions, "sec", "secretariat", password=PASSWORD)
    client = _sign_in(live_url, "sec")
    listing = client.get("/consultations", params={"lang": "ru"}).text
    assert 'href="/consultations/new"' in listing
    form = client.get("/consultations/new")
    assert form.status_code == 200 and 'name="participants" value="KAZ" checked' in form.text
    posted = client.post(
        "/consultations/new",
        data={
            "csrf_token": _csrf(form.text),
            "topic": "ab",
            "deadline_label": "Comments",
            "deadline_due": "soon",
        },
    )
    assert posted.status_code == 422
    for label, message in [
        ("Тема", "Минимальная длина строки — 3 симв."),  # validation_messages
        ("Участвующие государства-члены", "выберите хотя бы одно государство-член"),
        ("Срок: когда (UTC)", "дата и время"),
    ]:
        assert re.search(rf"<strong>{re.escape(label)}</strong>: [^<]*{message}", posted.text), (
            label
        )
    assert 'value="ab"' in posted.text and 'value="Comments"' in posted.text
    with read_session(sessions) as session:
        assert consultations.list_(session, actor=SECRETARIAT, limit=5).items == []


def test_the_convenor_forms_and_their_refusals(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    cid, did, _ = _seed(sessions)
    make_user(sessions, "sec", "secretariat", password=PASSWORD)
    client = _sign_in(live_url, "sec")
    path = f"/consultations/{cid}/documents/{did}"
    for lang in ("en", "ru", "zh"):
        for page in (f"/consultations/{cid}", path, "/consultations/new"):
            response = client.get(page, params={"lang": lang})
            assert response.status_code == 200, (page, response.text[:300])
            parsed = _parse(response.text)
            for control in parsed.controls:
                assert control.get("id") in parsed.labels, f"{page}: {control} has no label"
    doc = client.get(path, params={"lang": "en"}).text
    # Under decision: a new version may still be made (it withdraws the decision), the
    # decision cannot be closed while Kazakhstan and Russia are silent.
    assert 'id="version-form"' in doc and 'id="close-decision"' not in doc
    assert 'id="decision-form"' not in doc
    # A new version based on a superseded one is refused naming the field, on the page.
    stale = client.post(
        f"{path}/versions",
        data={"csrf_token": _csrf(doc), "based_on": "1", "text_en": "Another text (synthetic)."},
    )
    assert stale.status_code == 409
    assert re.search(r"<strong>Based on version</strong>: not the current version", stale.text)
    assert "Another text (synthetic)." in stale.text  # what was typed comes back
    with read_session(sessions) as session:
        assert (
            consultations.get_document(session, actor=SECRETARIAT, document_id=did).current_version
            == 2
        )


def test_only_the_convenor_closes_through_the_page(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    cid, _did, _ = _seed(sessions)
    make_user(sessions, "fp-rus", "focal_point", "RUS", password=PASSWORD)
    rus = _sign_in(live_url, "fp-rus")
    page = rus.get(f"/consultations/{cid}").text
    assert 'id="close-form"' not in page
    refused = rus.post(
        f"/consultations/{cid}/close",
        params={"lang": "zh"},
        data={"csrf_token": _csrf(page), "outcome": "withdrawn", "reason": "Not ours"},
    )
    assert refused.status_code == 403 and "<h1>无权操作</h1>" in refused.text
    with read_session(sessions) as session:
        assert consultations.get(session, actor=SECRETARIAT, consultation_id=cid).status == "open"
