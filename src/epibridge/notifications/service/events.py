"""The event lifecycle: draft -> notified -> updated (versioned) -> closed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.errors import FieldError, InvalidInput, reason_of
from epibridge.i18n import N_
from epibridge.notifications import annex2 as annex2_rules
from epibridge.notifications.models import NotificationEvent
from epibridge.notifications.schemas import (
    Annex2Answers,
    NotificationClose,
    NotificationCreate,
    NotificationUpdate,
    Translation,
)
from epibridge.notifications.service import common, versioning
from epibridge.notifications.statuses import LIVE_STATUSES, CloseKind, EventStatus
from epibridge.security import Action, Principal, authorize

DEFAULT_EVENT_TYPE = "outbreak"


def _annex2(
    disease: str, answers: Annex2Answers, errors: list[FieldError], now: datetime, actor: str
) -> dict[str, Any] | None:
    try:
        result = annex2_rules.decide(
            disease,
            serious_impact=answers.serious_impact,
            unusual=answers.unusual,
            international_spread=answers.international_spread,
            travel_trade_restrictions=answers.travel_trade_restrictions,
        )
    except ValueError as exc:
        errors.append(FieldError("annex2", reason_of(exc)))
        return None
    assessed_at = answers.assessed_at or now
    if assessed_at.tzinfo is None:
        errors.append(FieldError("annex2.assessed_at", "needs a UTC offset", str(assessed_at)))
        return None
    if assessed_at > now:
        errors.append(FieldError("annex2.assessed_at", "is in the future", str(assessed_at)))
        return None
    return {
        "answers": answers.model_dump(exclude={"assessed_at"}),
        "outcome": result.outcome,
        "rule": result.rule,
        "reason": result.reason,
        "always_notifiable": result.always_notifiable,
        "always_assess": result.always_assess,
        "assessed_at": assessed_at.isoformat(),
        "assessed_by": actor,
        "deadline": annex2_rules.deadline(assessed_at).isoformat()
        if result.outcome == "notify"
        else None,
    }


def _apply_annex2(event: NotificationEvent, stored: dict[str, Any] | None) -> None:
    event.annex2 = stored
    event.annex2_outcome = stored["outcome"] if stored else None
    event.notification_deadline = (
        datetime.fromisoformat(stored["deadline"]) if stored and stored["deadline"] else None
    )


def _translations(
    values: dict[str, Translation] | None, language: str, errors: list[FieldError]
) -> dict[str, Any] | None:
    if values is None:
        return None
    out = {}
    for lang, text in values.items():
        if not common.LANGUAGE_TAG.fullmatch(lang) or lang == language:
            errors.append(
                FieldError(
                    f"translations.{lang}",
                    "must be a language tag (en, ru, zh, ...) other than the event's language",
                    lang,
                )
            )
            continue
        out[lang] = text.model_dump(exclude_none=True)
    return out


def _affected(
    session: Session, codes: list[str] | None, errors: list[FieldError]
) -> list[str] | None:
    if codes is None:
        return None
    found = [
        common.check_state(session, code, errors, f"affected_states[{i}]")
        for i, code in enumerate(codes)
    ]
    return sorted({c for c in found if c})


def create(
    session: Session,
    *,
    actor: Principal,
    data: NotificationCreate,
    now: datetime | None = None,
    cap: dict[str, Any] | None = None,
) -> NotificationEvent:
    """Create an event of a state; notify it at once unless it is a draft."""
    now = now or utcnow()
    errors: list[FieldError] = []
    raw_state = data.state or actor.state
    if not raw_state:
        raise InvalidInput(
            "name the state whose event this is", [FieldError("state", "required for your role")]
        )
    state = common.check_state(session, raw_state, errors, "state")
    common.raise_if(errors, N_("the state is not valid"))
    assert state is not None
    decision = authorize(actor, Action.WRITE_STATE, state)
    disease = common.check_disease(data.disease, errors)
    common.check_dates(data.onset_date, data.detection_date, errors, today=now.date())
    area = common.check_area(state, data.area_code, errors, "area_code") if data.area_code else None
    if (data.latitude is None) != (data.longitude is None):
        errors.append(
            FieldError(
                "longitude" if data.longitude is None else "latitude",
                "latitude and longitude go together",
            )
        )
    affected = _affected(session, data.affected_states, errors) or []
    translations = _translations(data.translations, data.language, errors) or {}
    annex = _annex2(disease, data.annex2, errors, now, actor.actor) if data.annex2 else None
    common.raise_if(errors, N_("the notification is not valid"))

    notify = data.status == EventStatus.NOTIFIED
    event = NotificationEvent(
        state=state,
        status=EventStatus.NOTIFIED if notify else EventStatus.DRAFT,
        version=0,
        mode=data.mode,
        visibility=data.visibility,
        title=data.title.strip(),
        disease=disease,
        event_type=data.event_type or DEFAULT_EVENT_TYPE,
        area_code=area,
        latitude=data.latitude,
        longitude=data.longitude,
        onset_date=data.onset_date,
        detection_date=data.detection_date,
        suspected_cases=data.suspected_cases,
        probable_cases=data.probable_cases,
        confirmed_cases=data.confirmed_cases,
        deaths=data.deaths,
        affected_states=affected,
        measures=data.measures,
        description=data.description,
        language=data.language,
        translations=translations,
        created_at=now,
        created_by=actor.actor,
        on_behalf=decision.on_behalf,
        notified_at=now if notify else None,
        updated_at=now,
    )
    _apply_annex2(event, annex)
    session.add(event)
    if notify:
        versioning.finish(
            session,
            principal_actor=actor.actor,
            event=event,
            kind=EventStatus.NOTIFIED,
            action="notify",
            on_behalf=decision.on_behalf,
            now=now,
            cap=cap,
        )
    else:
        session.flush()
        common.record(
            session,
            actor=actor.actor,
            action="create_draft",
            event=event,
            state={**common.snapshot(event), "on_behalf": decision.on_behalf},
        )
    return event


def notify(
    session: Session, *, actor: Principal, event_id: int, now: datetime | None = None
) -> NotificationEvent:
    """Notify a draft to the other states."""
    now = now or utcnow()
    event, on_behalf = common.load_for_change(
        session,
        event_id,
        actor,
        statuses={EventStatus.DRAFT},
        rule=N_("only a draft can be notified"),
    )
    errors: list[FieldError] = []
    common.check_dates(event.onset_date, event.detection_date, errors, today=now.date())
    common.raise_if(errors, N_("the draft is not valid any more"))
    event.status = EventStatus.NOTIFIED
    event.notified_at = now
    event.updated_at = now
    versioning.finish(
        session,
        principal_actor=actor.actor,
        event=event,
        kind=EventStatus.NOTIFIED,
        action="notify",
        on_behalf=on_behalf,
        now=now,
    )
    return event


_SIMPLE_FIELDS = ("title", "event_type", "measures", "description", "visibility")


def update(
    session: Session,
    *,
    actor: Principal,
    event_id: int,
    data: NotificationUpdate,
    now: datetime | None = None,
    cap: dict[str, Any] | None = None,
) -> NotificationEvent:
    """Record a follow-up (a new version with the counts as of now); a draft is just edited."""
    now = now or utcnow()
    event, on_behalf = common.load_for_change(
        session,
        event_id,
        actor,
        statuses={EventStatus.DRAFT, *LIVE_STATUSES},
        rule=N_("a closed notification cannot be updated"),
    )
    errors: list[FieldError] = []
    fields = data.model_fields_set
    disease = common.check_disease(data.disease, errors) if data.disease else event.disease
    onset = data.onset_date or event.onset_date
    detection = data.detection_date if "detection_date" in fields else event.detection_date
    common.check_dates(onset, detection, errors, today=now.date())
    area = (
        common.check_area(event.state, data.area_code, errors, "area_code")
        if data.area_code
        else (None if "area_code" in fields else event.area_code)
    )
    latitude = data.latitude if "latitude" in fields else event.latitude
    longitude = data.longitude if "longitude" in fields else event.longitude
    if (latitude is None) != (longitude is None):
        errors.append(
            FieldError(
                "longitude" if longitude is None else "latitude",
                "latitude and longitude go together",
            )
        )
    affected = _affected(session, data.affected_states, errors)
    translations = _translations(data.translations, event.language, errors)
    annex = _annex2(disease, data.annex2, errors, now, actor.actor) if data.annex2 else None
    decreased = [
        name
        for name in common.COUNT_FIELDS
        if getattr(data, name) is not None
        and getattr(event, name) is not None
        and getattr(data, name) < getattr(event, name)
    ]
    reason = (data.reason or "").strip() or None
    if decreased and reason is None and event.status != EventStatus.DRAFT:
        errors.extend(
            FieldError(
                name,
                N_(
                    "decreases from {before} to {after}; give a 'reason' (e.g. cases "
                    "discarded after testing)"
                ),
                getattr(data, name),
                params={"before": getattr(event, name), "after": getattr(data, name)},
            )
            for name in decreased
        )
    common.raise_if(errors, N_("the update is not valid"))

    for name in _SIMPLE_FIELDS:
        value = getattr(data, name)
        if value is not None:
            setattr(event, name, value.strip() if name == "title" else value)
    for name in common.COUNT_FIELDS:
        if getattr(data, name) is not None:
            setattr(event, name, getattr(data, name))
    event.disease = disease
    event.onset_date = onset
    event.detection_date = detection
    event.area_code = area
    event.latitude, event.longitude = latitude, longitude
    if affected is not None:
        event.affected_states = affected
    if translations is not None:
        event.translations = translations
    if annex is not None:
        _apply_annex2(event, annex)
    event.updated_at = now
    if event.status == EventStatus.DRAFT:
        session.flush()
        common.record(
            session,
            actor=actor.actor,
            action="edit_draft",
            event=event,
            state={**common.snapshot(event), "on_behalf": on_behalf},
        )
        return event
    event.status = EventStatus.UPDATED
    versioning.finish(
        session,
        principal_actor=actor.actor,
        event=event,
        kind=EventStatus.UPDATED,
        action="update",
        on_behalf=on_behalf,
        now=now,
        reason=reason,
        msg_type="Update",
        cap=cap,
        extra={"decreased": decreased} if decreased else None,
    )
    return event


def close(
    session: Session,
    *,
    actor: Principal,
    event_id: int,
    data: NotificationClose,
    now: datetime | None = None,
    cap: dict[str, Any] | None = None,
) -> NotificationEvent:
    """Close a notified event with its reason."""
    now = now or utcnow()
    event, on_behalf = common.load_for_change(
        session,
        event_id,
        actor,
        statuses=set(LIVE_STATUSES),
        rule=N_("only a notified event can be closed"),
    )
    event.status = EventStatus.CLOSED
    event.closed_at = now
    event.updated_at = now
    event.close_reason = data.reason.strip()
    versioning.finish(
        session,
        principal_actor=actor.actor,
        event=event,
        kind=EventStatus.CLOSED,
        action="close",
        on_behalf=on_behalf,
        now=now,
        reason=event.close_reason,
        msg_type="Cancel" if data.kind == CloseKind.WITHDRAWN else "Update",
        cap=cap,
        extra={"close_kind": data.kind},
    )
    return event


def assess_annex2(
    session: Session,
    *,
    actor: Principal,
    event_id: int,
    data: Annex2Answers,
    now: datetime | None = None,
) -> NotificationEvent:
    """Store the state's Annex 2 answers and outcome with its event."""
    now = now or utcnow()
    event, on_behalf = common.load_for_change(session, event_id, actor)
    errors: list[FieldError] = []
    annex = _annex2(event.disease, data, errors, now, actor.actor)
    common.raise_if(errors, N_("the Annex 2 answers are not valid"))
    _apply_annex2(event, annex)
    event.updated_at = now
    session.flush()
    common.record(
        session,
        actor=actor.actor,
        action="annex2",
        event=event,
        state={"annex2": annex, "on_behalf": on_behalf},
    )
    return event
