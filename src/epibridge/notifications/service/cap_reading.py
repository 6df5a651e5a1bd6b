"""What a CAP 1.2 alert says, read without the database: its state, its fields, its faults.

``cap_import`` applies an alert to the events; everything it first asks of the alert is here
(which state it comes from, whether it is a notification at all, which event fields it
carries, where in the alert a refused field sits), so the rules of reading CAP can be read,
and tested, apart from the rules of changing events.
"""

from __future__ import annotations

from typing import Any

import pycountry
from pydantic import ValidationError

from epibridge.errors import DomainError, FieldError, InvalidInput, reason_of
from epibridge.i18n import N_
from epibridge.notifications import cap as caplib
from epibridge.notifications.diseases import UNKNOWN
from epibridge.notifications.service import common
from epibridge.notifications.statuses import EventMode
from epibridge.security import Visibility
from epibridge.text import printable
from epibridge.text import problem as text_problem
from epibridge.validation_messages import field_error

_MODE_BY_STATUS = {
    caplib.Status.ACTUAL: EventMode.ACTUAL,
    caplib.Status.EXERCISE: EventMode.EXERCISE,
    caplib.Status.TEST: EventMode.TEST,
}
# Sponsored top-level domains reserved to the United States government and institutions.
_US_ONLY_TLDS = {"gov", "mil", "edu"}
_ICD10_NAMES = {"ICD-10", "ICD10", "ICD"}
_PARAMS = common.COUNT_FIELDS


def _issues(exc: caplib.CapValidationError) -> list[FieldError]:
    return [
        FieldError(
            issue.path or "body",
            N_("line {line}: {reason}") if issue.line else issue.reason,
            params={"line": issue.line, "reason": issue.reason} if issue.line else None,
        )
        for issue in exc.issues
    ]


def _sender_state(msg: caplib.CapMessage) -> str | None:
    """The state a CAP alert's sender names (``urn:epibridge:KAZ:...`` or a national domain)."""
    sender = msg.sender.strip()
    if sender.lower().startswith("urn:epibridge:"):
        return sender.split(":")[2].upper()
    domain = sender.rpartition("@")[2] if "@" in sender else sender
    if "." in domain and "/" not in domain and ":" not in domain:
        tld = domain.rstrip(".").rpartition(".")[2].lower()
        if tld in _US_ONLY_TLDS:
            return "USA"
        country = pycountry.countries.get(alpha_2="GB" if tld == "uk" else tld.upper())
        if len(tld) == 2 and country is not None:
            return country.alpha_3
    return None


def _geocode_states(msg: caplib.CapMessage) -> dict[str, str]:
    """ISO3 of each state the alert's ISO 3166 geocodes name -> the first such geocode."""
    found: dict[str, str] = {}
    for info in msg.infos:
        for area in info.areas:
            for code in area.geocodes:
                name = code.value_name.upper()
                value = code.value.strip().upper()
                if name == caplib.GEOCODE_ISO3166_2 and "-" in value:
                    country = pycountry.countries.get(alpha_2=value.split("-")[0])
                elif name == caplib.GEOCODE_ISO3166_1:
                    country = pycountry.countries.get(
                        **({"alpha_2": value} if len(value) == 2 else {"alpha_3": value})
                    )
                else:
                    continue
                if country is not None:
                    found.setdefault(country.alpha_3, value)
    return found


def alert_state(msg: caplib.CapMessage) -> str | None:
    """The state a CAP alert comes from: by its sender, else by its ISO 3166 geocodes."""
    sender = _sender_state(msg)
    if sender is not None:
        return sender
    found = _geocode_states(msg)
    return next(iter(found)) if len(found) == 1 else None


def check_geocodes(msg: caplib.CapMessage, state: str) -> None:
    """Refuse an alert whose area lies in another state than the one it comes from.

    A state notifies events on its own territory; an alert from a Kazakh sender with a
    Kyrgyz geocode is either a mistake or one state writing for another.
    """
    foreign = {iso3: code for iso3, code in _geocode_states(msg).items() if iso3 != state}
    if foreign:
        raise InvalidInput(
            N_("the alert comes from {state} but its area names another state"),
            [
                FieldError(
                    "/alert/info/area/geocode",
                    N_("not in {state} (the sender's state)"),
                    code,
                    params={"state": state},
                )
                for code in foreign.values()
            ],
            params={"state": state},
        )


def check_texts(msg: caplib.CapMessage) -> None:
    """Refuse envelope texts that could not be stored or published (the info texts are
    checked by the notification models)."""
    for path, value in (
        ("/alert/sender", msg.sender),
        ("/alert/identifier", msg.identifier),
        ("/alert/note", msg.note or ""),
    ):
        if reason := text_problem(value):
            raise InvalidInput(
                "the CAP alert holds a character that cannot be published",
                [FieldError(path, reason, printable(value))],
            )


def _param(info: caplib.Info, name: str) -> str | None:
    for pair in info.parameters:
        if pair.value_name.strip().lower() == name:
            return pair.value.strip()
    return None


