"""What a schema-valid EDXL-RM message says, as the assistance service's inputs.

Pure reading (no database): each value is taken with the element path it came from, so a
refusal by the pydantic models or by the service names the element, not our field. The
mapping is the inverse of ``rm_build`` (docs/gateways/edxl.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pycountry
from lxml import etree

from epibridge.errors import FieldError, InvalidInput
from epibridge.gateways.edxl import rm_build
from epibridge.gateways.edxl.documents import RM_MSG_NS, RM_NS, XAL_NS, path_of
from epibridge.i18n import N_

_NS = {"m": RM_MSG_NS, "rm": RM_NS, "xal": XAL_NS, "gml": rm_build.GML_NS}
_INCIDENT = re.compile(r"^epibridge-[A-Z]{3}-(\d{1,12})$")
_OURS = re.compile(r"^urn:epibridge:assistance:(request|offer|commitment):(\d{1,12})$")


@dataclass
class Reading:
    """The values found, and where each field's value sits in the document."""

    values: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)

    def put(self, key: str, value: Any, node: etree._Element | str) -> None:
        self.values[key] = value
        self.paths[key] = node if isinstance(node, str) else path_of(node)

    def where(self, key: str, default: str) -> str:
        """The element of a field (``lines.0.unit``), or of its nearest parent, else default."""
        parts = key.split(".")
        while parts:
            found = self.paths.get(".".join(parts))
            if found:
                return found
            parts.pop()
        return default


def _one(node: etree._Element, path: str) -> etree._Element | None:
    found = node.xpath(path, namespaces=_NS)
    return found[0] if found else None


def _text(node: etree._Element | None) -> str | None:
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def _day(node: etree._Element) -> date:
    """The calendar day an xsd:dateTime names, as written (schema-valid, so it parses)."""
    try:
        return datetime.fromisoformat(node.text.strip().replace("Z", "+00:00")).date()
    except ValueError:
        raise refused(path_of(node), N_("not a date this system can store"), node.text) from None


def refused(path: str, message: str, value: object = None, **params: Any) -> InvalidInput:
    return InvalidInput(
        N_("the EDXL-RM message cannot be imported"),
        [FieldError(path, message, value, params=params or None)],
    )


def our_id(node: etree._Element, kind: str) -> int:
    """The number of ``urn:epibridge:assistance:<kind>:<n>``; refused when it is not ours."""
    match = _OURS.match(_text(node) or "")
    if match is None or match.group(1) != kind:
        raise refused(
            path_of(node),
            N_("not a {kind} of this system (urn:epibridge:assistance:{kind}:<id>)"),
            _text(node),
            kind=kind,
        )
    return int(match.group(2))


def _country(contact: etree._Element) -> str | None:
    element = _one(contact, "rm:ContactLocation/rm:Address/xal:Country/xal:NameElement")
    if element is None:
        return None
    code = (element.get(f"{{{XAL_NS}}}NameCode") or element.text or "").strip().upper()
    country = pycountry.countries.get(
        **({"alpha_2": code} if len(code) == 2 else {"alpha_3": code})
    )
    if country is None:
        raise refused(path_of(element), N_("not an ISO 3166 country code"), code)
    return country.alpha_3


def party(root: etree._Element, role: str, reading: Reading, key: str) -> bool:
    """Put the state of the contact of ``role`` (else the first) under ``key``; whether found."""
    contacts = root.xpath("m:ContactInformation", namespaces=_NS)
    chosen = [c for c in contacts if _text(_one(c, "rm:ContactRole")) == role] or contacts
    state = _country(chosen[0])
    if state is not None:
        reading.put(key, state, path_of(chosen[0]) + "/ContactLocation/Address/Country")
        return True
    return False


def event(root: etree._Element, reading: Reading) -> None:
    for node in root.xpath("m:IncidentInformation/rm:IncidentID", namespaces=_NS):
        match = _INCIDENT.match(_text(node) or "")
        if match:
            reading.put("event_id", int(match.group(1)), node)
            return


