"""Reading untrusted EDXL documents and checking them against the bundled OASIS schemas.

Documents come from other systems, so every byte is untrusted: a DOCTYPE is refused before
anything is declared (defusedxml), lxml never loads a DTD, expands an entity or touches the
network, and the schemas are opened by a resolver that only knows the files shipped in
``xsd/`` (see ``xsd/SOURCE.md``). Every problem is a ``FieldError`` named by the element path
(``/RequestResource/ResourceInformation[2]/Resource/TypeStructure/Value``).
"""

from __future__ import annotations

import re
import threading
from functools import cache
from importlib import resources
from pathlib import Path

import defusedxml
from defusedxml import ElementTree as defused
from lxml import etree

from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_, Text
from epibridge.notifications.cap.schema import element_path
from epibridge.notifications.cap.schema_messages import schema_reason

RM_MSG_NS = "urn:oasis:names:tc:emergency:EDXL:RM:1.0:msg"
RM_NS = "urn:oasis:names:tc:emergency:EDXL:RM:1.0"
DE_NS = "urn:oasis:names:tc:emergency:EDXL:DE:2.0"
CT_NS = "urn:oasis:names:tc:emergency:edxl:ct:1.0"
XAL_NS = "urn:oasis:names:tc:ciq:xal:3"
GEO_NS = "urn:oasis:names:tc:emergency:EDXL:HAVE:1.0:geo-oasis"
GML_NS = "http://www.opengis.net/gml"
MAX_BYTES = 1024 * 1024
"""Largest document accepted (1 MiB); an EDXL message is a few kilobytes."""

#: The EDXL-RM messages spoken, and the schema file of each.
RM_MESSAGES = {
    "RequestResource": "EDXL-RMRequestResource.xsd",
    "ResponseToRequestResource": "EDXL-RMResponseToRequestResource.xsd",
    "CommitResource": "EDXL-RMCommitResource.xsd",
}
_LOCK = threading.Lock()  # an lxml XMLSchema keeps its error log on the object
_NAMESPACE = re.compile(r"\{(?:urn:|https?://)[^}]*\}")


def xsd_dir() -> Path:
    return Path(str(resources.files("epibridge.gateways.edxl").joinpath("xsd")))


class _Local(etree.Resolver):
    """Open a schema only from the bundled files; anything else (the network) is refused."""

    def resolve(self, url: str | None, pubid: str | None, context: object) -> object:
        root = xsd_dir().resolve()
        path = Path((url or "").removeprefix("file://")).resolve()
        if path.name == "xlinks.xsd":  # UICDS's gml-oasis.xsd says ../../xlink/1.0.0/
            path = root / "rm" / path.name
        if path != _cap_xsd().resolve() and root not in path.parents:
            raise etree.XMLSchemaParseError(f"schema outside the bundle refused: {url}")
        return self.resolve_filename(str(path), context)


def _parser(resolver: bool = False) -> etree.XMLParser:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_pis=True,
    )
    if resolver:
        parser.resolvers.add(_Local())
    return parser


def _cap_xsd() -> Path:
    ref = resources.files("epibridge.notifications").joinpath("schemas_cap", "CAP-v1.2.xsd")
    return Path(str(ref))


def _load(path: Path, text: bytes | None = None) -> etree.XMLSchema:
    parser = _parser(resolver=True)
    if text is None:
        doc = etree.parse(str(path), parser)
    else:
        doc = etree.ElementTree(etree.fromstring(text, parser, base_url=str(path)))
    return etree.XMLSchema(doc)


@cache
def rm_schema(message: str) -> etree.XMLSchema:
    return _load(xsd_dir() / "rm" / RM_MESSAGES[message])


@cache
def de_schema() -> etree.XMLSchema:
    """EDXL-DE 2.0 with CAP 1.2 beside it, so an embedded alert is checked in the same pass."""
    de = xsd_dir() / "de" / "edxl-de-v2.0.xsd"
    driver = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        f'<xs:import namespace="{DE_NS}" schemaLocation="{de}"/>'
        '<xs:import namespace="urn:oasis:names:tc:emergency:cap:1.2" '
        f'schemaLocation="{_cap_xsd()}"/>'
        "</xs:schema>"
    )
    return _load(de.with_name("driver.xsd"), driver.encode())


def _refuse(reason: str, path: str = "body", value: object = None) -> InvalidInput:
    return InvalidInput(N_("the EDXL document is refused"), [FieldError(path, reason, value)])


def parse(xml: bytes) -> etree._ElementTree:
    """Parse untrusted bytes without expanding an entity or reading outside the document."""
    if len(xml) > MAX_BYTES:
        raise _refuse(
            Text(N_("larger than the limit of {limit} bytes"), {"limit": MAX_BYTES}), value=len(xml)
        )
    if not xml.strip():
        raise _refuse(N_("the document is empty"))
    try:
        defused.fromstring(xml, forbid_dtd=True)
    except defusedxml.DTDForbidden:
        raise _refuse(N_("a DOCTYPE is not allowed (nothing was resolved)")) from None
    except (defused.ParseError, ValueError):
        pass  # lxml says better what is wrong
    except defusedxml.DefusedXmlException:
        raise _refuse(N_("a DOCTYPE is not allowed (nothing was resolved)")) from None
    try:
        tree = etree.ElementTree(etree.fromstring(xml, _parser()))
    except etree.XMLSyntaxError as exc:
        raise _refuse(
            Text(N_("malformed XML: {error}"), {"error": exc.msg}), f"line {exc.lineno}"
        ) from None
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _refuse(N_("a DOCTYPE is not allowed (nothing was resolved)"))
    return tree


def _readable(tree: etree._ElementTree, path: str | None) -> str:
    if not path:
        return "body"
    prefixes = {p: ns for node in tree.iter(etree.Element) for p, ns in node.nsmap.items() if p}
    try:
        nodes = tree.xpath(path, namespaces=prefixes)
    except etree.XPathError:
        return path
    if isinstance(nodes, list) and len(nodes) == 1 and isinstance(nodes[0], etree._Element):
        return element_path(nodes[0])
    return path


def validate(tree: etree._ElementTree, schema: etree.XMLSchema) -> None:
    """Raise ``InvalidInput`` naming every schema error by its element path."""
    with _LOCK:
        if schema.validate(tree):
            return
        errors = [
            FieldError(_readable(tree, err.path), schema_reason(_NAMESPACE.sub("", err.message)))
            for err in list(schema.error_log)[:50]
        ]
    raise InvalidInput(N_("the document is not valid against the OASIS schema"), errors)


def root_name(tree: etree._ElementTree) -> tuple[str | None, str]:
    qname = etree.QName(tree.getroot())
    return qname.namespace, qname.localname


def wrong_root(tree: etree._ElementTree, expected: str) -> InvalidInput:
    namespace, name = root_name(tree)
    found = f"{{{namespace}}}{name}" if namespace else name
    return _refuse(
        Text(
            N_("the root element is {found}; expected {expected}"),
            {"found": found, "expected": expected},
        ),
        "/" + name,
        found,
    )


def path_of(node: etree._Element) -> str:
    return element_path(node)