def event_fields(msg: caplib.CapMessage, state: str) -> dict[str, Any]:
    """The event fields a CAP alert carries (epibridge parameters where present)."""
    info = msg.infos[0]
    disease = next(
        (c.value.strip() for c in info.event_codes if c.value_name.strip().upper() in _ICD10_NAMES),
        UNKNOWN,
    )
    area_code = None
    latitude = longitude = None
    for area in info.areas:
        for code in area.geocodes:
            if code.value_name.upper() == caplib.GEOCODE_ISO3166_2 and area_code is None:
                area_code = code.value.strip()
        if latitude is None and area.circles:
            latitude, longitude = area.circles[0].lat, area.circles[0].lon
        elif latitude is None and area.polygons:
            ring = area.polygons[0][:-1] or area.polygons[0]
            latitude = sum(p[0] for p in ring) / len(ring)
            longitude = sum(p[1] for p in ring) / len(ring)
    onset = _param(info, "onset_date") or (
        (info.onset or info.effective or msg.sent).date().isoformat()
    )
    values: dict[str, Any] = {
        "state": state,
        "title": (info.headline or info.event).strip()[:300],
        "disease": disease,
        "event_type": (_param(info, "event_type") or info.event).strip()[:64] or "event",
        "area_code": area_code,
        "latitude": latitude,
        "longitude": longitude,
        "onset_date": onset,
        "detection_date": _param(info, "detection_date"),
        "measures": info.instruction,
        "description": info.description,
        "visibility": Visibility.PUBLIC if msg.scope is caplib.Scope.PUBLIC else Visibility.MEMBERS,
        "mode": _MODE_BY_STATUS.get(msg.status, EventMode.ACTUAL),
        "language": info.language if common.LANGUAGE_TAG.fullmatch(info.language) else "en",
    }
    for name in _PARAMS:
        values[name] = _param(info, name)
    affected = _param(info, "affected_states")
    if affected:
        values["affected_states"] = affected.split()
    translations = {}
    for other in msg.infos[1:]:
        if other.language != values["language"] and other.language not in translations:
            translations[other.language] = {
                "title": (other.headline or other.event).strip()[:300],
                "description": other.description,
                "measures": other.instruction,
            }
    if translations:
        values["translations"] = translations
    return values


_CAP_PATH = {
    "title": "/alert/info/headline",
    "disease": "/alert/info/eventCode",
    "event_type": "/alert/info/event",
    "area_code": "/alert/info/area/geocode",
    "onset_date": "/alert/info/onset",
    "detection_date": "/alert/info/parameter[detection_date]",
    "affected_states": "/alert/info/parameter[affected_states]",
    "language": "/alert/info/language",
    "state": "/alert/sender",
}


def _cap_field(field: str) -> str:
    root = field.split(".")[0].split("[")[0]
    if root in _PARAMS:
        return f"/alert/info/parameter[{root}]"
    if root == "translations":
        return "/alert/info"
    return _CAP_PATH.get(root, field)


def as_cap_errors(exc: DomainError) -> DomainError:
    exc.errors = [e.at(_cap_field(e.field)) for e in exc.errors]
    return exc


def validated(model: type[Any], values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise InvalidInput(
            "the CAP alert does not describe a valid notification",
            [
                field_error(e, value=printable(str(e.get("input")), 200)).at(
                    _cap_field(".".join(map(str, e["loc"])))
                )
                for e in exc.errors()
            ],
        ) from None


def parsed(xml: bytes) -> caplib.CapMessage:
    """The alert in ``xml``; InvalidInput if it is not CAP 1.2."""
    try:
        return caplib.parse_alert(xml)
    except caplib.CapValidationError as exc:
        raise InvalidInput("the CAP alert is not valid CAP 1.2", _issues(exc)) from None
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            "the CAP alert is not valid CAP 1.2", [FieldError("body", reason_of(exc))]
        ) from None


def check_notification(msg: caplib.CapMessage) -> None:
    """Refuse an alert that is no notification: its status, its type, or no info block."""
    if msg.status.value not in _MODE_BY_STATUS:
        raise InvalidInput(
            N_("a {status} alert is not a notification"),
            [FieldError("/alert/status", "must be Actual, Exercise or Test", msg.status.value)],
            params={"status": msg.status.value},
        )
    if msg.msg_type not in (caplib.MsgType.ALERT, caplib.MsgType.UPDATE, caplib.MsgType.CANCEL):
        raise InvalidInput(
            N_("a {type} message is not a notification"),
            [FieldError("/alert/msgType", "must be Alert, Update or Cancel", msg.msg_type.value)],
            params={"type": msg.msg_type.value},
        )
    if not msg.infos:
        raise InvalidInput(
            "the alert has no info block", [FieldError("/alert/info", "at least one is required")]
        )


def cap_record(xml: bytes, msg: caplib.CapMessage) -> dict[str, Any]:
    """What the event version keeps of the alert: its key, its time and its XML as text."""
    try:
        stored_xml = xml.decode("utf-8")
    except UnicodeDecodeError:
        stored_xml = caplib.build_alert(msg).decode("utf-8")
    return {
        "sender": msg.sender,
        "identifier": msg.identifier,
        "sent": msg.sent,
        "cap_xml": stored_xml,
    }
