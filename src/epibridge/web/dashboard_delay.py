"""The dashboard's reporting-delay table: how many weeks each state takes to report a week.

The figures and their rule are ``nowcasting.service.reporting_delay``'s (learnt from the
reporting triangles of the day's rate disease); this only puts them into rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from epibridge.epidata.backdating import end_of_day
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import DomainError
from epibridge.nowcasting import service as nowcasting
from epibridge.security import Principal

#: Weeks the distribution is learnt from, and the longest delay looked at.
WEEKS = 26
MAX_DELAY = 6


def rows(
    session: Session,
    principal: Principal,
    *,
    disease: str | None,
    on: date,
    state_names: dict[str, str],
) -> list[dict[str, Any]]:
    """One row per member state with a weekly series of ``disease``: median and 90th percentile."""
    if not disease or not state_names:
        return []
    selector = SeriesSelector(disease, states=tuple(state_names), as_of=end_of_day(on))
    try:
        found = nowcasting.reporting_delay(
            session, actor=principal, selector=selector, max_delay=MAX_DELAY, periods=WEEKS
        )
    except DomainError:
        return []
    return [
        {
            "state": item.state,
            "name": state_names.get(item.state, item.state),
            "median": item.median_delay,
            "p90": item.p90_delay,
            "periods": item.periods,
            "synthetic": item.synthetic,
        }
        for item in found
        if item.periods
    ]
