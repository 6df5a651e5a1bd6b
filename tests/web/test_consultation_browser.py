"""Consultations in Chromium, each step done through the page by the role that does it: the
chair's focal point (Kyrgyzstan chairs now) convenes and drafts, a member proposes an
amendment, the chair makes the next version incorporating it and puts it to decision, members
record their positions, the chair closes the decision (adopted), a member signs. Each result
is read on the page and in the service. All texts are synthetic."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session, sessionmaker

from epibridge.consultations import service as consultations
from epibridge.consultations import views as consultation_views
from epibridge.consultations.schemas import (
    AgendaItemIn,
    ConsultationCreate,
    DocumentCreate,
    PositionCreate,
)
from epibridge.db import read_session, write_session
from epibridge.security import Principal, Role
from tests.web.browsing import Site

pytestmark = pytest.mark.browser

SECRETARIAT = Principal(user_id=0, name="sec", role=Role.SECRETARIAT)
TEXT_EN = "The member states share laboratory results within 48 hours (synthetic text)."


def fp(state: str) -> Principal:
    return Principal(user_id=0, name=f"fp-{state.lower()}", role=Role.FOCAL_POINT, state=state)


def _consultation(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """A consultation the chair (Kyrgyzstan) convened, with a draft at version 1."""
    with write_session(sessions) as session:
        consultation = consultations.convene(
            session,
            actor=fp("KGZ"),
            data=ConsultationCreate(
                topic="Laboratory data sharing (synthetic)",
                participants=["KAZ", "KGZ", "RUS"],
                agenda=[AgendaItemIn(title="Draft joint statement")],
            ),
        )
        document = consultations.create_document(
            session,
            actor=fp("KGZ"),
            consultation_id=consultation.id,
            data=DocumentCreate(
                kind="joint_statement",
                title="Joint statement on laboratory data (synthetic)",
                texts={"en": TEXT_EN},
            ),
        )
        return consultation.id, document.id


def _document(sessions: sessionmaker[Session], document_id: int):  # type: ignore[no-untyped-def]
    with read_session(sessions) as session:
        row = consultations.get_document(session, actor=SECRETARIAT, document_id=document_id)
        return consultation_views.document_read(session, row)


def test_the_chair_convenes_and_drafts(web: Site) -> None:
    web.user("fp-kgz", "focal_point", "KGZ")
    kgz = web.sign_in("fp-kgz")
    web.go(kgz, "/consultations")
    kgz.get_by_role("link", name="Convene a consultation").click()
    kgz.get_by_label("Topic").first.fill("Anthrax near the Kazakh-Kyrgyz border (synthetic)")
    kgz.get_by_label("Description").fill("Joint measures for livestock and people.")
    # Every member state is ticked at first; three take part here, Mongolia is invited.
    boxes = kgz.locator("input[name=participants]")
    assert boxes.count() >= 9
    for index in range(boxes.count()):
        boxes.nth(index).uncheck()
    for state in ("Kazakhstan", "Kyrgyzstan"):
        kgz.get_by_label(state, exact=True).check()
    kgz.locator("#participant-RUS").check()
    kgz.get_by_label("Mongolia").check()
    kgz.get_by_label("Agenda (one item per line)").fill("Situation\nJoint measures")
    kgz.get_by_label("Deadline: what is due").fill("Comments on the draft")
    kgz.get_by_label("Deadline: when (UTC)").fill("2027-01-15T12:00")
    web.shoot(kgz, "consultation-convene-form")
    kgz.get_by_role("button", name="Convene", exact=True).click()
    expect(kgz.locator(".ok")).to_contain_text("The consultation is convened")
    expect(kgz.locator("h1")).to_have_text("Anthrax near the Kazakh-Kyrgyz border (synthetic)")
    expect(kgz.locator("main")).to_contain_text("Joint measures")
    consultation_id = int(kgz.url.split("/consultations/")[1].split("?")[0])
    with read_session(web.sessions) as session:
        row = consultations.get(session, actor=SECRETARIAT, consultation_id=consultation_id)
        read = consultation_views.consultation_read(session, row)
    assert read.convening_state == "KGZ" and read.convenor_kind == "chair"
    assert [(p.state, p.has_say) for p in read.participants] == [
        ("KAZ", True),
        ("KGZ", True),
        ("RUS", True),
        ("MNG", False),
    ]
    assert [a.title for a in read.agenda] == ["Situation", "Joint measures"]
    assert read.deadlines[0].label == "Comments on the draft"

    # A draft, in two languages.
    kgz.get_by_label("Kind").select_option("joint_statement")
    kgz.get_by_label("Title").fill("Joint statement on anthrax (synthetic)")
    kgz.get_by_label("Text in English").fill("Both states vaccinate livestock near the border.")
    kgz.get_by_label("Text in Russian").fill("Оба государства вакцинируют скот у границы.")
    web.shoot(kgz, "consultation-page")
    kgz.get_by_role("button", name="Start the draft").click()
    expect(kgz.locator(".ok")).to_have_text("The draft is started as version 1.")
    expect(kgz.locator("#document-status")).to_contain_text("version 1")
    expect(kgz.locator("p.diff[lang=ru]")).to_contain_text("вакцинируют")
    with read_session(web.sessions) as session:
        (document,) = consultations.list_documents(session, consultation_id=consultation_id)
        (version,) = consultations.list_versions(session, document_id=document.id)
    assert (document.kind, document.status) == ("joint_statement", "draft")
    assert sorted(version.texts) == ["en", "ru"]
    # The consultation's page in Russian and in Chinese, for the guides.
    for lang, word in (("ru", "Документы"), ("zh", "文件")):
        web.go(kgz, f"/consultations/{consultation_id}?lang={lang}")
        expect(kgz.locator("main")).to_contain_text(word)
        web.shoot(kgz, "consultation-page")


def test_an_amendment_incorporated_in_a_new_version(web: Site) -> None:
    consultation_id, document_id = _consultation(web.sessions)
    path = f"/consultations/{consultation_id}/documents/{document_id}"
    web.user("fp-kaz", "focal_point", "KAZ")
    web.user("fp-kgz", "focal_point", "KGZ")
    kaz = web.sign_in("fp-kaz")
    web.go(kaz, path)
    # Kazakhstan amends for itself only; it does not run the consultation.
    expect(kaz.locator("#amend-state option")).to_have_count(1)
    expect(kaz.locator("#version-form")).to_have_count(0)
    kaz.get_by_label("Reason").fill("Our laboratories need more time (synthetic).")
    kaz.locator("#amend_en").fill(TEXT_EN.replace("48", "72"))
    web.shoot(kaz, "consultation-amendment")
    kaz.get_by_role("button", name="Propose the amendment").click()
    expect(kaz.locator(".ok")).to_have_text("The amendment is proposed to the convenor.")
    expect(kaz.locator("#amendments")).to_contain_text("Our laboratories need more time")

    kgz = web.sign_in("fp-kgz")
    web.go(kgz, path)
    kgz.locator("#text_en").fill(TEXT_EN.replace("48", "72"))
    kgz.get_by_label(re.compile("Our laboratories need more time")).check()
    kgz.get_by_label("Note on this version").fill("Kazakhstan's amendment taken in.")
    kgz.get_by_role("button", name="Record the new version").click()
    expect(kgz.locator(".ok")).to_contain_text("The new version is recorded")
    expect(kgz.locator("#document-status")).to_contain_text("version 2")
    diff = kgz.locator("section.version").first.locator("p.diff")
    expect(diff.locator("del")).to_have_text("48")
    expect(diff.locator("ins")).to_have_text("72")
    expect(kgz.locator("#amendments")).to_contain_text("Incorporated")
    web.shoot(kgz, "consultation-version")
    with read_session(web.sessions) as session:
        (amendment,) = consultations.list_amendments(session, document_id=document_id)
    assert (amendment.state_iso3, amendment.status, amendment.incorporated_in) == (
        "KAZ",
        "incorporated",
        2,
    )
    assert _document(web.sessions, document_id).current_version == 2


def test_decision_positions_adoption_and_signature(web: Site) -> None:
    consultation_id, document_id = _consultation(web.sessions)
    path = f"/consultations/{consultation_id}/documents/{document_id}"
    web.user("fp-kgz", "focal_point", "KGZ")
    web.user("fp-kaz", "focal_point", "KAZ")
    kgz = web.sign_in("fp-kgz")
    web.go(kgz, path)
    kgz.get_by_label("Procedure").select_option("consensus")
    kgz.get_by_role("button", name="Put to decision").click()
    expect(kgz.locator(".ok")).to_contain_text("The version is put to decision")
    expect(kgz.locator("#positions-table")).to_contain_text("Not yet heard")
    # Kyrgyzstan's and Russia's positions are seeded through the service (Russia's by the
    # Secretariat on its behalf); Kazakhstan records its own through the page.
    with write_session(web.sessions) as session:
        for state, actor in (("KGZ", fp("KGZ")), ("RUS", SECRETARIAT)):
            consultations.record_position(
                session,
                actor=actor,
                document_id=document_id,
                data=PositionCreate(state=state, version=1, position="support"),
            )
    kaz = web.sign_in("fp-kaz")
    web.go(kaz, path)
    expect(kaz.locator("#position-form select[name=state] option")).to_have_text(["Kazakhstan"])
    kaz.get_by_label("Position", exact=True).select_option("abstain")
    kaz.get_by_label("Reasons (required to object)").fill("We await our ministry's view.")
    web.shoot(kaz, "consultation-position")
    kaz.get_by_role("button", name="Record position").click()
    expect(kaz.locator(".ok")).to_have_text("The position is recorded.")
    row = kaz.locator("#positions-table tr", has_text="Kazakhstan")
    expect(row).to_contain_text("Abstain")
    expect(row).to_contain_text("We await our ministry's view.")
    expect(kaz.locator("#close-decision")).to_have_count(0)

    # Everyone has spoken: the chair closes the decision, and the document is adopted.
    web.go(kgz, path)
    kgz.get_by_role("button", name="Close the decision now").click()
    expect(kgz.locator(".ok")).to_have_text("The decision is closed.")
    expect(kgz.locator("#decision-status")).to_have_text("Adopted")
    number = _document(web.sessions, document_id).number
    assert number is not None and re.fullmatch(r"SCO/BIO/\d{4}/001", number)
    expect(kgz.locator("#document-status")).to_contain_text(number)
    # Kazakhstan signs for itself; the button is gone once it has.
    web.go(kaz, path)
    kaz.get_by_role("button", name="Sign for Kazakhstan").click()
    expect(kaz.locator(".ok")).to_have_text("The signature is recorded.")
    expect(kaz.locator("#signatures")).to_contain_text("Kazakhstan: user:fp-kaz")
    expect(kaz.get_by_role("button", name="Sign for Kazakhstan")).to_have_count(0)
    web.shoot(kaz, "consultation-adopted")
    read = _document(web.sessions, document_id)
    assert read.status == "adopted" and read.decision is not None
    assert {p.state: p.position for p in read.decision.positions} == {
        "KAZ": "abstain",
        "KGZ": "support",
        "RUS": "support",
    }
    assert [s.state for s in read.signatures] == ["KAZ"] and read.unsigned == ["KGZ", "RUS"]
