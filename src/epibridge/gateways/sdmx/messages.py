"""SDMX-ML 2.1 structure and structure-specific data messages, and SDMX-CSV 2.0 data.

Written with lxml from the plain values of ``model`` and ``query``; the tests read every
message back with the ``sdmx1`` library and validate the SDMX-ML against the official
SDMX 2.1 schemas shipped in ``xsd/``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from lxml import etree

from epibridge.gateways.sdmx.model import (
    ATTRIBUTES,
    CONCEPTS,
    DIMENSIONS,
    FLOW,
    MEASURE,
    SCHEME,
    TIME,
    VERSION,
    Codelist,
    Structures,
)
from epibridge.gateways.sdmx.query import Found, series_key, time_period

STRUCTURE_MEDIA = "application/vnd.sdmx.structure+xml;version=2.1"
CSV_MEDIA = "application/vnd.sdmx.data+csv;version=2.0.0"
XML_MEDIA = "application/vnd.sdmx.structurespecificdata+xml;version=2.1"

_BASE = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/"
MES, STR, COM, SS = (
    _BASE + p for p in ("message", "structure", "common", "data/structurespecific")
)
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _el(parent: etree._Element, ns: str | None, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{ns}}}{tag}" if ns else tag, attrs)


def _names(parent: etree._Element, names: dict[str, str]) -> None:
    for lang, text in names.items():
        _el(parent, COM, "Name").text = text
        parent[-1].set(XML_LANG, lang)


def _header(root: etree._Element, agency: str, prepared: datetime, kind: str) -> etree._Element:
    header = _el(root, MES, "Header")
    _el(header, MES, "ID").text = f"{kind}_{prepared:%Y%m%dT%H%M%S}"
    _el(header, MES, "Test").text = "false"
    _el(header, MES, "Prepared").text = prepared.strftime("%Y-%m-%dT%H:%M:%SZ")
    _el(header, MES, "Sender", id=agency)
    return header


def _ref(parent: etree._Element, agency: str, **attrs: str) -> None:
    _el(parent, None, "Ref", agencyID=agency, **attrs)


def _maintainable(
    parent: etree._Element, tag: str, cls: str, agency: str, ident: str, name: str
) -> etree._Element:
    urn = f"urn:sdmx:org.sdmx.infomodel.{cls}={agency}:{ident}({VERSION})"
    element = _el(parent, STR, tag, id=ident, agencyID=agency, version=VERSION, urn=urn)
    _names(element, {"en": name})
    return element


def _concept_ref(parent: etree._Element, agency: str, concept: str) -> None:
    identity = _el(parent, STR, "ConceptIdentity")
    _ref(
        identity,
        agency,
        id=concept,
        maintainableParentID=SCHEME,
        maintainableParentVersion=VERSION,
        package="conceptscheme",
        **{"class": "Concept"},
    )


def _enumeration(parent: etree._Element, agency: str, codelist: str) -> None:
    representation = _el(parent, STR, "LocalRepresentation")
    enumeration = _el(representation, STR, "Enumeration")
    _ref(
        enumeration,
        agency,
        id=codelist,
        version=VERSION,
        package="codelist",
        **{"class": "Codelist"},
    )


def _dsd(parent: etree._Element, agency: str) -> None:
    dsd = _maintainable(
        parent,
        "DataStructure",
        "datastructure.DataStructure",
        agency,
        FLOW,
        "Epidemic observations of the member states",
    )
    components = _el(dsd, STR, "DataStructureComponents")
    dimensions = _el(components, STR, "DimensionList", id="DimensionDescriptor")
    for position, dimension in enumerate(DIMENSIONS, start=1):
        element = _el(dimensions, STR, "Dimension", id=dimension.id, position=str(position))
        _concept_ref(element, agency, dimension.id)
        _enumeration(element, agency, dimension.codelist or "")
    time = _el(dimensions, STR, "TimeDimension", id=TIME, position=str(len(DIMENSIONS) + 1))
    _concept_ref(time, agency, TIME)
    representation = _el(time, STR, "LocalRepresentation")
    _el(representation, STR, "TextFormat", textType="ObservationalTimePeriod")
    attributes = _el(components, STR, "AttributeList", id="AttributeDescriptor")
    for attribute in ATTRIBUTES:
        element = _el(attributes, STR, "Attribute", id=attribute.id, assignmentStatus="Mandatory")
        _concept_ref(element, agency, attribute.id)
        _enumeration(element, agency, attribute.codelist or "")
        relationship = _el(element, STR, "AttributeRelationship")
        if attribute.attached == "obs":
            _el(_el(relationship, STR, "PrimaryMeasure"), None, "Ref", id=MEASURE)
        else:
            for dimension in DIMENSIONS:
                _el(_el(relationship, STR, "Dimension"), None, "Ref", id=dimension.id)
    measures = _el(components, STR, "MeasureList", id="MeasureDescriptor")
    measure = _el(measures, STR, "PrimaryMeasure", id=MEASURE)
    _concept_ref(measure, agency, MEASURE)


def _codelist(parent: etree._Element, agency: str, codelist: Codelist) -> None:
    element = _maintainable(
        parent, "Codelist", "codelist.Codelist", agency, codelist.id, codelist.name
    )
    for code in codelist.codes:
        _names(_el(element, STR, "Code", id=code.id), code.names)


def structure_message(
    structures: Structures, kinds: Iterable[str], codelists: Iterable[str], prepared: datetime
) -> bytes:
    """A structure message holding ``kinds`` (``references.RESOURCES``), the code lists limited to
    ``codelists`` (ids)."""
    wanted, agency = set(kinds), structures.agency
    root = etree.Element(f"{{{MES}}}Structure", nsmap={"mes": MES, "str": STR, "com": COM})
    _header(root, agency, prepared, "STRUCTURE")
    body = _el(root, MES, "Structures")
    if "dataflow" in wanted:
        flows = _el(body, STR, "Dataflows")
        flow = _maintainable(
            flows,
            "Dataflow",
            "datastructure.Dataflow",
            agency,
            FLOW,
            "Epidemic observations of the member states",
        )
        _ref(
            _el(flow, STR, "Structure"),
            agency,
            id=FLOW,
            version=VERSION,
            package="datastructure",
            **{"class": "DataStructure"},
        )
    chosen = [structures.codelists[c] for c in codelists if c in structures.codelists]
    if "codelist" in wanted and chosen:
        lists = _el(body, STR, "Codelists")
        for codelist in chosen:
            _codelist(lists, agency, codelist)
    if "conceptscheme" in wanted:
        scheme = _maintainable(
            _el(body, STR, "Concepts"),
            "ConceptScheme",
            "conceptscheme.ConceptScheme",
            agency,
            SCHEME,
            "Concepts of the epidemic observations",
        )
        for ident, name in CONCEPTS:
            _names(_el(scheme, STR, "Concept", id=ident), {"en": name})
    if "datastructure" in wanted:
        _dsd(_el(body, STR, "DataStructures"), agency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _attributes(found: Found) -> dict[str, str]:
    return {"UNIT_MEASURE": "NUMBER", "SYNTHETIC": "Y" if found.series.synthetic else "N"}


def structure_specific(structures: Structures, found: list[Found], prepared: datetime) -> bytes:
    """The series as an SDMX-ML 2.1 structure-specific data message, TIME_PERIOD at the
    observation level."""
    agency = structures.agency
    namespace = f"{structures.dsd_urn}:ObsLevelDim:{TIME}"
    nsmap = {"mes": MES, "ss": SS, "com": COM, "xsi": XSI, "ns1": namespace}
    root = etree.Element(f"{{{MES}}}StructureSpecificData", nsmap=nsmap)
    header = _header(root, agency, prepared, "DATA")
    structure_id = f"{agency}_{FLOW}_{VERSION.replace('.', '_')}"
    used = _el(
        header,
        MES,
        "Structure",
        structureID=structure_id,
        namespace=namespace,
        dimensionAtObservation=TIME,
    )
    _ref(_el(used, COM, "Structure"), agency, id=FLOW, version=VERSION)
    dataset = _el(root, MES, "DataSet")
    dataset.set(f"{{{SS}}}structureRef", structure_id)
    dataset.set(f"{{{XSI}}}type", "ns1:DataSetType")
    dataset.set(f"{{{SS}}}dataScope", "DataStructure")
    for item in found:
        series = _el(dataset, None, "Series", **series_key(item), **_attributes(item))
        for point in item.series.points:
            obs = _el(series, None, "Obs", TIME_PERIOD=time_period(point, item.frequency))
            if point.value is None:
                obs.set("OBS_STATUS", "M")
            else:
                obs.set("OBS_VALUE", str(point.value))
                obs.set("OBS_STATUS", "A")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


CSV_COLUMNS = (
    "STRUCTURE",
    "STRUCTURE_ID",
    "ACTION",
    *(d.id for d in DIMENSIONS),
    TIME,
    MEASURE,
    *(a.id for a in ATTRIBUTES),
)


def sdmx_csv(structures: Structures, found: list[Found]) -> bytes:
    """The series as SDMX-CSV 2.0: one row per observation, the dataflow in the first two
    columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    flow = f"{structures.agency}:{FLOW}({VERSION})"
    for item in found:
        key = list(series_key(item).values())
        attributes = _attributes(item)
        for point in item.series.points:
            missing = point.value is None
            writer.writerow(
                [
                    "dataflow",
                    flow,
                    "I",  # information: the values as they stand, for reading
                    *key,
                    time_period(point, item.frequency),
                    "" if missing else point.value,
                    attributes["UNIT_MEASURE"],
                    attributes["SYNTHETIC"],
                    "M" if missing else "A",
                ]
            )
    return buffer.getvalue().encode()
