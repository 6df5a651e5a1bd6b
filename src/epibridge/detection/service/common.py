"""What storing and deciding signals share: names, the machine principal, audit state, the
outbox message, and opening a draft notification."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from epibridge import i18n
from epibridge.detection.models import Signal
from epibridge.detection.schemas import SignalRead
from epibridge.i18n import N_, Phrase
from epibridge.notifications import service as notifications
from epibridge.notifications.diseases import disease_name
from epibridge.notifications.outbox import service as outbox
from epibridge.notifications.schemas import NotificationCreate, Translation
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


#: A draft's title and description: message ids, rendered once per language when the draft is
#: opened. An event's texts are its state's words (the focal point may edit them before
#: notifying), so the draft stores them: English in ``title``/``description``, Russian and
#: Chinese in ``translations`` (the event's other languages, each a CAP info block once
#: notified), rather than rendering them again at every view.
DRAFT_TITLE = N_(
    "Detection signal: {disease} {metric} ({classification}) in {state}, {granularity} of "
    "{period_start}"
)
DRAFT_DESCRIPTION = N_(
    "Automatic detection ({method}) found {observed} {metric} ({classification}) for "
    "{period_start} to {period_end}, above the upper bound {upperbound} (expected "
    "{expected}), with the data as known at {as_of}. This draft is not notified: a focal point "
    "of {state} confirms the signal (which notifies it) or dismisses it with a reason ({link})."
)
SYNTHETIC_PREFIX = N_("[SYNTHETIC DATA] {text}")
#: The words of a series inside a sentence (lower case), by code.
WORDS = {
    "cases": N_("cases"),
    "deaths": N_("deaths"),
    "hospitalisations": N_("hospitalisations"),
    "tests": N_("tests"),
    "positive_tests": N_("positive tests"),
    "vaccinations": N_("vaccinations"),
    "all": N_("all cases"),
    "confirmed": N_("confirmed"),
    "probable": N_("probable"),
    "suspected": N_("suspected"),
    "day": N_("day"),
    "week": N_("week"),
    "month": N_("month"),
}


def _word(code: str) -> Phrase | str:
    """A code as a word of the sentence: translated where it is one of ``WORDS``."""
    # English keeps the codes themselves, as drafts were always titled.
    return Phrase(WORDS[code]) if code in WORDS else code


def draft_texts(signal: Signal, lang: str) -> dict[str, str]:
    """The draft's title and description in ``lang`` (English: the codes as they are)."""
    english = lang == "en"
    params: dict[str, object] = {
        "disease": signal.disease
        if english
        else f"{disease_name(signal.disease, lang) or signal.disease} ({signal.disease})",
        "metric": signal.metric if english else _word(signal.metric),
        "classification": signal.classification if english else _word(signal.classification),
        "granularity": signal.granularity if english else _word(signal.granularity),
        "state": signal.state,
        "period_start": signal.period_start,
        "period_end": signal.period_end,
        "method": signal.method,
        "observed": _fmt(signal.observed),
        "upperbound": _fmt(signal.upperbound),
        "expected": _fmt(signal.expected),
        "as_of": signal.as_of.isoformat(),
        "link": f"{API_PATH}/{signal.id}",
    }
    texts = {
        "title": i18n.message(DRAFT_TITLE, params, lang),
        "description": i18n.message(DRAFT_DESCRIPTION, params, lang),
    }
    if signal.synthetic:
        texts = {k: i18n.message(SYNTHETIC_PREFIX, {"text": v}, lang) for k, v in texts.items()}
    return {"title": texts["title"][:300], "description": texts["description"]}


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
    english = draft_texts(signal, "en")
    translations = {
        lang: Translation(**draft_texts(signal, lang)) for lang in i18n.LANGUAGES if lang != "en"
    }
    event = notifications.create(
        session,
        actor=detector(signal.state),
        data=NotificationCreate(
            title=english["title"],
            disease=signal.disease,
            onset_date=signal.period_start,
            detection_date=signal.as_of.date(),
            state=signal.state,
            status=EventStatus.DRAFT,
            mode=EventMode.EXERCISE if signal.synthetic else EventMode.ACTUAL,
            visibility=Visibility.MEMBERS,
            description=english["description"],
            translations=translations,
            event_type="outbreak",
            **counts,  # type: ignore[arg-type]
        ),
    )
    return event.id
