"""The IHR (2005) Annex 2 decision instrument: must this event be notified to WHO?

Source: World Health Organization, *International Health Regulations (2005)*, third edition,
Geneva, 2016, Annex 2 ("Decision instrument for the assessment and notification of events that may
constitute a public health emergency of international concern") and Article 6 (notification within
24 hours of assessment).

The rules, as this module applies them:

* A case of smallpox, poliomyelitis due to wild-type poliovirus, human influenza caused by a new
  subtype, or SARS "is unusual or unexpected and may have serious public health impact, and thus
  shall be notified" — whatever the answers (``always_notifiable``).
* An event involving cholera, pneumonic plague, yellow fever, viral haemorrhagic fevers, West Nile
  fever, or other diseases of special national or regional concern (dengue, Rift Valley fever,
  meningococcal disease) "shall always lead to utilization of the algorithm" (``always_assess``):
  the form must not let the four questions be skipped. It does not by itself mean "notify".
* Otherwise, and for those diseases, the event is notified when any two of the four criteria are
  met. With unanswered questions (``None``) the outcome is ``insufficient_information`` only when
  the unknown answers could still change it: two "yes" already decide "notify", three "no" already
  decide "not notifiable" ("not notified at this stage; reassess when more information becomes
  available").

Poliomyelitis (decision): Annex 2 names wild-type poliovirus only, so ``A80.0`` (acute
paralytic poliomyelitis, vaccine-associated) is *not* always notifiable and goes through the
algorithm like any event. ``A80.1``/``A80.2`` (wild virus) are always notifiable, and so are
``A80`` and ``A80.3``-``A80.9``, where the virus type is not recorded: until the virus is typed
as vaccine-related the case is treated as possibly wild (precaution).

Diseases are matched by ICD-10 prefix (``A98`` covers ``A98.0``-``A98.8``); the tables are below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from epibridge.notifications.diseases import UNKNOWN, validate_disease_code

__all__ = [
    "ALWAYS_ASSESS",
    "ALWAYS_NOTIFIABLE",
    "NOTIFICATION_WINDOW",
    "QUESTIONS",
    "Annex2Result",
    "Outcome",
    "deadline",
    "decide",
    "is_overdue",
]

Outcome = Literal["notify", "not_notifiable", "insufficient_information"]

QUESTIONS: dict[str, str] = {
    "serious_impact": "Is the public health impact of the event serious?",
    "unusual": "Is the event unusual or unexpected?",
    "international_spread": "Is there a significant risk of international spread?",
    "travel_trade_restrictions": (
        "Is there a significant risk of international travel or trade restrictions?"
    ),
}
"""The four Annex 2 questions, in the instrument's order."""


@dataclass(frozen=True, slots=True)
class _Entry:
    prefix: str
    label: str
    excludes: tuple[str, ...] = ()

    def matches(self, code: str) -> bool:
        if any(code == ex or code.startswith(ex) for ex in self.excludes):
            return False
        return (
            code == self.prefix
            or code.startswith(self.prefix + ".")
            or ("." in self.prefix and code.startswith(self.prefix))
        )


ALWAYS_NOTIFIABLE: tuple[_Entry, ...] = (
    _Entry("B03", "smallpox"),
    _Entry("A80", "poliomyelitis due to wild-type poliovirus", excludes=("A80.0",)),
    _Entry("J09", "human influenza caused by a new subtype"),
    _Entry("U04", "severe acute respiratory syndrome (SARS)"),
)
"""Annex 2, left-hand box: a single case is notified."""

