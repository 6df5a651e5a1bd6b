"""The scenario, played once in one transaction: all of it is there, or none of it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from epibridge.demo_scenario import assistance, borders, consultation, events
from epibridge.demo_scenario.cast import Cast, Timeline

#: The accounts that act in the scenario.
ACTORS = ("secretariat", *(f"fp-{s}" for s in ("kaz", "chn", "kgz", "uzb", "rus")))


@dataclass(frozen=True)
class Played:
    events: events.Events
    borders: borders.Borders
    assistance: assistance.Assistance
    consultation: consultation.Consultation


def missing_actors(cast: Cast) -> list[str]:
    """The scenario's accounts this organization profile has no account for."""
    return [name for name in ACTORS if name not in cast.by_name]


def play(session: Session, cast: Cast, time: Timeline) -> Played | None:
    """Play the scenario unless it was played already (then ``None``)."""
    if events.played(session, cast):
        return None
    notified = events.play(session, cast, time)
    return Played(
        events=notified,
        borders=borders.play(session, cast, time),
        assistance=assistance.play(session, cast, time, event_id=notified.kaz_event),
        consultation=consultation.play(session, cast, time, event_id=notified.kaz_event),
    )
