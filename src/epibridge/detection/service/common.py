"""What storing and deciding signals share: names, the machine principal, audit state, the
outbox message, and opening a draft notification."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from epibridge.detection.models import Signal
from epibridge.detection.schemas import SignalRead
from epibridge.notifications import service as notifications
from epibridge.notifications.outbox import service as outbox
from epibridge.notifications.schemas import NotificationCreate
from epibridge.notifications.statuses import EventMode, EventStatus
from epibridge.security import Principal, Role, Visibility, system_principal

ENTITY = "detection_signal"
#: The detection engine as a component: its runs and the signals they open say ``system:detection``.
DETECTION_ACTOR = system_principal("detection")
API_PATH = "/api/v1/signals"


def detector(state: str) -> Principal:
    """The machine principal that opens drafts: ``system:detection``, bound to the owning state.

    Bound to one state with the system role, it may open that state's draft and nothing else.
    """
    return Principal(user_id=0, name="detection", role=Role.SYSTEM, state=state, kind="system")


def audit_state(signal: Signal) -> dict[str, Any]:
    """The signal as audited and sent: its read model in JSON types."""
    return SignalRead.model_validate(signal).model_dump(mode="json")


def publish(session: Session, *, actor: Principal, topic: str, signal: Signal) -> None:
    outbox.publish(
        session,
        actor=actor.actor,
        topic=topic,
        entity=ENTITY,
        entity_id=signal.id,
        payload={
            "topic": topic,
            # flat fields, as the outbox's e-mails and feeds read them
            "title": (
                f"{'[SYNTHETIC DATA] ' if signal.synthetic else ''}Detection signal "
                f"({signal.method}): {signal.title}, {signal.period_start} to {signal.period_end}"
            ),
            "state": signal.state,
            "disease": signal.disease,
            "status": signal.status,
            "signal": audit_state(signal),
            "links": {"self": f"{API_PATH}/{signal.id}"},
        },
        visibility=Visibility.MEMBERS,
        states=[signal.state],
        exercise=signal.synthetic,
    )


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def open_draft(session: Session, signal: Signal) -> int:
    """Open the draft notification a state's focal points will confirm or dismiss."""
    counts: dict[str, int] = {}
    observed = int(signal.observed) if signal.observed is not None else 0
    if signal.metric == "deaths":
        counts["deaths"] = observed
    elif signal.metric == "cases":
        field = {"confirmed": "confirmed_cases", "probable": "probable_cases"}.get(
            signal.classification, "suspected_cases"
        )
        counts[field] = observed
    prefix = "[SYNTHETIC DATA] " if signal.synthetic else ""
    title = (
        f"{prefix}Detection signal: {signal.disease} {signal.metric} ({signal.classification}) "
        f"in {signal.state}, {signal.granularity} of {signal.period_start}"
    )
    description = (
        f"{prefix}Automatic detection ({signal.method}) found {_fmt(signal.observed)} "
        f"{signal.metric} ({signal.classification}) for {signal.period_start} to "
        f"{signal.period_end}, above the upper bound {_fmt(signal.upperbound)} "
        f"(expected {_fmt(signal.expected)}), with the data as known at "
        f"{signal.as_of.isoformat()}. This draft is not notified: a focal point of "
        f"{signal.state} confirms the signal (which notifies it) or dismisses it with a reason "
        f"({API_PATH}/{signal.id})."
    )
    event = notifications.create(
        session,
        actor=detector(signal.state),
        data=NotificationCreate(
            title=title[:300],
            disease=signal.disease,
            onset_date=signal.period_start,
            detection_date=signal.as_of.date(),
            state=signal.state,
            status=EventStatus.DRAFT,
            mode=EventMode.EXERCISE if signal.synthetic else EventMode.ACTUAL,
            visibility=Visibility.MEMBERS,
            description=description,
            event_type="outbreak",
            **counts,  # type: ignore[arg-type]
        ),
    )
    return event.id
