"""What every notification rule shares: loading an event, who may see or write it, validation of
places and codes, and the self-contained summary that goes into every outbox message."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime
from typing import Any
from weakref import WeakKeyDictionary

import pycountry
from sqlalchemy import ColumnElement, Connection, Engine, and_, func, or_, select
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.db import utcnow
from epibridge.errors import Conflict, DomainError, FieldError, InvalidInput, NotFound, reason_of
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.notifications.diseases import disease_name, validate_disease_code
from epibridge.notifications.models import NotificationEvent
from epibridge.notifications.outbox import service as outbox
from epibridge.notifications.schemas import COUNT_FIELDS
from epibridge.notifications.statuses import PRIVATE_STATUSES, EventMode
from epibridge.security import Action, Principal, Role, Visibility, authorize, can_see, decide

API_PATH = "/api/v1/notifications"
ENTITY = "notification"


def links(event_id: int) -> dict[str, str]:
    base = f"{API_PATH}/{event_id}"
    return {"self": base, "cap": f"{base}/cap", "timeline": f"{base}/timeline"}


def may_write(principal: Principal, state: str) -> bool:
    """Whether ``principal`` may write ``state``'s events (the one check, asked not enforced)."""
    return decide(principal, Action.WRITE_STATE, state).allowed


def may_see(principal: Principal | None, event: NotificationEvent) -> bool:
    # Nothing is shown to anonymous callers here; the public feed is the outbox's business.
    if principal is None or not can_see(principal, event.visibility):
        return False
    return event.status not in PRIVATE_STATUSES or may_write(principal, event.state)


def visible_clause(principal: Principal) -> ColumnElement[bool]:
    """The SQL form of ``may_see`` for lists."""
    allowed = [v.value for v in Visibility if can_see(principal, v)]
    clause = NotificationEvent.visibility.in_(allowed)
    if principal.role is Role.SECRETARIAT:
        return clause
    if principal.state and may_write(principal, principal.state):
        return and_(
            clause,
            or_(
                NotificationEvent.status.not_in(PRIVATE_STATUSES),
                NotificationEvent.state == principal.state,
            ),
        )
    return and_(clause, NotificationEvent.status.not_in(PRIVATE_STATUSES))


