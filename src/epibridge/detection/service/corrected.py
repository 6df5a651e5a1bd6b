"""Series corrected for reporting delay: the counts detection and R_t judge with ``nowcast``.

The latest periods of a series are incomplete, so a method sees a false drop exactly where an
outbreak would show first. Corrected, a period is what is observed when it is complete and its
nowcast median when it is not — the nowcasting service's nowcast (``nowcasting.outlook``, the
same as ``GET /api/v1/data/nowcast``), never a second estimate.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from sqlalchemy.orm import Session

from epibridge.detection.service.series import LoadedSeries
from epibridge.epidata.selector import SeriesSelector
from epibridge.nowcasting import outlook
from epibridge.security import Principal


def correct(
    session: Session,
    *,
    principal: Principal,
    selector: SeriesSelector,
    loaded: LoadedSeries,
    max_delay: int = outlook.DEFAULT_MAX_DELAY,
) -> LoadedSeries:
    """``loaded`` with each incomplete period's count replaced by its nowcast median.

    A series with no incomplete period on its grid comes back unchanged (``corrected``
    false); errors of the nowcast (a delay out of range) are the service's, raised as such.
    """
    ahead = outlook.outlook(
        session,
        actor=principal,
        selector=selector.for_state(loaded.key.state),
        max_delay=max_delay,
    )
    index = {start: i for i, start in enumerate(loaded.starts)}
    counts = loaded.counts.copy()
    replaced = 0
    for band in ahead.nowcast:
        i = index.get(band.period_start)
        if i is not None and np.isfinite(band.q50):
            counts[i] = band.q50
            replaced += 1
    if not replaced:
        return loaded
    return dataclasses.replace(loaded, counts=counts, corrected=True)
