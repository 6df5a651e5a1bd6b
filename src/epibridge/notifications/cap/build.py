"""Build CAP 1.2 alert XML from a ``CapMessage``.

The XSD does not carry all of the CAP 1.2 specification's rules, so ``check_message`` enforces the
ones a receiver relies on (forbidden characters in identifiers, restriction/addresses by scope,
references on updates, closed polygons, WGS 84 ranges) before any XML is written, and the result is
validated against the schema before it is returned: an invalid alert never leaves epibridge.
"""

from __future__ import annotations

import re
from datetime import datetime

from lxml import etree

from epibridge.notifications.cap import text
from epibridge.notifications.cap.model import (
    CAP_NS,
    Area,
    CapMessage,
    Info,
    MsgType,
    Resource,
    Scope,
    ValuePair,
)
from epibridge.notifications.cap.schema import CapValidationError, Issue, validate_tree

__all__ = ["build_alert", "check_message"]

_FORBIDDEN_ID = re.compile(r"[\s,<&]")
_NEEDS_REFERENCES = {MsgType.UPDATE, MsgType.CANCEL, MsgType.ACK, MsgType.ERROR}


def _check_area(area: Area, path: str) -> list[Issue]:
    issues = []
    if not area.area_desc.strip():
        issues.append(Issue(None, f"{path}/areaDesc", "areaDesc is required"))
    for i, ring in enumerate(area.polygons, 1):
        where = f"{path}/polygon[{i}]"
        if len(ring) < 4:
            issues.append(Issue(None, where, f"a polygon needs at least 4 points, got {len(ring)}"))
        elif ring[0] != ring[-1]:
            issues.append(Issue(None, where, "a polygon must be closed (first point = last)"))
        issues += [
            Issue(None, where, f"point {p} is outside WGS 84 lat/lon ranges")
            for p in ring
            if not (-90 <= p[0] <= 90 and -180 <= p[1] <= 180)
        ]
    for i, c in enumerate(area.circles, 1):
        if not (-90 <= c.lat <= 90 and -180 <= c.lon <= 180) or c.radius_km < 0:
            issues.append(
                Issue(None, f"{path}/circle[{i}]", f"{c} has a bad centre or a negative radius")
            )
    return issues


def check_message(msg: CapMessage) -> None:
    """Raise ``CapValidationError`` for CAP 1.2 rules that the XSD cannot express."""
    issues: list[Issue] = []
    for name in ("identifier", "sender"):
        value = getattr(msg, name)
        if not value or _FORBIDDEN_ID.search(value):
            issues.append(
                Issue(
                    None,
                    f"/alert/{name}",
                    f"{value!r} must be non-empty, without spaces, commas, '<' or '&' (CAP 1.2)",
                )
            )
    if msg.scope is Scope.RESTRICTED and not (msg.restriction or "").strip():
        issues.append(Issue(None, "/alert/restriction", "scope Restricted requires a restriction"))
    if msg.scope is Scope.PRIVATE and not msg.addresses:
        issues.append(Issue(None, "/alert/addresses", "scope Private requires addresses"))
    if msg.msg_type in _NEEDS_REFERENCES and not msg.references:
        issues.append(
            Issue(None, "/alert/references", f"msgType {msg.msg_type} requires references")
        )
    for i, ref in enumerate(msg.references, 1):
        if _FORBIDDEN_ID.search(ref.sender) or _FORBIDDEN_ID.search(ref.identifier):
            issues.append(Issue(None, f"/alert/references[{i}]", f"bad reference {ref}"))
    for i, info in enumerate(msg.infos, 1):
        if not info.categories:
            issues.append(Issue(None, f"/alert/info[{i}]/category", "at least one category"))
        for j, area in enumerate(info.areas, 1):
            issues += _check_area(area, f"/alert/info[{i}]/area[{j}]")
    if issues:
        raise CapValidationError(issues)


def _sub(parent: etree._Element, tag: str, value: str | None) -> etree._Element | None:
    if value is None or value == "":
        return None
    el = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    _set_text(el, value)
    return el


