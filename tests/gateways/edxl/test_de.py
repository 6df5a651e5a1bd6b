"""EDXL-DE 2.0 envelopes around CAP 1.2: export validates against both OASIS schemas, import
on a fresh database gives the same notification, and refusals write nothing. Synthetic data."""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.gateways.edxl import de, documents
from epibridge.notifications import cap as caplib
from epibridge.notifications import service as notifications
from epibridge.notifications.schemas import NotificationCreate
from tests.notifications.factory import FP_KAZ, event_body

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
