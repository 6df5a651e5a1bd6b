"""What the SDMX tests share: data with known numbers, the official schemas, sdmx1 readers.

The references are independent of epibridge: the SDMX TWG's SDMX-ML 2.1 schemas (shipped
unchanged in ``epibridge/gateways/sdmx/xsd``), a structure-specific schema for EPI_OBS written
here by hand from the standard's rules (SDMX 2.1 section 3B: a restriction of the base
types, one attribute per dimension), and the ``sdmx1`` library's readers.
"""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

import sdmx
from lxml import etree
from sqlalchemy.orm import Session, sessionmaker

from tests.epidata.helpers import csv_of, submit

XSD = Path(str(resources.files("epibridge.gateways.sdmx") / "xsd"))
HEADER = "state,area,disease,metric,classification,period_start,period_end,value,age_group,sex"
DSD_NAMESPACE = (
    "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=SCO:EPI_OBS(1.0)"
    ":ObsLevelDim:TIME_PERIOD"
)
_DIMENSIONS = ("FREQ", "REF_AREA", "AREA", "DISEASE", "METRIC", "CLASSIFICATION", "AGE", "SEX")


def load(sessions: sessionmaker[Session]) -> None:
    """Three series with known values: weekly KAZ and KGZ (synthetic), daily KAZ by age/sex."""
    kaz = csv_of(
        "KAZ,,J11,cases,confirmed,2024-01-01,2024-01-07,5,,",
        "KAZ,,J11,cases,confirmed,2024-01-08,2024-01-14,7,,",
        "KAZ,,J11,cases,confirmed,2024-01-15,2024-01-21,,,",
        "KAZ,KZ-75,U07.1,deaths,all,2024-01-29,2024-01-29,1,65+,female",
        "KAZ,KZ-75,U07.1,deaths,all,2024-01-30,2024-01-30,2,65+,female",
        "KAZ,KZ-75,U07.1,deaths,all,2024-02-01,2024-02-01,4,65+,female",
        header=HEADER,
    )
    submit(sessions, kaz, state="KAZ")
    kgz = csv_of(
        "KGZ,,J11,cases,confirmed,2024-01-01,2024-01-07,2,,",
        "KGZ,,J11,cases,confirmed,2024-01-08,2024-01-14,3,,",
        header=HEADER,
    )
    submit(sessions, kgz, state="KGZ", synthetic=True)


def official_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD / "SDMXMessage.xsd")))


def data_schema(tmp: Path) -> etree.XMLSchema:
    """The official message schema plus the hand-written EPI_OBS structure-specific types."""
    series = "\n".join(
        f'<xs:attribute name="{d}" type="common:IDType" use="required"/>' for d in _DIMENSIONS
    )
    (tmp / "epi_obs.xsd").write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{DSD_NAMESPACE}"
  xmlns="{DSD_NAMESPACE}"
  xmlns:dsd="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
  xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
  elementFormDefault="qualified" attributeFormDefault="unqualified">
 <xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
  schemaLocation="{XSD / "SDMXDataStructureSpecific.xsd"}"/>
 <xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
  schemaLocation="{XSD / "SDMXCommon.xsd"}"/>
 <xs:complexType name="DataSetType"><xs:complexContent><xs:restriction base="dsd:DataSetType">
  <xs:sequence>
   <xs:element ref="common:Annotations" minOccurs="0"/>
   <xs:element name="DataProvider" type="common:DataProviderReferenceType" form="unqualified"
    minOccurs="0"/>
   <xs:choice minOccurs="0">
    <xs:element name="Series" type="SeriesType" form="unqualified" maxOccurs="unbounded"/>
   </xs:choice>
  </xs:sequence>
  <xs:attribute name="REPORTING_YEAR_START_DAY" type="xs:gMonthDay" use="prohibited"/>
 </xs:restriction></xs:complexContent></xs:complexType>
 <xs:complexType name="SeriesType"><xs:complexContent><xs:restriction base="dsd:SeriesType">
  <xs:sequence>
   <xs:element ref="common:Annotations" minOccurs="0"/>
   <xs:element name="Obs" type="ObsType" form="unqualified" minOccurs="0" maxOccurs="unbounded"/>
  </xs:sequence>
  {series}
  <xs:attribute name="UNIT_MEASURE" type="common:IDType" use="required"/>
  <xs:attribute name="SYNTHETIC" use="required">
   <xs:simpleType><xs:restriction base="xs:string">
    <xs:enumeration value="Y"/><xs:enumeration value="N"/>
   </xs:restriction></xs:simpleType>
  </xs:attribute>
  <xs:attribute name="TIME_PERIOD" type="common:ObservationalTimePeriodType" use="prohibited"/>
  <xs:attribute name="REPORTING_YEAR_START_DAY" type="xs:gMonthDay" use="prohibited"/>
 </xs:restriction></xs:complexContent></xs:complexType>
 <xs:complexType name="ObsType"><xs:complexContent><xs:restriction base="dsd:ObsType">
  <xs:sequence><xs:element ref="common:Annotations" minOccurs="0"/></xs:sequence>
  <xs:attribute name="type" type="common:IDType" use="prohibited"/>
  <xs:attribute name="TIME_PERIOD" type="common:ObservationalTimePeriodType" use="required"/>
  <xs:attribute name="OBS_VALUE" type="xs:nonNegativeInteger" use="optional"/>
  <xs:attribute name="OBS_STATUS" use="required">
   <xs:simpleType><xs:restriction base="xs:string">
    <xs:enumeration value="A"/><xs:enumeration value="M"/>
   </xs:restriction></xs:simpleType>
  </xs:attribute>
  <xs:attribute name="REPORTING_YEAR_START_DAY" type="xs:gMonthDay" use="prohibited"/>
 </xs:restriction></xs:complexContent></xs:complexType>
</xs:schema>
""")
    (tmp / "both.xsd").write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:test:both">
 <xs:import namespace="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
  schemaLocation="{XSD / "SDMXMessage.xsd"}"/>
 <xs:import namespace="{DSD_NAMESPACE}" schemaLocation="{tmp / "epi_obs.xsd"}"/>
</xs:schema>
""")
    return etree.XMLSchema(etree.parse(str(tmp / "both.xsd")))


def assert_valid(schema: etree.XMLSchema, body: bytes) -> None:
    document = etree.parse(io.BytesIO(body))
    assert schema.validate(document), [str(e) for e in schema.error_log][:5]


def read_structures(body: bytes) -> sdmx.message.StructureMessage:
    return sdmx.read_sdmx(io.BytesIO(body))  # type: ignore[return-value]


def values_by_series(message: sdmx.message.DataMessage) -> dict[tuple[str, ...], list[object]]:
    """sdmx1's reading as {series key: [(TIME_PERIOD, value or None), ...]}."""
    out: dict[tuple[str, ...], list[object]] = {}
    for dataset in message.data:
        for obs in dataset.obs:
            full = (
                {**obs.series_key.values, **obs.dimension.values}
                if obs.series_key
                else (dict(obs.dimension.values))
            )
            key = tuple(str(full[d].value) for d in _DIMENSIONS)
            value = None if obs.value in (None, "") else int(float(obs.value))
            out.setdefault(key, []).append((str(full["TIME_PERIOD"].value), value))
    return {key: sorted(points) for key, points in out.items()}  # type: ignore[type-var]
