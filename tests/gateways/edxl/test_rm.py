"""EDXL-RM 1.0 out and in: schema-valid exports that import back to the same request, offer
and commitment on a fresh database; refusals name the element. Data is synthetic."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.assistance import service as assistance
from epibridge.assistance.models import AssistanceOffer, AssistanceRequest, Commitment
from epibridge.assistance.schemas import CommitmentCreate, OfferCreate, RequestCreate
from epibridge.db import read_session, utcnow, write_session
from epibridge.errors import InvalidInput
from epibridge.gateways.edxl import documents, exports, rm_import
from epibridge.security import PermissionDenied, Principal, Role

FP_KGZ = Principal(user_id=1, name="fp-kgz", role=Role.FOCAL_POINT, state="KGZ")
FP_CHN = Principal(user_id=2, name="fp-chn", role=Role.FOCAL_POINT, state="CHN")
SECRETARIAT = Principal(user_id=4, name="sec", role=Role.SECRETARIAT)


def _request() -> RequestCreate:
    return RequestCreate.model_validate(
        {
            "state": "KGZ",
            "urgency": "immediate",
            "delivery_point": "Bishkek, Manas airport cargo terminal (synthetic)",
            "delivery_latitude": 43.06,
            "delivery_longitude": 74.47,
            "needed_by": utcnow().date() + timedelta(days=10),
            "visibility": "partners",
            "note": "Synthetic test request",
            "lines": [
                {"item": "ppe-respirator", "quantity": 10000, "unit": "piece", "note": "FFP2"},
                {"item": "oxygen-concentrator", "quantity": 50, "unit": "piece"},
            ],
        }
    )


def _seed(sessions: sessionmaker[Session]) -> dict[str, int]:
    with write_session(sessions) as session:
        request = assistance.create_request(session, actor=FP_KGZ, data=_request())
        offer = assistance.create_offer(
            session,
            actor=FP_CHN,
            data=OfferCreate.model_validate(
                {
                    "state": "CHN",
                    "request_id": request.id,
                    "available_from": utcnow().date().isoformat(),
                    "expected_delivery": (utcnow().date() + timedelta(days=5)).isoformat(),
                    "lines": [{"item": "ppe-respirator", "quantity": 6000, "unit": "piece"}],
                }
            ),
        )
        commitment = assistance.commit(
            session,
            actor=FP_CHN,
            data=CommitmentCreate(
                request_line_id=request.lines[0].id,
                offer_line_id=offer.lines[0].id,
                quantity=4000,
                expected_delivery=utcnow().date() + timedelta(days=5),
            ),
        )
        return {"request": request.id, "offer": offer.id, "commitment": commitment.id}


def _schema_valid(xml: bytes, message: str) -> etree._Element:
    tree = etree.ElementTree(etree.fromstring(xml))
    documents.rm_schema(message).assertValid(tree)
    return tree.getroot()


def _import(sessions: sessionmaker[Session], actor: Principal, xml: bytes) -> rm_import.Imported:
    with write_session(sessions) as session:
        return rm_import.import_message(session, actor=actor, xml=xml)


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with read_session(sessions) as session:
        return tuple(  # type: ignore[return-value]
            session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (AssistanceRequest, AssistanceOffer, Commitment)
        )


def test_export_is_schema_valid_and_imports_back_the_same(
    sessions: sessionmaker[Session], fresh_sessions: sessionmaker[Session]
) -> None:
    ids = _seed(sessions)
    with read_session(sessions) as session:
        request_xml = exports.request_xml(session, actor=FP_KGZ, request_id=ids["request"])
        offer_xml = exports.offer_xml(session, actor=FP_KGZ, offer_id=ids["offer"])
        commit_xml = exports.commitment_xml(session, actor=FP_KGZ, commitment_id=ids["commitment"])
        request = assistance.get_request(session, actor=FP_KGZ, request_id=ids["request"])
        offer = assistance.get_offer(session, actor=FP_KGZ, offer_id=ids["offer"])
        commitment = assistance.read(
            session,
            assistance.get_commitment(session, actor=FP_KGZ, commitment_id=ids["commitment"]),
            utcnow().date(),
        )
    root = _schema_valid(request_xml, "RequestResource")
    assert root.findtext(f"{{{documents.RM_MSG_NS}}}MessageContentType") == "RequestResource"
    _schema_valid(offer_xml, "ResponseToRequestResource")
    _schema_valid(commit_xml, "CommitResource")

    # Each message imported on a fresh database, by the principal the service requires.
    made = _import(fresh_sessions, FP_KGZ, request_xml)
    assert made.kind == "request"
    new_offer = _import(fresh_sessions, FP_CHN, offer_xml)
    new_commit = _import(fresh_sessions, FP_CHN, commit_xml)
    with read_session(fresh_sessions) as session:
        again = assistance.get_request(session, actor=FP_KGZ, request_id=made.ids[0])
        offer_again = assistance.get_offer(session, actor=FP_KGZ, offer_id=new_offer.ids[0])
        commit_again = assistance.read(
            session,
            assistance.get_commitment(session, actor=FP_KGZ, commitment_id=new_commit.ids[0]),
            utcnow().date(),
        )
    same = ("state", "urgency", "delivery_point", "delivery_latitude", "delivery_longitude")
    same += ("needed_by", "visibility", "note", "event_id")
    assert {k: getattr(again, k) for k in same} == {k: getattr(request, k) for k in same}
    line = ("item", "unit", "quantity", "note", "line_no")
    assert [[getattr(x, k) for k in line] for x in again.lines] == [
        [getattr(x, k) for k in line] for x in request.lines
    ]
    same_offer = ("state", "available_from", "expected_delivery", "visibility", "note")
    assert {k: getattr(offer_again, k) for k in same_offer} == {
        k: getattr(offer, k) for k in same_offer
    }
    assert offer_again.request_id == again.id and offer_again.message_kind == offer.message_kind
    assert [(x.item, x.quantity, x.unit) for x in offer_again.lines] == [
        (x.item, x.quantity, x.unit) for x in offer.lines
    ]
    same_commit = ("item", "unit", "quantity", "status", "expected_delivery", "offered_by")
    assert {k: getattr(commit_again, k) for k in same_commit} == {
        k: getattr(commitment, k) for k in same_commit
    }


def _edited(xml: bytes, old: str, new: str) -> bytes:
    assert old.encode() in xml
    return xml.replace(old.encode(), new.encode(), 1)


def test_refusals_name_the_element_and_write_nothing(sessions: sessionmaker[Session]) -> None:
    ids = _seed(sessions)
    with read_session(sessions) as session:
        xml = exports.request_xml(session, actor=FP_KGZ, request_id=ids["request"])
    before = _counts(sessions)
    cases = {
        # the schema: a quantity that is no number
        _edited(xml, "<rm:Amount>50<", "<rm:Amount>fifty<"): (
            "/RequestResource/ResourceInformation[2]/AssignmentInformation/Quantity/"
            "MeasuredQuantity/Amount"
        ),
        # the catalogue (the service's rule), named at the element the item came from
        _edited(xml, "<rm:Value>ppe-respirator<", "<rm:Value>unicorns<"): (
            "/RequestResource/ResourceInformation[1]/Resource/TypeStructure/Value"
        ),
        # the unit of the item (the service's rule)
        _edited(xml, "<rm:Value>piece<", "<rm:Value>kg<"): (
            "/RequestResource/ResourceInformation[1]/AssignmentInformation/Quantity/"
            "MeasuredQuantity/UnitOfMeasure/Value"
        ),
        # an unknown state code
        _edited(xml, 'xal:NameCode="KGZ"', 'xal:NameCode="XXX"'): (
            "/RequestResource/ContactInformation/ContactLocation/Address/Country/NameElement"
        ),
    }
    for bad, path in cases.items():
        with pytest.raises(InvalidInput) as caught:
            _import(sessions, FP_KGZ, bad)
        assert path in [e.field for e in caught.value.errors], caught.value.errors
        assert all(e.message_in("ru") for e in caught.value.errors)
    # A focal point acts for its own state only (the service's permission rule).
    with pytest.raises(PermissionDenied):
        _import(sessions, FP_CHN, xml)
    assert _counts(sessions) == before


HOSTILE = [
    b"",
    b"not xml at all",
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>',
    b'<!DOCTYPE r SYSTEM "http://example.org/x.dtd"><r/>',
    b'<RequestResource xmlns="urn:oasis:names:tc:emergency:EDXL:RM:1.0:msg"/>',
    b"<alert/>",
    b"\xff\xfe<\x00a\x00",
]


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_documents_are_refused_cleanly(body: bytes) -> None:
    # Refused before the database is touched: parsing and the schema come first.
    with pytest.raises(InvalidInput) as caught:
        rm_import.read_message(body)
    assert caught.value.errors and caught.value.status == 422


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
def test_any_bytes_are_a_clear_refusal(body: bytes) -> None:
    with pytest.raises(InvalidInput):
        rm_import.read_message(body)


FIXTURE = Path(__file__).parents[2] / "fixtures" / "edxl" / "request-minimal.xml"


def test_a_message_not_written_by_us_imports_with_the_documented_defaults(
    sessions: sessionmaker[Session],
) -> None:
    made = _import(sessions, FP_KGZ, FIXTURE.read_bytes())
    with read_session(sessions) as session:
        request = assistance.get_request(session, actor=FP_KGZ, request_id=made.ids[0])
    assert (request.state, request.urgency, request.visibility) == ("KGZ", "expected", "members")
    assert request.event_id is None  # a foreign IncidentID names no event of ours
    assert (request.delivery_point, request.needed_by.isoformat()) == (
        "Osh regional hospital",
        "2099-01-15",
    )
    assert [(x.item, x.quantity, x.unit) for x in request.lines] == [("ppe-gloves", 2500, "pair")]