def _keyword(resource: etree._Element, urn: str) -> etree._Element | None:
    for keyword in resource.xpath("m:Keyword", namespaces=_NS):
        if _text(_one(keyword, "rm:ValueListURN")) == urn:
            return _one(keyword, "rm:Value")
    return None


def _line(info: etree._Element, index: int, reading: Reading, units: dict[str, str]) -> None:
    where = f"lines.{index}"
    type_value = _one(info, "m:Resource/m:TypeStructure/rm:Value")
    type_list = _one(info, "m:Resource/m:TypeStructure/rm:ValueListURN")
    if type_value is None or _text(type_list) != rm_build.CATALOGUE_LIST:
        raise refused(
            path_of(info) + "/Resource/TypeStructure",
            N_("name the item by the value list {urn}"),
            _text(type_list),
            urn=rm_build.CATALOGUE_LIST,
        )
    item = _text(type_value) or ""
    reading.put(f"{where}.item", item, type_value)
    amount = _one(info, "m:AssignmentInformation/m:Quantity/rm:MeasuredQuantity/rm:Amount")
    if amount is None:
        raise refused(
            path_of(info) + "/AssignmentInformation/Quantity",
            N_("give the quantity as MeasuredQuantity/Amount"),
        )
    number = float(amount.text)
    if not number.is_integer() or abs(number) > 2**31:
        raise refused(path_of(amount), N_("must be a whole number"), amount.text)
    reading.put(f"{where}.quantity", int(number), amount)
    unit = _one(amount.getparent(), "rm:UnitOfMeasure/rm:Value")
    if unit is not None:
        reading.put(f"{where}.unit", _text(unit) or "", unit)
    else:  # no unit said: the catalogue's own unit of the item
        reading.put(f"{where}.unit", units.get(item, "piece"), amount)
    note = _one(info, "m:Resource/m:Description")
    if _text(note):
        reading.put(f"{where}.note", _text(note), note)


def lines(root: etree._Element, reading: Reading, units: dict[str, str]) -> list[etree._Element]:
    infos = root.xpath("m:ResourceInformation", namespaces=_NS)
    for index, info in enumerate(infos):
        _line(info, index, reading, units)
    count = len(infos)
    reading.values["lines"] = [
        {k.split(".", 2)[2]: v for k, v in reading.values.items() if k.startswith(f"lines.{i}.")}
        for i in range(count)
    ]
    for key in [k for k in reading.values if k.startswith("lines.")]:
        del reading.values[key]
    return infos


def keyword(info: etree._Element, urn: str, reading: Reading, key: str) -> None:
    resource = _one(info, "m:Resource")
    value = _keyword(resource, urn) if resource is not None else None
    if value is not None:
        reading.put(key, _text(value), value)


def schedule(info: etree._Element, kind: str) -> etree._Element | None:
    for node in info.xpath("m:ScheduleInformation", namespaces=_NS):
        if _text(_one(node, "m:ScheduleType")) == kind:
            return node
    return None


def scheduled_day(info: etree._Element, kind: str, reading: Reading, key: str) -> None:
    node = schedule(info, kind)
    when = _one(node, "m:DateTime") if node is not None else None
    if when is not None:
        reading.put(key, _day(when), when)


def delivery(info: etree._Element, reading: Reading) -> None:
    """needed_by, delivery point and coordinates from the RequestedArrival schedule."""
    node = schedule(info, "RequestedArrival")
    if node is None:
        raise refused(
            path_of(info),
            N_("a request needs a RequestedArrival schedule (date and delivery point)"),
        )
    when = _one(node, "m:DateTime")
    if when is not None:
        reading.put("needed_by", _day(when), when)
    place = _one(node, "m:Location/rm:LocationDescription")
    if _text(place):
        reading.put("delivery_point", _text(place), place)
    pos = _one(node, "m:Location/rm:TargetArea//gml:pos")
    if pos is not None:
        parts = (pos.text or "").split()
        try:
            latitude, longitude = (float(p) for p in parts)
        except ValueError:
            raise refused(path_of(pos), N_("give latitude then longitude"), pos.text) from None
        reading.put("delivery_latitude", latitude, pos)
        reading.put("delivery_longitude", longitude, pos)
