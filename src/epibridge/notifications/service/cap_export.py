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
from sqlalchemy.orm import Session

from epibridge.errors import Conflict, FieldError
from epibridge.i18n import N_
from epibridge.notifications import cap as caplib
from epibridge.notifications.diseases import UNKNOWN, disease_name
from epibridge.notifications.models import NotificationVersion
from epibridge.notifications.service import common, queries
from epibridge.notifications.statuses import PRIVATE_STATUSES, EventMode, EventStatus
from epibridge.security import Principal, Visibility

_RESTRICTION = {
    "members": "Member states of the organization and its Secretariat",
    "partners": "Member states, the Secretariat, observers and dialogue partners",
}
_PARAMS = common.COUNT_FIELDS


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
    closing = version.kind == EventStatus.CLOSED
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
    if snap["mode"] != EventMode.ACTUAL:
        title = f"[{snap['mode'].upper()}] {title}"
    if closing:
        title = f"Closed: {title}"
    # A count not reported is left out: a parameter of 0 would say there were none.
    parameters = [
        caplib.ValuePair(name, str(snap[name])) for name in _PARAMS if snap.get(name) is not None
    ]
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
    public = snap["visibility"] == Visibility.PUBLIC
    note = None
    if snap["mode"] != EventMode.ACTUAL:
        note = f"{snap['mode'].capitalize()}: not a real event."
    if version.kind == EventStatus.CLOSED and version.reason:
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
    event = queries.get(session, actor=actor, event_id=event_id)
    if event.status in PRIVATE_STATUSES:
        raise Conflict(
            N_("notification {event_id} is a draft and has no CAP message yet")
            if event.status == EventStatus.DRAFT
            else N_("notification {event_id} was discarded and has no CAP message"),
            [FieldError("status", N_("not notified"), event.status)],
            params={"event_id": event_id},
        )
    versions = queries.versions(session, event_id=event.id)
    latest = versions[-1]
    if latest.cap_xml is not None:
        xml = latest.cap_xml.encode("utf-8")
        caplib.validate(xml)
        return xml
    return caplib.build_alert(message_for(latest, versions[:-1]))
