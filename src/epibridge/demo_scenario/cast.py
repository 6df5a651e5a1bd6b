"""Who acts in the scenario: the demo accounts themselves, as the console acts with ``--as``.

Each act goes through the domain's service as that account's principal, so the account's
rights apply and the audit log names both: ``user:fp-kaz via system:demo``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from epibridge.demo import DEMO_ACTOR
from epibridge.errors import NotFound
from epibridge.members import accounts
from epibridge.security import Principal


@dataclass(frozen=True)
class Cast:
    """The principals of the demo accounts present in the database."""

    by_name: dict[str, Principal]

    @classmethod
    def of(cls, session: Session, names: list[str]) -> Cast:
        found = {}
        for name in names:
            try:
                user = accounts.get_user(session, name=name)
            except NotFound:
                continue
            found[name] = replace(accounts.principal_of(user), via=DEMO_ACTOR.actor)
        return cls(found)

    def fp(self, state: str) -> Principal:
        """The focal point of ``state``."""
        return self.by_name[f"fp-{state.lower()}"]

    @property
    def secretariat(self) -> Principal:
        return self.by_name["secretariat"]

    def focal_points(self) -> dict[str, Principal]:
        """Each state's focal point, by ISO3 code."""
        return {p.state: p for p in self.by_name.values() if p.state and p.name.startswith("fp-")}


@dataclass(frozen=True)
class Timeline:
    """Moments of the scenario, relative to the day of the load: days of the previous ISO week
    (so last week's situation report has them) and days before or after today."""

    today: date

    @property
    def last_monday(self) -> date:
        return self.today - timedelta(days=self.today.weekday() + 7)

    def last_week(self, day: int, hour: int, minute: int = 0) -> datetime:
        """``day`` 0 is last Monday; hours are UTC."""
        moment = self.last_monday + timedelta(days=day)
        return datetime.combine(moment, time(hour, minute), tzinfo=UTC)

    def days(self, offset: int) -> date:
        return self.today + timedelta(days=offset)
