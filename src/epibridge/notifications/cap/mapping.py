"""Translations between epibridge's vocabulary and CAP's.

Kept apart from building and parsing so the notification service and the UI can show the CAP
values an assessment will produce before anything is sent.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

from epibridge.notifications.cap.model import (
    GEOCODE_ISO3166_1,
    GEOCODE_ISO3166_2,
    Severity,
    Status,
    Urgency,
    ValuePair,
)
from epibridge.notifications.risk import RiskLevel

__all__ = [
    "RISK_TO_CAP",
    "STATUS_BY_MODE",
    "EventMode",
    "is_actionable",
    "iso3166_geocode",
    "severity_urgency",
    "status_for",
]

# WHO risk levels call for: low = routine handling, moderate = specific measures, high = senior
# management attention, very high = immediate response even out of hours (WHO RRA 2012). CAP
# severity follows the threat, CAP urgency the time in which responsive action is needed.
RISK_TO_CAP = MappingProxyType(
    {
        RiskLevel.LOW: (Severity.MINOR, Urgency.FUTURE),
        RiskLevel.MODERATE: (Severity.MODERATE, Urgency.FUTURE),
        RiskLevel.HIGH: (Severity.SEVERE, Urgency.EXPECTED),
        RiskLevel.VERY_HIGH: (Severity.EXTREME, Urgency.IMMEDIATE),
    }
)

EventMode = Literal["actual", "exercise", "test", "draft", "system"]
"""How an epibridge notification is meant: a real event, a drill, a technical test, ..."""

# A drill must never reach a receiver as "Actual": receivers act on Actual alerts only.
STATUS_BY_MODE = MappingProxyType(
    {
        "actual": Status.ACTUAL,
        "exercise": Status.EXERCISE,
        "test": Status.TEST,
        "draft": Status.DRAFT,
        "system": Status.SYSTEM,
    }
)


def severity_urgency(level: RiskLevel | str) -> tuple[Severity, Urgency]:
    """Return the CAP (severity, urgency) for an epibridge risk level."""
    try:
        return RISK_TO_CAP[RiskLevel(level)]
    except ValueError:
        allowed = ", ".join(m.value for m in RiskLevel)
        raise ValueError(f"unknown risk level {level!r}; expected one of {allowed}") from None


def status_for(mode: EventMode | str) -> Status:
    """Return the CAP status for an event mode (exercises -> Exercise, tests -> Test)."""
    try:
        return STATUS_BY_MODE[mode]
    except KeyError:
        allowed = ", ".join(STATUS_BY_MODE)
        raise ValueError(f"unknown event mode {mode!r}; expected one of {allowed}") from None


def is_actionable(status: Status | str) -> bool:
    """Say whether receivers should act on an alert: only ``Actual`` ones are real (CAP 1.2)."""
    return Status(status) is Status.ACTUAL


def iso3166_geocode(code: str) -> ValuePair:
    """Return the geocode for an ISO 3166-1 alpha-2 country or ISO 3166-2 subdivision code.

    Checked against pycountry so that a typo never reaches another state's system.
    """
    import pycountry  # deferred: loading its databases is not import-time work

    norm = code.strip().upper()
    if "-" in norm:
        if pycountry.subdivisions.get(code=norm) is None:
            raise ValueError(f"{code!r} is not an ISO 3166-2 subdivision code")
        return ValuePair(GEOCODE_ISO3166_2, norm)
    if len(norm) != 2 or pycountry.countries.get(alpha_2=norm) is None:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return ValuePair(GEOCODE_ISO3166_1, norm)
