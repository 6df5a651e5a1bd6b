"""Event notifications in OASIS EDXL-DE 2.0 envelopes around their CAP 1.2 alert.

Out: the notifications service's CAP export, wrapped; the envelope's identifiers and times are
the alert's (distributionID = CAP identifier, senderID = CAP sender, dateTimeSent = CAP sent).
In: the envelope is checked against EDXL-DE 2.0 with CAP 1.2 beside it, then the first CAP
alert of its content goes to the notifications service's CAP import, which rules.
"""

from __future__ import annotations

from datetime import timedelta

from lxml import etree
from sqlalchemy.orm import Session

from epibridge.errors import DomainError, FieldError, InvalidInput
from epibridge.gateways.edxl import documents
from epibridge.i18n import N_
from epibridge.notifications import cap as caplib
from epibridge.notifications import service as notifications
from epibridge.notifications.models import NotificationEvent
from epibridge.security import Principal

XLINK_NS = "http://www.w3.org/1999/xlink"
#: A CAP alert exported here carries no expiry; EDXL-DE requires one on the envelope.
ENVELOPE_LIFETIME = timedelta(days=30)
_KIND = {"Alert": "Report", "Update": "Update", "Cancel": "Cancel"}
_STATUS = {"Actual": "Actual", "Exercise": "Exercise", "System": "System", "Test": "Test"}
_CONTENT = "/edxlDistribution/content/contentObject/contentXML/embeddedXMLContent"


def _de(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, f"{{{documents.DE_NS}}}{name}")
    if text is not None:
        node.text = text
    return node


def _edxl_time(value: str) -> str:
    """CAP's ``2024-06-01T10:00:00+00:00`` as EDXL-CT wants it (an explicit offset, no Z)."""
    return value.replace("Z", "+00:00").replace("-00:00", "+00:00")


def envelope(cap_xml: bytes) -> bytes:
    """Wrap a CAP 1.2 alert (already schema-checked) in an EDXL-DE 2.0 distribution."""
    alert = etree.fromstring(cap_xml)
    ns = {"cap": caplib.CAP_NS}

    def field(name: str) -> str:
        return alert.findtext(f"cap:{name}", namespaces=ns) or ""

    sent = field("sent")
    expires = caplib.parse_alert(cap_xml).sent + ENVELOPE_LIFETIME
    root = etree.Element(
        f"{{{documents.DE_NS}}}edxlDistribution",
        nsmap={None: documents.DE_NS, "xlink": XLINK_NS},
    )
    root.set(f"{{{XLINK_NS}}}type", "extended")
    _de(root, "distributionID", field("identifier"))
    _de(root, "senderID", field("sender"))
    _de(root, "dateTimeSent", _edxl_time(sent))
    _de(root, "dateTimeExpires", expires.isoformat(timespec="seconds"))
    _de(root, "distributionStatus", _STATUS.get(field("status"), "Unknown"))
    _de(root, "distributionKind", _KIND.get(field("msgType"), "Report"))
    descriptor = _de(root, "descriptor")
    descriptor.set(f"{{{XLINK_NS}}}type", "resource")
    language = alert.findtext("cap:info/cap:language", namespaces=ns)
    if language:
        _de(descriptor, "language", language)
    for incident in field("incidents").split():
        _de(descriptor, "incidentID", incident)
    content = _de(root, "content")
    content.set(f"{{{XLINK_NS}}}type", "resource")
    item = _de(content, "contentObject")
    item.set(f"{{{XLINK_NS}}}type", "resource")
    _de(_de(item, "contentXML"), "embeddedXMLContent").append(alert)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    documents.validate(etree.ElementTree(etree.fromstring(xml)), documents.de_schema())
    return xml


def distribution_xml(session: Session, *, actor: Principal, event_id: int) -> bytes:
    """The event's latest CAP message in an EDXL-DE 2.0 envelope."""
    return envelope(notifications.export(session, actor=actor, event_id=event_id))


def alert_of(xml: bytes) -> bytes:
    """The CAP alert inside a schema-valid EDXL-DE 2.0 envelope, as bytes of its own."""
    tree = documents.parse(xml)
    namespace, name = documents.root_name(tree)
    if namespace != documents.DE_NS or name != "edxlDistribution":
        raise documents.wrong_root(tree, f"{{{documents.DE_NS}}}edxlDistribution")
    documents.validate(tree, documents.de_schema())
    alerts = tree.getroot().xpath(
        "de:content/de:contentObject/de:contentXML/de:embeddedXMLContent/cap:alert",
        namespaces={"de": documents.DE_NS, "cap": caplib.CAP_NS},
    )
    if not alerts:
        raise InvalidInput(
            N_("the EDXL-DE envelope carries no CAP 1.2 alert"),
            [FieldError(_CONTENT, N_("put a CAP 1.2 alert here"))],
        )
    return etree.tostring(alerts[0], encoding="UTF-8", xml_declaration=True)


def import_distribution(
    session: Session, *, actor: Principal, xml: bytes
) -> tuple[NotificationEvent, bool]:
    """Import the envelope's CAP alert as the notifications service's CAP import does."""
    alert = alert_of(xml)
    try:
        return notifications.import_alert(session, actor=actor, xml=alert)
    except DomainError as exc:
        exc.errors = [
            e.at(_CONTENT + e.field if e.field.startswith("/alert") else e.field)
            for e in exc.errors
        ]
        raise
