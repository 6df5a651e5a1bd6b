"""EDXL-DE 2.0 envelopes around CAP 1.2: export validates against both OASIS schemas, import
on a fresh database gives the same notification, and refusals write nothing. Synthetic data."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.errors import Forbidden, InvalidInput
from epibridge.gateways.edxl import de, documents
from epibridge.notifications import cap as caplib
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from tests.notifications.factory import FP_KAZ, FP_RUS, event_body, written

CAP_XSD = Path(caplib.__file__).parent.parent / "schemas_cap" / "CAP-v1.2.xsd"


def _export(sessions: sessionmaker[Session]) -> tuple[bytes, int]:
    with write_session(sessions) as session:
        event = notifications.create(
            session, actor=FP_KAZ, data=NotificationCreate.model_validate(event_body())
        )
        event_id = event.id
    with read_session(sessions) as session:
        return de.distribution_xml(session, actor=FP_KAZ, event_id=event_id), event_id


def test_envelope_is_valid_de_and_its_alert_valid_cap(sessions: sessionmaker[Session]) -> None:
    xml, _ = _export(sessions)
    tree = etree.ElementTree(etree.fromstring(xml))
    documents.de_schema().assertValid(tree)
    alert = tree.getroot().find(f".//{{{caplib.CAP_NS}}}alert")
    assert alert is not None
    # The embedded alert alone, against the CAP 1.2 schema loaded on its own.
    etree.XMLSchema(etree.parse(str(CAP_XSD))).assertValid(etree.ElementTree(alert))
    root = tree.getroot()
    assert root.findtext(f"{{{documents.DE_NS}}}distributionID") == alert.findtext(
        f"{{{caplib.CAP_NS}}}identifier"
    )
    assert root.findtext(f"{{{documents.DE_NS}}}distributionKind") == "Report"


def test_envelope_imports_the_same_notification_on_a_fresh_database(
    sessions: sessionmaker[Session], fresh_sessions: sessionmaker[Session]
) -> None:
    xml, event_id = _export(sessions)
    with read_session(sessions) as session:
        original = notifications.get(session, actor=FP_KAZ, event_id=event_id)
    with write_session(fresh_sessions) as session:
        event, changed = de.import_distribution(session, actor=FP_KAZ, xml=xml)
        new_id = event.id
    assert changed
    with read_session(fresh_sessions) as session:
        again = notifications.get(session, actor=FP_KAZ, event_id=new_id)
    same = ("state", "disease", "onset_date", "title", "visibility", "mode", "language")
    same += ("counts", "event_type", "area_code")
    assert {k: getattr(again, k) for k in same} == {k: getattr(original, k) for k in same}
    # The same envelope again is the same CAP identifier: nothing new.
    with write_session(fresh_sessions) as session:
        assert de.import_distribution(session, actor=FP_KAZ, xml=xml)[1] is False
    _refusals_name_the_element_and_write_nothing(xml, fresh_sessions)


def _envelope_with(xml: bytes, old: bytes, new: bytes) -> bytes:
    assert old in xml
    return xml.replace(old, new, 1)


def _refusals_name_the_element_and_write_nothing(
    xml: bytes, fresh_sessions: sessionmaker[Session]
) -> None:
    before = written(fresh_sessions)
    content = "/edxlDistribution/content/contentObject/contentXML/embeddedXMLContent"
    cases = {
        # the embedded alert broken: checked by CAP 1.2 inside the DE schema pass
        _envelope_with(xml, b"<msgType>Alert<", b"<msgType>Shout<"): content + "/alert/msgType",
        # no alert: something else embedded
        _envelope_with(
            xml, b"<embeddedXMLContent>", b'<embeddedXMLContent><x:y xmlns:x="urn:x"/>'
        ): None,
        # an envelope field the DE schema refuses
        _envelope_with(xml, b"<distributionKind>Report<", b"<distributionKind>Gossip<"): (
            "/edxlDistribution/distributionKind"
        ),
        b"<edxlDistribution/>": "/edxlDistribution",
    }
    for bad, path in cases.items():
        with pytest.raises(InvalidInput) as caught, write_session(fresh_sessions) as session:
            de.import_distribution(session, actor=FP_KAZ, xml=bad)
        fields = [e.field for e in caught.value.errors]
        assert path is None or path in fields, (path, fields)
    # Another state's focal point: the CAP import's permission rule, named at the sender.
    with pytest.raises(Forbidden) as refused, write_session(fresh_sessions) as session:
        de.import_distribution(session, actor=FP_RUS, xml=xml)
    assert refused.value.errors[0].field == content + "/alert/sender"
    assert written(fresh_sessions) == before


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
def test_any_bytes_are_a_clear_refusal(body: bytes) -> None:
    with pytest.raises(InvalidInput):
        de.alert_of(body)
