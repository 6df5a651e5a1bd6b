"""Read an untrusted CAP 1.2 alert into a ``CapMessage``.

Order matters: size check, safe parse (no DTD, no entities, no network), schema validation, and
only then field extraction, so the extraction code can rely on the schema's structure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from lxml import etree

from epibridge.errors import reason_of
from epibridge.notifications.cap import text
from epibridge.notifications.cap.model import (
    CAP_NS,
    Area,
    CapMessage,
    Info,
    Resource,
    ValuePair,
)
from epibridge.notifications.cap.schema import (
    DEFAULT_MAX_BYTES,
    CapValidationError,
    Issue,
    element_path,
    safe_parse,
    validate_tree,
)

__all__ = ["parse_alert"]

_T = TypeVar("_T")


def _all(el: etree._Element, tag: str) -> list[etree._Element]:
    return el.findall(f"{{{CAP_NS}}}{tag}")


def _raw(el: etree._Element, tag: str) -> str | None:
    child = el.find(f"{{{CAP_NS}}}{tag}")
    if child is None or not child.text:
        return None
    return child.text


def _token(el: etree._Element, tag: str) -> str | None:
    value = _raw(el, tag)
    return value.strip() if value is not None and value.strip() else None


def _convert(node: etree._Element, func: Callable[[str], _T]) -> _T:
    """Apply a text format parser; blame the node's line and path when the text is malformed."""
    try:
        return func(node.text or "")
    except ValueError as exc:
        reason = reason_of(exc)
        raise CapValidationError(Issue(node.sourceline, element_path(node), reason)) from None


def _time(el: etree._Element, tag: str) -> datetime | None:
    child = el.find(f"{{{CAP_NS}}}{tag}")
    return None if child is None else _convert(child, text.parse_time)


def _pairs(el: etree._Element, tag: str) -> tuple[ValuePair, ...]:
    return tuple(
        ValuePair(_raw(p, "valueName") or "", _raw(p, "value") or "") for p in _all(el, tag)
    )


def _float(el: etree._Element, tag: str) -> float | None:
    value = _token(el, tag)
    return None if value is None else float(value)


def _area(el: etree._Element) -> Area:
    return Area(
        area_desc=_raw(el, "areaDesc") or "",
        polygons=tuple(_convert(p, text.parse_polygon) for p in _all(el, "polygon")),
        circles=tuple(_convert(c, text.parse_circle) for c in _all(el, "circle")),
        geocodes=_pairs(el, "geocode"),
        altitude=_float(el, "altitude"),
        ceiling=_float(el, "ceiling"),
    )


def _resource(el: etree._Element) -> Resource:
    size = _token(el, "size")
    return Resource(
        resource_desc=_raw(el, "resourceDesc") or "",
        mime_type=_token(el, "mimeType") or "",
        size=None if size is None else int(size),
        uri=_token(el, "uri"),
        deref_uri=_raw(el, "derefUri"),
        digest=_token(el, "digest"),
    )


def _info(el: etree._Element) -> Info:
    return Info(
        language=_token(el, "language") or "en-US",  # the schema's default
        categories=tuple((c.text or "").strip() for c in _all(el, "category")),
        event=_raw(el, "event") or "",
        response_types=tuple((r.text or "").strip() for r in _all(el, "responseType")),
        urgency=_token(el, "urgency"),
        severity=_token(el, "severity"),
        certainty=_token(el, "certainty"),
        audience=_raw(el, "audience"),
        event_codes=_pairs(el, "eventCode"),
        effective=_time(el, "effective"),
        onset=_time(el, "onset"),
        expires=_time(el, "expires"),
        sender_name=_raw(el, "senderName"),
        headline=_raw(el, "headline"),
        description=_raw(el, "description"),
        instruction=_raw(el, "instruction"),
        web=_token(el, "web"),
        contact=_raw(el, "contact"),
        parameters=_pairs(el, "parameter"),
        resources=tuple(_resource(r) for r in _all(el, "resource")),
        areas=tuple(_area(a) for a in _all(el, "area")),
    )


def parse_alert(xml: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> CapMessage:
    """Parse, validate and return an alert; raises ``CapValidationError`` on any problem."""
    tree = safe_parse(xml, max_bytes=max_bytes)
    validate_tree(tree)
    root = tree.getroot()
    refs = root.find(f"{{{CAP_NS}}}references")
    addresses = _raw(root, "addresses")
    incidents = _raw(root, "incidents")
    sent_node = root.find(f"{{{CAP_NS}}}sent")
    return CapMessage(
        identifier=_token(root, "identifier") or "",
        sender=_token(root, "sender") or "",
        sent=_convert(sent_node, text.parse_time),
        status=_token(root, "status"),
        msg_type=_token(root, "msgType"),
        source=_raw(root, "source"),
        scope=_token(root, "scope"),
        restriction=_raw(root, "restriction"),
        addresses=text.parse_list(addresses) if addresses else (),
        codes=tuple(c.text for c in _all(root, "code") if c.text),
        note=_raw(root, "note"),
        references=_convert(refs, text.parse_references) if refs is not None else (),
        incidents=text.parse_list(incidents) if incidents else (),
        infos=tuple(_info(i) for i in _all(root, "info")),
    )