ALWAYS_ASSESS: tuple[_Entry, ...] = (
    _Entry("A00", "cholera"),
    _Entry("A20.2", "pneumonic plague"),
    _Entry("A95", "yellow fever"),
    _Entry("A96", "viral haemorrhagic fever (arenaviral, e.g. Lassa)"),
    _Entry("A98", "viral haemorrhagic fever (e.g. Crimean-Congo, Marburg, Ebola)"),
    _Entry("A99", "viral haemorrhagic fever, unspecified"),
    _Entry("A92.3", "West Nile fever"),
    _Entry("A90", "dengue (special regional concern)"),
    _Entry("A91", "dengue haemorrhagic fever (special regional concern)"),
    _Entry("A97", "dengue (special regional concern)"),
    _Entry("A92.4", "Rift Valley fever (special regional concern)"),
    _Entry("A39", "meningococcal disease (special regional concern)"),
)
"""Annex 2, right-hand box: the algorithm must always be used."""

NOTIFICATION_WINDOW = timedelta(hours=24)
"""IHR Article 6.1: notify WHO within 24 hours of assessment."""


@dataclass(frozen=True, slots=True)
class Annex2Result:
    outcome: Outcome
    rule: Literal["always_notifiable", "two_criteria_met", "fewer_than_two_criteria", "undecided"]
    reason: str
    disease: str
    always_notifiable: bool
    always_assess: bool
    criteria_met: tuple[str, ...]
    criteria_unknown: tuple[str, ...]


def _first(entries: tuple[_Entry, ...], code: str) -> _Entry | None:
    return next((e for e in entries if e.matches(code)), None)


def decide(
    disease: str,
    *,
    serious_impact: bool | None,
    unusual: bool | None,
    international_spread: bool | None,
    travel_trade_restrictions: bool | None,
) -> Annex2Result:
    """Apply Annex 2 to one event (answers: ``True`` yes, ``False`` no, ``None`` unknown)."""
    code = validate_disease_code(disease)
    answers = {
        "serious_impact": serious_impact,
        "unusual": unusual,
        "international_spread": international_spread,
        "travel_trade_restrictions": travel_trade_restrictions,
    }
    for key, value in answers.items():
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"{key} must be True, False or None, got {value!r}")
    met = tuple(k for k, v in answers.items() if v is True)
    unknown = tuple(k for k, v in answers.items() if v is None)
    notifiable = None if code == UNKNOWN else _first(ALWAYS_NOTIFIABLE, code)
    assess_entry = None if code == UNKNOWN else _first(ALWAYS_ASSESS, code)

    def result(outcome: Outcome, rule: str, reason: str) -> Annex2Result:
        return Annex2Result(
            outcome=outcome,
            rule=rule,  # type: ignore[arg-type]
            reason=reason,
            disease=code,
            always_notifiable=notifiable is not None,
            always_assess=assess_entry is not None,
            criteria_met=met,
            criteria_unknown=unknown,
        )

    if notifiable is not None:
        return result(
            "notify",
            "always_notifiable",
            f"a case of {notifiable.label} ({code}) is unusual or unexpected and may have serious "
            "public health impact, and thus shall be notified (IHR Annex 2)",
        )
    if len(met) >= 2:
        return result(
            "notify",
            "two_criteria_met",
            f"{len(met)} of the 4 criteria are met ({', '.join(met)}); two are enough to notify",
        )
    if len(met) + len(unknown) < 2:
        return result(
            "not_notifiable",
            "fewer_than_two_criteria",
            f"at most {len(met)} of the 4 criteria can be met; not notified at this stage, "
            "reassess when more information becomes available",
        )
    return result(
        "insufficient_information",
        "undecided",
        f"{len(met)} criteria met and {len(unknown)} unanswered ({', '.join(unknown)}); "
        "the unanswered questions decide whether the event must be notified",
    )


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


def deadline(assessed_at: datetime) -> datetime:
    """Return the latest time WHO may be notified of an event assessed as notifiable."""
    return _aware(assessed_at, "assessed_at") + NOTIFICATION_WINDOW


def is_overdue(assessed_at: datetime, notified_at: datetime | None, now: datetime) -> bool:
    """Say whether the 24-hour window was (or, if not notified yet, is now) exceeded."""
    limit = deadline(assessed_at)
    reference = notified_at if notified_at is not None else now
    return _aware(reference, "notified_at" if notified_at is not None else "now") > limit