def load_event(
    session: Session, event_id: int, principal: Principal, *, lock: bool = False
) -> NotificationEvent:
    """Return the event if ``principal`` may see it; otherwise 404 (existence is not revealed)."""
    query = select(NotificationEvent).where(NotificationEvent.id == event_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    event = session.execute(query).scalar_one_or_none()
    if event is None or not may_see(principal, event):
        raise NotFound(
            N_("no notification {event_id} visible to you"),
            [FieldError("id", "unknown notification", event_id)],
            params={"event_id": event_id},
        )
    return event


def load_for_change(
    session: Session,
    event_id: int,
    principal: Principal,
    *,
    statuses: Collection[str] | None = None,
    rule: str = "",
) -> tuple[NotificationEvent, bool]:
    """The event ``principal`` changes as its state's, locked until commit; whether on behalf.

    The preamble of every change the notifying state makes: the event must be visible (else
    404), the principal must write for its state, and, when ``statuses`` are given, the event
    must be in one of them (else a conflict that states the ``rule``).
    """
    event = load_event(session, event_id, principal, lock=True)
    decision = authorize(principal, Action.WRITE_STATE, event.state)
    refuse_replica(event)
    if statuses is not None and event.status not in statuses:
        raise Conflict(
            N_("notification {event_id} is {status}"),
            [FieldError("status", rule, event.status)],
            params={"event_id": event_id, "status": event.status},
        )
    return event, decision.on_behalf


def refuse_replica(event: NotificationEvent) -> None:
    """A replica is read-only here: its origin node is where it is changed."""
    if event.origin_node is not None:
        raise Conflict(
            N_(
                "notification {event_id} is a replica from node {node}; it is changed only "
                "there (read-only here)"
            ),
            [FieldError("origin_node", N_("read-only replica"), event.origin_node)],
            params={"event_id": event.id, "node": event.origin_node},
        )


def check_disease(code: str, errors: list[FieldError], field: str = "disease") -> str:
    try:
        return validate_disease_code(code)
    except ValueError as exc:
        errors.append(FieldError(field, reason_of(exc), code))
        return code


# Codes that members.require_state accepted, per engine. The profile's states are never
# deleted, so a code once known stays valid; remembering it keeps the create path, which must
# sustain a hundred notifications a second, free of one SELECT per state named.
_KNOWN_STATES: WeakKeyDictionary[Engine, set[str]] = WeakKeyDictionary()


def check_state(session: Session, code: str, errors: list[FieldError], field: str) -> str | None:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    known = _KNOWN_STATES.setdefault(engine, set())
    normalized = (code or "").strip().upper()
    if normalized in known:
        return normalized
    try:
        valid = members.require_state(session, code, field=field)
    except DomainError as exc:
        errors.extend(exc.errors)
        return None
    known.add(valid)
    return valid


def check_area(state: str, area_code: str, errors: list[FieldError], field: str) -> str:
    """An ISO 3166-2 subdivision, and one of ``state``: events are on the notifying state's soil."""
    code = area_code.strip().upper()
    subdivision = pycountry.subdivisions.get(code=code)
    if subdivision is None:
        errors.append(FieldError(field, "not an ISO 3166-2 subdivision code", area_code))
        return code
    country = pycountry.countries.get(alpha_3=state)
    if country is None or subdivision.country_code != country.alpha_2:
        owner = pycountry.countries.get(alpha_2=subdivision.country_code)
        errors.append(
            FieldError(
                field,
                N_("is a subdivision of {owner}, not of the notifying state {state}"),
                area_code,
                params={
                    "owner": owner.alpha_3 if owner else subdivision.country_code,
                    "state": state,
                },
            )
        )
    return code


def check_dates(
    onset: date | None,
    detection: date | None,
    errors: list[FieldError],
    *,
    today: date,
    prefix: str = "",
) -> None:
    if onset is not None and onset > today:
        errors.append(
            FieldError(
                f"{prefix}onset_date",
                N_("is in the future (today is {today})"),
                str(onset),
                params={"today": today},
            )
        )
    if detection is not None:
        if detection > today:
            errors.append(
                FieldError(
                    f"{prefix}detection_date",
                    N_("is in the future (today is {today})"),
                    str(detection),
                    params={"today": today},
                )
            )
        if onset is not None and detection < onset:
            errors.append(
                FieldError(
                    f"{prefix}detection_date",
                    N_("is before the onset date {onset}"),
                    str(detection),
                    params={"onset": onset},
                )
            )


def raise_if(errors: list[FieldError], detail: str) -> None:
    if errors:
        raise InvalidInput(detail, errors)


def counts(event: NotificationEvent) -> dict[str, int | None]:
    """The four counts; None is "not reported"."""
    return {name: getattr(event, name) for name in COUNT_FIELDS}


def is_overdue(event: NotificationEvent, now: datetime) -> bool:
    """Annex 2 said notify: overdue when not notified within 24 hours of that assessment."""
    deadline = event.notification_deadline
    if deadline is None:
        return False
    reference = event.notified_at or now
    return reference > deadline


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    deadline = NotificationEvent.notification_deadline
    # coalesce keeps the clause two-valued, so that its negation lists the events on time.
    return and_(deadline.is_not(None), func.coalesce(NotificationEvent.notified_at, now) > deadline)


def snapshot(event: NotificationEvent, **extra: Any) -> dict[str, Any]:
    """The event's values as of now: stored with each version and what its CAP message says."""
    values = {
        "id": event.id,
        "state": event.state,
        "status": event.status,
        "mode": event.mode,
        "visibility": event.visibility,
        "title": event.title,
        "disease": event.disease,
        "event_type": event.event_type,
        "area_code": event.area_code,
        "latitude": event.latitude,
        "longitude": event.longitude,
        "onset_date": event.onset_date,
        "detection_date": event.detection_date,
        **counts(event),
        "affected_states": list(event.affected_states or []),
        "measures": event.measures,
        "description": event.description,
        "language": event.language,
        "translations": event.translations or {},
        "annex2_outcome": event.annex2_outcome,
        "risk_level": event.risk_level,
        "close_reason": event.close_reason,
        **extra,
    }
    return audit.json_ready(values)


def titles(event: NotificationEvent) -> dict[str, str]:
    """The event's title in each other language it carries (what lists show their readers)."""
    return {
        lang: texts["title"]
        for lang, texts in (event.translations or {}).items()
        if isinstance(texts, dict) and texts.get("title")
    }


def summary(event: NotificationEvent, now: datetime | None = None) -> dict[str, Any]:
    """The self-contained JSON a webhook or e-mail carries: enough to act on without a call back."""
    now = now or utcnow()
    return {
        "id": event.id,
        "state": event.state,
        "status": event.status,
        "version": event.version,
        "title": event.title,
        "disease": event.disease,
        "disease_name": disease_name(event.disease),
        "event_type": event.event_type,
        "area_code": event.area_code,
        "onset_date": event.onset_date,
        "counts": counts(event),
        "affected_states": list(event.affected_states or []),
        "risk_level": event.risk_level,
        "annex2_outcome": event.annex2_outcome,
        "overdue": is_overdue(event, now),
        "visibility": event.visibility,
        "mode": event.mode,
        "exercise": event.mode != EventMode.ACTUAL,
        "links": links(event.id),
    }


def publish(
    session: Session,
    *,
    actor: str,
    topic: str,
    event: NotificationEvent,
    states: list[str] | None = None,
    extra: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Queue the event's message in this transaction; drills go out flagged as such."""
    payload: dict[str, Any] = {"topic": topic, "event": summary(event, now)}
    if extra:
        payload.update(extra)
    outbox.publish(
        session,
        actor=actor,
        topic=topic,
        entity=ENTITY,
        entity_id=event.id,
        payload=payload,
        visibility=Visibility(event.visibility),
        states=states,
        exercise=event.mode != EventMode.ACTUAL,
    )


def record(
    session: Session, *, actor: str, action: str, event: NotificationEvent, state: dict[str, Any]
) -> None:
    audit.record(
        session, actor=actor, action=action, entity=ENTITY, entity_id=event.id, state=state
    )


LANGUAGE_TAG = re.compile(r"[a-z]{2}(-[A-Za-z]{2,4})?")