def _set_text(el: etree._Element, value: str) -> None:
    try:
        el.text = value
    except ValueError as exc:  # control characters, NUL
        tag = etree.QName(el).localname
        raise CapValidationError(Issue(None, tag, f"text not allowed in XML: {exc}")) from None


def _time(parent: etree._Element, tag: str, value: datetime | None) -> None:
    if value is not None:
        _sub(parent, tag, text.format_time(value))


def _pairs(parent: etree._Element, tag: str, pairs: tuple[ValuePair, ...]) -> None:
    for pair in pairs:
        el = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
        _set_text(etree.SubElement(el, f"{{{CAP_NS}}}valueName"), pair.value_name)
        _set_text(etree.SubElement(el, f"{{{CAP_NS}}}value"), pair.value)


def _num(value: float | None) -> str | None:
    return None if value is None else repr(float(value))


def _resource(parent: etree._Element, res: Resource) -> None:
    el = etree.SubElement(parent, f"{{{CAP_NS}}}resource")
    _sub(el, "resourceDesc", res.resource_desc)
    _sub(el, "mimeType", res.mime_type)
    _sub(el, "size", None if res.size is None else str(res.size))
    _sub(el, "uri", res.uri)
    _sub(el, "derefUri", res.deref_uri)
    _sub(el, "digest", res.digest)


def _area(parent: etree._Element, area: Area) -> None:
    el = etree.SubElement(parent, f"{{{CAP_NS}}}area")
    _sub(el, "areaDesc", area.area_desc)
    for ring in area.polygons:
        _sub(el, "polygon", text.format_polygon(ring))
    for circle in area.circles:
        _sub(el, "circle", text.format_circle(circle))
    _pairs(el, "geocode", area.geocodes)
    _sub(el, "altitude", _num(area.altitude))
    _sub(el, "ceiling", _num(area.ceiling))


def _info(parent: etree._Element, info: Info) -> None:
    el = etree.SubElement(parent, f"{{{CAP_NS}}}info")
    _sub(el, "language", info.language)
    for category in info.categories:
        _sub(el, "category", category.value)
    _sub(el, "event", info.event)
    for response in info.response_types:
        _sub(el, "responseType", response.value)
    _sub(el, "urgency", info.urgency.value)
    _sub(el, "severity", info.severity.value)
    _sub(el, "certainty", info.certainty.value)
    _sub(el, "audience", info.audience)
    _pairs(el, "eventCode", info.event_codes)
    _time(el, "effective", info.effective)
    _time(el, "onset", info.onset)
    _time(el, "expires", info.expires)
    for tag, value in (
        ("senderName", info.sender_name),
        ("headline", info.headline),
        ("description", info.description),
        ("instruction", info.instruction),
        ("web", info.web),
        ("contact", info.contact),
    ):
        _sub(el, tag, value)
    _pairs(el, "parameter", info.parameters)
    for res in info.resources:
        _resource(el, res)
    for area in info.areas:
        _area(el, area)


def build_alert(msg: CapMessage) -> bytes:
    """Return the UTF-8 CAP 1.2 XML of ``msg``; raises ``CapValidationError`` if it would be
    invalid."""
    check_message(msg)
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _sub(root, "identifier", msg.identifier)
    _sub(root, "sender", msg.sender)
    _time(root, "sent", msg.sent)
    _sub(root, "status", msg.status.value)
    _sub(root, "msgType", msg.msg_type.value)
    _sub(root, "source", msg.source)
    _sub(root, "scope", msg.scope.value)
    _sub(root, "restriction", msg.restriction)
    _sub(root, "addresses", text.format_list(msg.addresses) if msg.addresses else None)
    for code in msg.codes:
        _sub(root, "code", code)
    _sub(root, "note", msg.note)
    _sub(root, "references", text.format_references(msg.references) or None)
    _sub(root, "incidents", text.format_list(msg.incidents) if msg.incidents else None)
    for info in msg.infos:
        _info(root, info)
    tree = etree.ElementTree(root)
    validate_tree(tree)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)
