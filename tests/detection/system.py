"""Shared set-up of the detection-in-the-system tests: synthetic series with an outbreak.

Every series here is SYNTHETIC (submitted with ``synthetic=True``) and says so wherever it shows.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import utcnow
from epibridge.detection.schemas import RunOptions, RunReport
from epibridge.detection.service import run
from epibridge.detection.service.common import DETECTION_ACTOR
from tests.epidata.helpers import submit, weekly

#: The weekly baseline (Poisson around 10, fixed seed) and the outbreak in the last two weeks.
BASELINE = [int(v) for v in np.random.default_rng(20261122).poisson(10, 26)]
OUTBREAK = [60, 85]


def first_monday(weeks: int) -> date:
    """The Monday ``weeks`` whole weeks before the current week, so every period is past."""
    today = utcnow().date()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks)


def submit_series(
    sessions: sessionmaker[Session],
    state: str,
    values: list[int | None],
    *,
    disease: str = "A09",
    weeks_ago: int | None = None,
) -> None:
    """Submit a weekly confirmed-cases series (synthetic) ending the week before this one."""
    start = first_monday(weeks_ago if weeks_ago is not None else len(values))
    submit(sessions, weekly(state, disease, str(start), values), state=state, synthetic=True)


def detect(sessions: sessionmaker[Session], **options: object) -> RunReport:
    return run(sessions, options=RunOptions.model_validate(options), actor=DETECTION_ACTOR)
