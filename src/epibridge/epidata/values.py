"""A state's current values as one frame, for faces that translate whole states (gateways).

The series query (``queries``) reads one identity across states; a gateway reading back what a
national system sent wants the opposite: every series of one state over a range, with their
keys, to join on its own mapping. Withdrawn values are absent, as everywhere.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge.epidata.codes import SERIES_COLUMNS
from epibridge.epidata.models import Observation, Series
from epibridge.members import service as members
from epibridge.security import Action, Principal, authorize

#: At most this many values are read at once (a read-back is a reporting period, not a dump).
MAX_VALUES = 1_000_000


def current_values(
    session: Session, *, principal: Principal, state: str, start: date, end: date
) -> pl.DataFrame:
    """The current values of ``state``'s series whose periods lie in ``[start, end]``."""
    authorize(principal, Action.READ_MEMBERS)
    code = members.require_state(session, state)
    query = (
        select(
            *(getattr(Series, c) for c in SERIES_COLUMNS),
            Observation.period_start,
            Observation.period_end,
            Observation.value,
        )
        .join(Observation, Observation.series_id == Series.id)
        .where(
            Series.state_iso3 == code,
            Observation.period_start >= start,
            Observation.period_end <= end,
            Observation.superseded_at.is_(None),
            Observation.withdrawn.is_(False),
            Observation.value.is_not(None),
        )
        .limit(MAX_VALUES)
    )
    rows = session.execute(query).all()
    schema = {
        **dict.fromkeys(SERIES_COLUMNS, pl.String),
        "period_start": pl.Date,
        "period_end": pl.Date,
        "value": pl.Int64,
    }
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
