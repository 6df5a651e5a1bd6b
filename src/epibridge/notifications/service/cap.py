"""Events as CAP 1.2 messages: export of each version, import from national systems.

Mapping choices (documented in docs/notifications.md):
* the first notification is msgType ``Alert``; every follow-up is ``Update`` referencing all
  earlier messages of the event; closing an event that is over is an ``Update`` with response
  type ``AllClear`` and urgency ``Past``; withdrawing one notified in error is a ``Cancel``;
* status follows the event's mode (``Exercise``/``Test`` for drills, never ``Actual``);
* scope ``Public`` for public events, ``Restricted`` otherwise;
* one ``info`` block per language present (the event's own and each translation).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pycountry
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.errors import Conflict, DomainError, FieldError, Forbidden, InvalidInput
from epibridge.notifications import cap as caplib
from epibridge.notifications.diseases import UNKNOWN, disease_name
from epibridge.notifications.models import NotificationEvent, NotificationVersion
from epibridge.notifications.schemas import (
    NotificationClose,
    NotificationCreate,
    NotificationUpdate,
)
from epibridge.notifications.service import events
from epibridge.security import Action, Principal, decide

_RESTRICTION = {
    "members": "Member states of the organization and its Secretariat",
    "partners": "Member states, the Secretariat, observers and dialogue partners",
}
_MODE_BY_STATUS = {"Actual": "actual", "Exercise": "exercise", "Test": "test"}
# Sponsored top-level domains reserved to the United States government and institutions.
_US_ONLY_TLDS = {"gov", "mil", "edu"}
_ICD10_NAMES = {"ICD-10", "ICD10", "ICD"}
_PARAMS = ("suspected_cases", "probable_cases", "confirmed_cases", "deaths")


def _country_name(state: str) -> str:
    country = pycountry.countries.get(alpha_3=state)
    return country.name if country else state


def _certainty(snap: dict[str, Any]) -> caplib.Certainty:
    if snap["confirmed_cases"]:
        return caplib.Certainty.OBSERVED
    if snap["probable_cases"]:
        return caplib.Certainty.LIKELY
    return caplib.Certainty.POSSIBLE


def _area(snap: dict[str, Any]) -> caplib.Area:
    state = snap["state"]
    country = pycountry.countries.get(alpha_3=state)
    geocodes = []
    desc = _country_name(state)
    if snap.get("area_code"):
        geocodes.append(caplib.iso3166_geocode(snap["area_code"]))
        subdivision = pycountry.subdivisions.get(code=snap["area_code"])
        if subdivision is not None:
            desc = f"{subdivision.name}, {desc}"
    if country is not None:
        geocodes.append(caplib.iso3166_geocode(country.alpha_2))
    circles = ()
    if snap.get("latitude") is not None and snap.get("longitude") is not None:
        circles = (caplib.Circle(snap["latitude"], snap["longitude"], 0.0),)
    return caplib.Area(area_desc=desc, circles=circles, geocodes=tuple(geocodes))


def _info(version: NotificationVersion, lang: str, texts: dict[str, Any]) -> caplib.Info:
    snap = version.snapshot
    closing = version.kind == "closed"
    if snap.get("risk_level"):
        severity, urgency = caplib.severity_urgency(snap["risk_level"])
    else:
        severity, urgency = caplib.Severity.UNKNOWN, caplib.Urgency.UNKNOWN
    if closing:
        urgency = caplib.Urgency.PAST
        responses: tuple[caplib.ResponseType, ...] = (
            (caplib.ResponseType.NONE,)
            if version.cap_msg_type == "Cancel"
            else (caplib.ResponseType.ALL_CLEAR,)
        )
    else:
        responses = (caplib.ResponseType.MONITOR,)
    disease = snap["disease"]
    title = texts.get("title") or snap["title"]
    if snap["mode"] != "actual":
        title = f"[{snap['mode'].upper()}] {title}"
    if closing:
        title = f"Closed: {title}"
    parameters = [caplib.ValuePair(name, str(snap[name])) for name in _PARAMS]
    parameters += [
        caplib.ValuePair("event_type", snap["event_type"]),
        caplib.ValuePair("onset_date", snap["onset_date"]),
        caplib.ValuePair("epibridge_event", str(snap["id"])),
        caplib.ValuePair("epibridge_version", str(version.version)),
    ]
    if snap.get("detection_date"):
        parameters.append(caplib.ValuePair("detection_date", snap["detection_date"]))
    if snap.get("affected_states"):
        parameters.append(caplib.ValuePair("affected_states", " ".join(snap["affected_states"])))
    if snap.get("risk_level"):
        parameters.append(caplib.ValuePair("risk_level", snap["risk_level"]))
    if snap.get("annex2_outcome"):
        parameters.append(caplib.ValuePair("ihr_annex2_outcome", snap["annex2_outcome"]))
    if closing and snap.get("close_reason"):
        parameters.append(caplib.ValuePair("close_reason", snap["close_reason"]))
    onset = date.fromisoformat(snap["onset_date"])
    return caplib.Info(
        language=lang,
        event=(disease_name(disease, lang) if disease != UNKNOWN else None) or snap["event_type"],
        urgency=urgency,
        severity=severity,
        certainty=_certainty(snap),
        categories=(caplib.Category.HEALTH,),
        response_types=responses,
        audience=_RESTRICTION.get(snap["visibility"], "Public"),
        event_codes=() if disease == UNKNOWN else (caplib.ValuePair("ICD-10", disease),),
        onset=datetime(onset.year, onset.month, onset.day, tzinfo=UTC),
        sender_name=f"{_country_name(snap['state'])} (National IHR Focal Point)",
        headline=title[:160],
        description=texts.get("description") or None,
        instruction=texts.get("measures") or None,
        parameters=tuple(parameters),
        areas=(_area(snap),),
    )


def message_for(
    version: NotificationVersion, earlier: list[NotificationVersion]
) -> caplib.CapMessage:
    """The CAP message of one version of an event."""
    snap = version.snapshot
    msg_type = caplib.MsgType(version.cap_msg_type)
    references = (
        tuple(caplib.Reference(v.cap_sender, v.cap_identifier, v.cap_sent) for v in earlier)
        if msg_type is not caplib.MsgType.ALERT
        else ()
    )
    infos = [
        _info(
            version,
            snap["language"],
            {
                "title": snap["title"],
                "description": snap.get("description"),
                "measures": snap.get("measures"),
            },
        )
    ]
    infos += [
        _info(version, lang, texts) for lang, texts in sorted(snap.get("translations", {}).items())
    ]
    public = snap["visibility"] == "public"
    note = None
    if snap["mode"] != "actual":
        note = f"{snap['mode'].capitalize()}: not a real event."
    if version.kind == "closed" and version.reason:
        note = f"{note + ' ' if note else ''}Closed: {version.reason}"
    elif version.reason:
        note = f"{note + ' ' if note else ''}{version.reason}"
    return caplib.CapMessage(
        identifier=version.cap_identifier,
        sender=version.cap_sender,
        sent=version.cap_sent,
        status=caplib.status_for(snap["mode"]),
        msg_type=msg_type,
        scope=caplib.Scope.PUBLIC if public else caplib.Scope.RESTRICTED,
        restriction=None if public else _RESTRICTION[snap["visibility"]],
        source="epibridge",
        note=note,
        references=references,
        incidents=(f"epibridge-{snap['state']}-{snap['id']}",),
        infos=tuple(infos),
    )


def export(session: Session, *, actor: Principal, event_id: int) -> bytes:
    """Return the CAP 1.2 XML of the latest message of an event, validated against the schema."""
    event = events.get(session, actor=actor, event_id=event_id)
    if event.status == "draft":
        raise Conflict(
            f"notification {event_id} is a draft and has no CAP message yet",
            [FieldError("status", "not notified yet", "draft")],
        )
    versions = events.versions(session, event_id=event.id)
    latest = versions[-1]
    if latest.cap_xml is not None:
        xml = latest.cap_xml.encode("utf-8")
        caplib.validate(xml)
        return xml
    return caplib.build_alert(message_for(latest, versions[:-1]))


def _issues(exc: caplib.CapValidationError) -> list[FieldError]:
    return [
        FieldError(
            issue.path or "body",
            f"line {issue.line}: {issue.reason}" if issue.line else issue.reason,
        )
        for issue in exc.issues
    ]


def alert_state(msg: caplib.CapMessage) -> str | None:
    """The state a CAP alert comes from: by its sender, else by its ISO 3166 geocodes."""
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
    found = set()
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
                    found.add(country.alpha_3)
    return found.pop() if len(found) == 1 else None


def _param(info: caplib.Info, name: str) -> str | None:
    for pair in info.parameters:
        if pair.value_name.strip().lower() == name:
            return pair.value.strip()
    return None


def _fields(msg: caplib.CapMessage, state: str) -> dict[str, Any]:
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
        "visibility": "public" if msg.scope is caplib.Scope.PUBLIC else "members",
        "mode": _MODE_BY_STATUS.get(msg.status.value, "actual"),
        "language": info.language if events.common.LANGUAGE_TAG.fullmatch(info.language) else "en",
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


def _as_cap_errors(exc: DomainError) -> DomainError:
    exc.errors = [FieldError(_cap_field(e.field), e.message, e.value) for e in exc.errors]
    return exc


def _validated(model: type[Any], values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise InvalidInput(
            "the CAP alert does not describe a valid notification",
            [
                FieldError(_cap_field(".".join(map(str, e["loc"]))), e["msg"], str(e.get("input")))
                for e in exc.errors()
            ],
        ) from None


def _known(session: Session, sender: str, identifier: str) -> NotificationVersion | None:
    return session.execute(
        select(NotificationVersion).where(
            NotificationVersion.cap_sender == sender,
            NotificationVersion.cap_identifier == identifier,
        )
    ).scalar_one_or_none()


def import_alert(
    session: Session, *, actor: Principal, xml: bytes, now: datetime | None = None
) -> tuple[NotificationEvent, bool]:
    """Create or update an event from a national system's CAP alert; idempotent by identifier.

    Meant for the ``system`` accounts of national systems; whoever calls, the one permission
    check decides, for the state the alert comes from. Returns the event and whether this call
    changed anything (False: already imported).
    """
    now = now or utcnow()
    try:
        msg = caplib.parse_alert(xml)
    except caplib.CapValidationError as exc:
        raise InvalidInput("the CAP alert is not valid CAP 1.2", _issues(exc)) from None
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            "the CAP alert is not valid CAP 1.2", [FieldError("body", str(exc))]
        ) from None
    state = alert_state(msg)
    if state is None:
        raise InvalidInput(
            "cannot tell which state the alert comes from",
            [
                FieldError(
                    "/alert/sender",
                    "neither the sender's domain nor an ISO 3166 geocode names a state",
                    msg.sender,
                )
            ],
        )
    decision = decide(actor, Action.WRITE_STATE, state)
    if not decision.allowed:
        raise Forbidden(
            f"the alert's sender is of {state}; {decision.reason}",
            [FieldError("/alert/sender", f"a sender of {state}", msg.sender)],
        )
    existing = _known(session, msg.sender, msg.identifier)
    if existing is not None:
        return events.get(session, actor=actor, event_id=existing.event_id), False
    if msg.status.value not in _MODE_BY_STATUS:
        raise InvalidInput(
            f"a {msg.status.value} alert is not a notification",
            [FieldError("/alert/status", "must be Actual, Exercise or Test", msg.status.value)],
        )
    if msg.msg_type not in (caplib.MsgType.ALERT, caplib.MsgType.UPDATE, caplib.MsgType.CANCEL):
        raise InvalidInput(
            f"a {msg.msg_type.value} message is not a notification",
            [FieldError("/alert/msgType", "must be Alert, Update or Cancel", msg.msg_type.value)],
        )
    if not msg.infos:
        raise InvalidInput(
            "the alert has no info block", [FieldError("/alert/info", "at least one is required")]
        )
    try:
        stored_xml = xml.decode("utf-8")
    except UnicodeDecodeError:
        stored_xml = caplib.build_alert(msg).decode("utf-8")
    cap = {
        "sender": msg.sender,
        "identifier": msg.identifier,
        "sent": msg.sent,
        "cap_xml": stored_xml,
    }
    earlier = None
    for ref in msg.references:
        earlier = _known(session, ref.sender, ref.identifier) or earlier
    try:
        if msg.msg_type is caplib.MsgType.CANCEL:
            if earlier is None:
                raise InvalidInput(
                    "the Cancel refers to no alert known here",
                    [
                        FieldError(
                            "/alert/references",
                            "no referenced alert was imported",
                            " ".join(r.identifier for r in msg.references),
                        )
                    ],
                )
            event = events.close(
                session,
                actor=actor,
                event_id=earlier.event_id,
                data=NotificationClose(
                    reason=msg.note or "cancelled by the sender", kind="withdrawn"
                ),
                now=now,
                cap=cap,
            )
            return event, True
        values = _fields(msg, state)
        if earlier is not None:
            values = {
                k: v
                for k, v in values.items()
                if k not in ("state", "mode", "language") and v is not None
            }
            values["reason"] = msg.note
            event = events.update(
                session,
                actor=actor,
                event_id=earlier.event_id,
                data=_validated(NotificationUpdate, values),
                now=now,
                cap=cap,
            )
            return event, True
        data = _validated(NotificationCreate, {k: v for k, v in values.items() if v is not None})
        return events.create(session, actor=actor, data=data, now=now, cap=cap), True
    except DomainError as exc:
        raise _as_cap_errors(exc) from None
