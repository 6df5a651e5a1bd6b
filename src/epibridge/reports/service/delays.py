"""What the weekly report says of reporting delay: per state, how much of a week is in by when,
and the report week corrected for what is still to come.

Both come from the nowcasting service (``reporting_delay`` and the nowcast of
``nowcasting.outlook``), read as known when the report is generated: a report made on Monday
sees the week just ended still incomplete, and says by how much.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import DomainError
from epibridge.nowcasting import outlook, service
from epibridge.security import Principal

#: Weeks of delay learnt, and complete weeks learnt from, for the sentence per state.
MAX_DELAY = outlook.DEFAULT_MAX_DELAY
LEARNT_WEEKS = 52


@dataclass
class DelayLine:
    """One state's reporting of one disease, and its report week corrected."""

    state: str
    synthetic: bool
    #: Share of a week's final count known by the end of the week, and one week after it.
    by_week_end: float | None
    within_a_week: float | None
    #: The report week as reported, and its nowcast (None: the week is complete).
    reported: float | None = None
    corrected: float | None = None
    low: float | None = None
    high: float | None = None
    #: Corrected change on the week before, as a fraction (+0.35: up 35%).
    change: float | None = None


def _share(shares: list[float | None], delay: int) -> float | None:
    return shares[delay] if len(shares) > delay else None


def delay_lines(
    session: Session,
    *,
    actor: Principal,
    disease: str,
    states: list[str],
    monday: date,
    now: datetime,
) -> list[DelayLine]:
    """A line per state that has learnt delays (complete weeks with their revisions)."""
    if not states:
        return []
    selector = SeriesSelector(disease=disease, states=tuple(states), as_of=now)
    try:
        delays = service.reporting_delay(
            session, actor=actor, selector=selector, max_delay=MAX_DELAY, periods=LEARNT_WEEKS
        )
    except DomainError:
        return []
    lines = []
    for item in delays:
        if not item.periods:
            continue
        line = DelayLine(
            item.state,
            item.synthetic,
            _share(item.share_by_delay, 0),
            _share(item.share_by_delay, 1),
        )
        _correct(session, actor, selector.for_state(item.state), monday, line)
        lines.append(line)
    return lines


def _correct(
    session: Session, actor: Principal, selector: SeriesSelector, monday: date, line: DelayLine
) -> None:
    """Fill in the report week's nowcast and corrected trend, when the week is incomplete."""
    try:
        ahead = outlook.outlook(session, actor=actor, selector=selector, max_delay=MAX_DELAY)
    except DomainError:
        return
    band = next((b for b in ahead.nowcast if b.period_start == monday), None)
    if band is None:
        return
    line.corrected, line.low, line.high = band.q50, band.q05, band.q95
    line.reported = ahead.observed.get(monday)
    before = ahead.corrected.get(monday - timedelta(weeks=1))
    if before:
        line.change = band.q50 / before - 1
