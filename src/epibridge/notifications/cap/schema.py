"""Safe XML reading and validation against the bundled OASIS CAP 1.2 schema.

Alerts come from other states' systems, so every byte is untrusted: the parser never loads a DTD,
never resolves an entity, never touches the network, and any document with a DOCTYPE is refused
outright (CAP has no use for one; DOCTYPEs are how entity bombs and XXE get in). The schema is
loaded on first use and cached, so importing this module costs nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources

import defusedxml
from defusedxml import ElementTree as defused
from lxml import etree

from epibridge.i18n import N_, Text
from epibridge.notifications.cap.model import CAP_NS
from epibridge.notifications.cap.schema_messages import schema_reason

__all__ = ["DEFAULT_MAX_BYTES", "CapValidationError", "Issue", "safe_parse", "validate"]

DEFAULT_MAX_BYTES = 1024 * 1024
"""Largest alert accepted by default (1 MiB); real CAP alerts are a few kilobytes."""

_SCHEMA_LOCK = threading.Lock()  # an lxml XMLSchema keeps its error log on the object


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in an alert: where (line, element path) and why."""

    line: int | None
    path: str | None
    reason: str

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"line {self.line}" if self.line else "",
                self.path or "",
            )
            if part
        )
        return f"{where}: {self.reason}" if where else self.reason


class CapValidationError(ValueError):
    """The bytes are not an acceptable CAP 1.2 alert; ``issues`` lists every problem found."""

    def __init__(self, issues: list[Issue] | Issue | str) -> None:
        if isinstance(issues, str):
            issues = [Issue(None, None, issues)]
        elif isinstance(issues, Issue):
            issues = [issues]
        self.issues: tuple[Issue, ...] = tuple(issues)
        lines = "; ".join(str(issue) for issue in self.issues)
        super().__init__(f"invalid CAP 1.2 alert: {lines}")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_pis=True,
    )


def _refuse_doctype(xml: bytes) -> None:
    """Stop at the first DOCTYPE, before any entity is even declared, let alone expanded.

    defusedxml's expat parser raises at the DOCTYPE's first byte (``forbid_dtd``); documents it
    cannot read are left to lxml, which reports them better, and ``safe_parse`` checks lxml's
    result again.
    """
    try:
        defused.fromstring(xml, forbid_dtd=True)
    except defusedxml.DTDForbidden:
        raise CapValidationError(_DOCTYPE_REFUSED) from None
    except defused.ParseError:
        return


_DOCTYPE_REFUSED = Text(
    N_(
        "DOCTYPE declarations are not allowed in CAP alerts "
        "(entities and external references are refused, nothing was resolved)"
    )
)


def safe_parse(xml: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree:
    """Parse untrusted bytes without ever expanding an entity or reading outside the document."""
    if not isinstance(xml, bytes | bytearray | memoryview):
        raise TypeError(f"CAP alert must be bytes, got {type(xml).__name__}")
    xml = bytes(xml)
    if len(xml) > max_bytes:
        raise CapValidationError(
            Text(
                N_("alert is {size} bytes, larger than the limit of {limit} bytes"),
                {"size": len(xml), "limit": max_bytes},
            )
        )
    if not xml.strip():
        raise CapValidationError(Text(N_("alert is empty")))
    _refuse_doctype(xml)
    try:
        tree = etree.ElementTree(etree.fromstring(xml, _parser()))
    except etree.XMLSyntaxError as exc:
        reason = Text(N_("malformed XML: {error}"), {"error": exc.msg})
        raise CapValidationError(Issue(exc.lineno, None, reason)) from None
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise CapValidationError(_DOCTYPE_REFUSED)
    for node in tree.iter(etree.Entity):
        raise CapValidationError(
            Issue(
                node.sourceline,
                None,
                Text(N_("entity reference {entity} is not allowed"), {"entity": node.text}),
            )
        )
    return tree


@cache
def _schema() -> etree.XMLSchema:
    ref = resources.files("epibridge.notifications").joinpath("schemas_cap", "CAP-v1.2.xsd")
    doc = etree.fromstring(ref.read_bytes(), _parser())
    return etree.XMLSchema(doc)


def element_path(node: etree._Element) -> str:
    """Return ``/alert/info[2]/urgency``: the namespace-free path a person can follow."""
    parts = []
    current: etree._Element | None = node
    while current is not None:
        name = etree.QName(current).localname
        parent = current.getparent()
        same = [] if parent is None else [c for c in parent if c.tag == current.tag]
        parts.append(f"{name}[{same.index(current) + 1}]" if len(same) > 1 else name)
        current = parent
    return "/" + "/".join(reversed(parts))


def _readable_path(tree: etree._ElementTree, path: str | None) -> str | None:
    """Turn lxml's ``/*/*[12]/*[3]`` into ``element_path`` form for the error message."""
    if not path:
        return path
    try:
        nodes = tree.xpath(path)
    except etree.XPathError:
        return path
    if isinstance(nodes, list) and len(nodes) == 1 and isinstance(nodes[0], etree._Element):
        return element_path(nodes[0])
    return path


def validate_tree(tree: etree._ElementTree) -> None:
    """Validate a parsed document; raises ``CapValidationError`` listing every schema error."""
    root = tree.getroot()
    qname = etree.QName(root)
    if qname.localname != "alert" or qname.namespace != CAP_NS:
        found = f"{{{qname.namespace}}}{qname.localname}" if qname.namespace else qname.localname
        raise CapValidationError(
            Issue(
                root.sourceline,
                "/" + qname.localname,
                Text(
                    N_("root element is {found}; a CAP 1.2 alert is {expected}"),
                    {"found": found, "expected": f"{{{CAP_NS}}}alert"},
                ),
            )
        )
    schema = _schema()
    with _SCHEMA_LOCK:
        if schema.validate(tree):
            return
        errors = [
            Issue(
                err.line or None,
                _readable_path(tree, err.path),
                schema_reason(err.message.replace("{" + CAP_NS + "}", "")),
            )
            for err in schema.error_log
        ]
    failed = Issue(None, None, Text(N_("schema validation failed")))
    raise CapValidationError(errors or [failed])


def validate(xml: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Check that ``xml`` is a CAP 1.2 alert valid against the OASIS schema.

    Raises ``CapValidationError`` whose issues give line, element path and reason.
    """
    validate_tree(safe_parse(xml, max_bytes=max_bytes))
