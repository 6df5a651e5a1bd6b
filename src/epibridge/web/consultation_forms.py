"""The consultation forms: the names pages show, the labels of every field, and turning a
submitted form into the service's input (convening, a draft, a version, an amendment, a
decision round, a position).

Times typed in a ``datetime-local`` field are read as UTC, which the form says.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from epibridge.consultations.schemas import (
    AmendmentCreate,
    ConsultationClose,
    ConsultationCreate,
    DecisionCreate,
    DocumentCreate,
    PositionCreate,
    VersionCreate,
)
from epibridge.errors import FieldError
from epibridge.i18n import LANGUAGES, N_
from epibridge.web.context import Web, text
from epibridge.web.dashboard import translated
from epibridge.web.form_input import moment_utc, validated, whole

STATUS_NAMES = {
    "requested": N_("Requested"),
    "declined": N_("Declined"),
    "open": N_("Open"),
    "draft": N_("Draft"),
    "under_decision": N_("Under decision"),
    "adopted": N_("Adopted"),
    "rejected": N_("Rejected"),
    "withdrawn": N_("Withdrawn"),
    "closed": N_("Closed"),
    "proposed": N_("Proposed"),
    "incorporated": N_("Incorporated"),
}
KIND_NAMES = {
    "joint_statement": N_("Joint statement"),
    "action_plan": N_("Action plan"),
    "protocol": N_("Protocol"),
}
POSITION_NAMES = {
    "support": N_("Support"),
    "abstain": N_("Abstain"),
    "object": N_("Object"),
}
CHANGE_NAMES = {
    "added": N_("Added"),
    "removed": N_("Removed"),
    "changed": N_("Changed"),
    "unchanged": N_("Unchanged"),
}
#: How a consultation ended (``ClosingOutcome``), as its page says it.
OUTCOME_NAMES = {
    "adopted": N_("Ended with adopted documents"),
    "no_consensus": N_("Ended without consensus"),
    "withdrawn": N_("Withdrawn: no longer needed"),
}
PROCEDURE_NAMES = {"consensus": N_("Consensus"), "silence": N_("Silence procedure")}
LABELS = {
    "topic": N_("Topic"),
    "description": N_("Description"),
    "participants": N_("Participating member states"),
    "observers": N_("Invited observers and partners"),
    "agenda": N_("Agenda"),
    "deadline_label": N_("Deadline: what is due"),
    "deadline_due": N_("Deadline: when (UTC)"),
    "deadlines": N_("Deadlines"),
    "event_ids": N_("Linked events"),
    "kind": N_("Kind"),
    "title": N_("Title"),
    "texts": N_("Text"),
    "text_en": N_("Text in English"),
    "text_ru": N_("Text in Russian"),
    "text_zh": N_("Text in Chinese"),
    "note": N_("Note"),
    "based_on": N_("Based on version"),
    "incorporates": N_("Amendments incorporated"),
    "state": N_("State"),
    "version": N_("Version"),
    "reason": N_("Reason"),
    "procedure": N_("Procedure"),
    "deadline": N_("Deadline (UTC)"),
    "position": N_("Position"),
    "reasons": N_("Reasons"),
    "document_id": N_("Document"),
    "convenor": N_("Convenor"),
    "consultation_id": N_("Consultation"),
    "outcome": N_("How it ended"),
}
TEXT_FIELDS = {lang: f"text_{lang}" for lang in LANGUAGES}
#: The fields a form sends once per value chosen.
LISTS = frozenset({"participants", "observers", "event_ids", "incorporates"})


def names(web: Web) -> dict[str, Any]:
    return {
        "status_names": translated(web, STATUS_NAMES),
        "kind_names": translated(web, KIND_NAMES),
        "position_names": translated(web, POSITION_NAMES),
        "change_names": translated(web, CHANGE_NAMES),
        "procedure_names": translated(web, PROCEDURE_NAMES),
        "outcome_names": translated(web, OUTCOME_NAMES),
        "text_fields": TEXT_FIELDS,
    }


def label_of(name: str) -> str | None:
    """A field's label id; a service's ``texts.en`` or ``participants[2]`` names its control."""
    base = name.split("[")[0].split(".")[0]
    if base == "texts" and "." in name:
        return LABELS.get(TEXT_FIELDS.get(name.split(".")[1], ""), LABELS["texts"])
    return LABELS.get(base)


def control_of(name: str) -> str:
    """The form control a service's field names: ``texts.ru`` the Russian text's, ``texts``
    (none given) the English one's, ``incorporates[1]`` the amendments' boxes."""
    if name.startswith("texts."):
        return "text_" + name.split(".", 1)[1]
    return "text_en" if name == "texts" else name.split("[")[0]


def form_values(form: FormData) -> dict[str, Any]:
    """What was sent, to fill the form again (lists for the fields sent several times)."""
    values: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        got = [v for v in form.getlist(key) if isinstance(v, str)]
        values[key] = got if key in LISTS else text(form, key)
    return values


def _texts(form: FormData, prefix: str = "text_") -> dict[str, str]:
    return {
        lang: text(form, f"{prefix}{lang}") for lang in LANGUAGES if text(form, f"{prefix}{lang}")
    }


def _codes(form: FormData, name: str) -> list[str]:
    return [v.strip().upper() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def convene_input(form: FormData) -> ConsultationCreate:
    problems: list[FieldError] = []
    agenda = [{"title": line.strip()} for line in text(form, "agenda").splitlines() if line.strip()]
    deadlines: list[dict[str, Any]] = []
    label, due = text(form, "deadline_label"), text(form, "deadline_due")
    if label or due:
        moment = moment_utc(due, "deadline_due", problems)
        if not label:
            problems.append(FieldError("deadline_label", N_("say what is due by this time")))
        if moment is not None and label:
            deadlines.append({"label": label, "due": moment})
    events: list[int] = []
    for index, value in enumerate(v for v in form.getlist("event_ids") if isinstance(v, str)):
        event = whole(value, f"event_ids[{index}]", problems)
        if event is not None:
            events.append(event)
    payload = {
        "topic": text(form, "topic"),
        "description": text(form, "description") or None,
        "participants": _codes(form, "participants"),
        "observers": _codes(form, "observers"),
        "agenda": agenda,
        "deadlines": deadlines,
        "event_ids": events,
    }
    if not payload["participants"]:
        problems.append(FieldError("participants", N_("choose at least one member state")))
    return validated(ConsultationCreate, payload, problems)


def document_input(form: FormData) -> DocumentCreate:
    payload = {
        "kind": text(form, "kind"),
        "title": text(form, "title"),
        "texts": _texts(form),
        "note": text(form, "note") or None,
    }
    return validated(DocumentCreate, payload, [])


def version_input(form: FormData) -> VersionCreate:
    problems: list[FieldError] = []
    incorporates = []
    for index, value in enumerate(v for v in form.getlist("incorporates") if isinstance(v, str)):
        amendment = whole(value, f"incorporates[{index}]", problems)
        if amendment is not None:
            incorporates.append(amendment)
    payload = {
        "based_on": whole(text(form, "based_on"), "based_on", problems, required=True),
        "texts": _texts(form),
        "note": text(form, "note") or None,
        "incorporates": incorporates,
    }
    return validated(VersionCreate, payload, problems)


def amendment_input(form: FormData) -> AmendmentCreate:
    problems: list[FieldError] = []
    payload = {
        "state": text(form, "state"),
        "version": whole(text(form, "version"), "version", problems, required=True),
        "reason": text(form, "reason"),
        "texts": _texts(form, "amend_"),
    }
    return validated(AmendmentCreate, payload, problems)


def decision_input(form: FormData) -> DecisionCreate:
    problems: list[FieldError] = []
    payload = {
        "version": whole(text(form, "version"), "version", problems, required=True),
        "procedure": text(form, "procedure") or "consensus",
        "deadline": moment_utc(text(form, "deadline"), "deadline", problems),
    }
    return validated(DecisionCreate, payload, problems)


def position_input(form: FormData) -> PositionCreate:
    problems: list[FieldError] = []
    payload = {
        "state": text(form, "state"),
        "version": whole(text(form, "version"), "version", problems, required=True),
        "position": text(form, "position"),
        "reasons": text(form, "reasons") or None,
    }
    return validated(PositionCreate, payload, problems)


def close_input(form: FormData) -> ConsultationClose:
    payload = {"outcome": text(form, "outcome"), "reason": text(form, "reason") or None}
    return validated(ConsultationClose, payload, [])
