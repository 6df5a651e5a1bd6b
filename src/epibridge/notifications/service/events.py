"""The event lifecycle: draft -> notified -> updated (versioned) -> closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from epibridge.db import utcnow
from epibridge.errors import Conflict, FieldError, InvalidInput
from epibridge.notifications import annex2 as annex2_rules
from epibridge.notifications.models import NotificationEvent, NotificationVersion
from epibridge.notifications.schemas import (
    Annex2Answers,
    NotificationClose,
    NotificationCreate,
    NotificationUpdate,
    Translation,
)
from epibridge.notifications.service import common
from epibridge.security import Action, Principal, authorize

DEFAULT_EVENT_TYPE = "outbreak"
_TOPIC_BY_KIND = {
    "notified": "notification.notified",
    "updated": "notification.updated",
    "closed": "notification.closed",
}


def cap_sender(state: str) -> str:
    """The CAP sender of everything epibridge exports for ``state``."""
    return f"urn:epibridge:{state}"


def cap_identifier(state: str, event_id: int, version: int) -> str:
    return f"urn:epibridge:{state}:notification:{event_id}:{version}"


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
        errors.append(FieldError("annex2", str(exc)))
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


def add_version(
    session: Session,
    *,
    event: NotificationEvent,
    kind: str,
    actor: str,
    on_behalf: bool,
    reason: str | None,
    now: datetime,
    msg_type: str,
    sender: str | None = None,
    identifier: str | None = None,
    sent: datetime | None = None,
    cap_xml: str | None = None,
    extra: dict[str, Any] | None = None,
) -> NotificationVersion:
    """Record one notification/update/closure with its counts and its CAP identity.

    The caller has already counted the event's ``version`` up (before its flush, so that a
    new event is inserted once rather than inserted and then updated).
    """
    version = NotificationVersion(
        event_id=event.id,
        version=event.version,
        kind=kind,
        at=now,
        actor=actor,
        on_behalf=on_behalf,
        reason=reason,
        snapshot=common.snapshot(event, **(extra or {})),
        cap_sender=sender or cap_sender(event.state),
        cap_identifier=identifier or cap_identifier(event.state, event.id, event.version),
        cap_sent=(sent or now).replace(microsecond=0),
        cap_msg_type=msg_type,
        cap_xml=cap_xml,
    )
    session.add(version)
    return version


def _finish(
    session: Session,
    *,
    principal_actor: str,
    event: NotificationEvent,
    kind: str,
    action: str,
    on_behalf: bool,
    now: datetime,
    reason: str | None = None,
    msg_type: str = "Alert",
    cap: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Version, audit and publish one change of a notified event, in the caller's transaction."""
    event.version += 1
    session.flush()
    add_version(
        session,
        event=event,
        kind=kind,
        actor=principal_actor,
        on_behalf=on_behalf,
        reason=reason,
        now=now,
        msg_type=msg_type,
        extra=extra,
        **(cap or {}),
    )
    common.record(
        session,
        actor=principal_actor,
        action=action,
        event=event,
        state={
            **common.snapshot(event),
            "version": event.version,
            "on_behalf": on_behalf,
            "reason": reason,
        },
    )
    common.publish(
        session,
        actor=principal_actor,
        topic=_TOPIC_BY_KIND[kind],
        event=event,
        states=list(event.affected_states or []),
        extra={"reason": reason} if reason else None,
        now=now,
    )


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
    common.raise_if(errors, "the state is not valid")
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
    common.raise_if(errors, "the notification is not valid")

    notify = data.status == "notified"
    event = NotificationEvent(
        state=state,
        status="notified" if notify else "draft",
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
        suspected_cases=data.suspected_cases or 0,
        probable_cases=data.probable_cases or 0,
        confirmed_cases=data.confirmed_cases or 0,
        deaths=data.deaths or 0,
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
        _finish(
            session,
            principal_actor=actor.actor,
            event=event,
            kind="notified",
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
    event = common.load_event(session, event_id, actor, lock=True)
    decision = authorize(actor, Action.WRITE_STATE, event.state)
    if event.status != "draft":
        raise Conflict(
            f"notification {event_id} is already {event.status}",
            [FieldError("status", "only a draft can be notified", event.status)],
        )
    errors: list[FieldError] = []
    common.check_dates(event.onset_date, event.detection_date, errors, today=now.date())
    common.raise_if(errors, "the draft is not valid any more")
    event.status = "notified"
    event.notified_at = now
    event.updated_at = now
    _finish(
        session,
        principal_actor=actor.actor,
        event=event,
        kind="notified",
        action="notify",
        on_behalf=decision.on_behalf,
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
    event = common.load_event(session, event_id, actor, lock=True)
    decision = authorize(actor, Action.WRITE_STATE, event.state)
    if event.status == "closed":
        raise Conflict(
            f"notification {event_id} is closed",
            [FieldError("status", "a closed notification cannot be updated", event.status)],
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
        if getattr(data, name) is not None and getattr(data, name) < getattr(event, name)
    ]
    reason = (data.reason or "").strip() or None
    if decreased and reason is None and event.status != "draft":
        errors.extend(
            FieldError(
                name,
                f"decreases from {getattr(event, name)} to {getattr(data, name)}; "
                "give a 'reason' (e.g. cases discarded after testing)",
                getattr(data, name),
            )
            for name in decreased
        )
    common.raise_if(errors, "the update is not valid")

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
    if event.status == "draft":
        session.flush()
        common.record(
            session,
            actor=actor.actor,
            action="edit_draft",
            event=event,
            state={**common.snapshot(event), "on_behalf": decision.on_behalf},
        )
        return event
    event.status = "updated"
    _finish(
        session,
        principal_actor=actor.actor,
        event=event,
        kind="updated",
        action="update",
        on_behalf=decision.on_behalf,
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
    event = common.load_event(session, event_id, actor, lock=True)
    decision = authorize(actor, Action.WRITE_STATE, event.state)
    if event.status in ("draft", "closed"):
        raise Conflict(
            f"notification {event_id} is {event.status}",
            [FieldError("status", "only a notified event can be closed", event.status)],
        )
    event.status = "closed"
    event.closed_at = now
    event.updated_at = now
    event.close_reason = data.reason.strip()
    _finish(
        session,
        principal_actor=actor.actor,
        event=event,
        kind="closed",
        action="close",
        on_behalf=decision.on_behalf,
        now=now,
        reason=event.close_reason,
        msg_type="Cancel" if data.kind == "withdrawn" else "Update",
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
    event = common.load_event(session, event_id, actor, lock=True)
    decision = authorize(actor, Action.WRITE_STATE, event.state)
    errors: list[FieldError] = []
    annex = _annex2(event.disease, data, errors, now, actor.actor)
    common.raise_if(errors, "the Annex 2 answers are not valid")
    _apply_annex2(event, annex)
    event.updated_at = now
    session.flush()
    common.record(
        session,
        actor=actor.actor,
        action="annex2",
        event=event,
        state={"annex2": annex, "on_behalf": decision.on_behalf},
    )
    return event


def get(session: Session, *, actor: Principal | None, event_id: int) -> NotificationEvent:
    """Return one event the caller may see."""
    return common.load_event(session, event_id, actor)


def list_events(
    session: Session,
    *,
    actor: Principal,
    limit: int,
    after: int | None = None,
    state: str | None = None,
    disease: str | None = None,
    status: str | None = None,
    onset_from: date | None = None,
    onset_to: date | None = None,
    notified_from: date | None = None,
    notified_to: date | None = None,
    q: str | None = None,
    exercise: bool | None = None,
    overdue: bool | None = None,
    now: datetime | None = None,
) -> tuple[list[NotificationEvent], int | None]:
    """List the events the caller may see, newest first; return the page and the next position."""
    now = now or utcnow()
    query = select(NotificationEvent).where(common.visible_clause(actor))
    if after is not None:
        query = query.where(NotificationEvent.id < after)
    if state:
        query = query.where(NotificationEvent.state == state.strip().upper())
    if disease:
        code = disease.strip().upper() if disease.strip().lower() != "unknown" else "unknown"
        query = query.where(
            or_(NotificationEvent.disease == code, NotificationEvent.disease.like(code + ".%"))
        )
    if status:
        query = query.where(NotificationEvent.status == status)
    if onset_from:
        query = query.where(NotificationEvent.onset_date >= onset_from)
    if onset_to:
        query = query.where(NotificationEvent.onset_date <= onset_to)
    if notified_from:
        query = query.where(NotificationEvent.notified_at >= _start_of(notified_from))
    if notified_to:
        query = query.where(NotificationEvent.notified_at < _start_of(notified_to, days=1))
    if q and q.strip():
        pattern = (
            "%"
            + q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        query = query.where(
            or_(
                func.lower(NotificationEvent.title).like(pattern, escape="\\"),
                func.lower(func.coalesce(NotificationEvent.description, "")).like(
                    pattern, escape="\\"
                ),
            )
        )
    if exercise is not None:
        query = query.where(
            NotificationEvent.mode != "actual" if exercise else NotificationEvent.mode == "actual"
        )
    if overdue is not None:
        clause = common.overdue_clause(now)
        query = query.where(clause if overdue else ~clause)
    rows = list(
        session.execute(query.order_by(NotificationEvent.id.desc()).limit(limit + 1)).scalars()
    )
    next_after = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_after


def _start_of(day: date, days: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=days)


def versions(session: Session, *, event_id: int) -> list[NotificationVersion]:
    return list(
        session.execute(
            select(NotificationVersion)
            .where(NotificationVersion.event_id == event_id)
            .order_by(NotificationVersion.version)
        ).scalars()
    )
