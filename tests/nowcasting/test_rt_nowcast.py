"""R_t at the edge of a truncated series: it falls on the counts as reported, not corrected.

The synthetic KAZ series is flat at 100 a week, so its reproduction number is about 1
throughout; its last two weeks are known at 40% and 80% when R_t is asked. The reference is
EpiEstim's estimator itself (Cori et al. 2013, ``detection.rt``, tested against R's EpiEstim)
on the final counts: the corrected edge must agree with it, the uncorrected one must not.
"""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session
from epibridge.detection import service
from epibridge.detection.rt import estimate_r
from epibridge.epidata.selector import SeriesSelector
from epibridge.nowcasting.service import as_of_moment
from tests.helpers import OPERATOR, bearer, make_user
from tests.nowcasting import edge

SHARES = (0.4, 0.8, 1.0)
FINALS = [100] * 30
SELECTOR = SeriesSelector(
    "A37", states=("KAZ",), classification="confirmed", as_of=as_of_moment(edge.AS_OF)
)


def _edge_means(nowcast: bool, sessions: sessionmaker[Session]) -> list[float]:
    with read_session(sessions) as session:
        read = service.series_rt(
            session, principal=OPERATOR, selector=SELECTOR, nowcast=nowcast, max_delay=2
        )
    assert read.nowcast is nowcast and read.synthetic
    return [p.mean for p in read.estimates]  # type: ignore[misc]


def test_rt_at_the_edge_falls_without_correction_and_not_with_it(
    sessions: sessionmaker[Session],
) -> None:
    edge.load(sessions, FINALS, SHARES)
    final = estimate_r(
        np.array(FINALS, dtype=float),
        method="parametric_si",
        mean_si=2.6,
        std_si=1.5,
        t_start=np.arange(2, len(FINALS) - 7 + 2),
        t_end=np.arange(2, len(FINALS) - 7 + 2) + 6,
    ).mean
    raw = _edge_means(False, sessions)
    fixed = _edge_means(True, sessions)
    # The false drop at the edge: each window reaching into the incomplete weeks lower.
    assert raw[-1] < raw[-2] < raw[-3] and raw[-1] < 0.92 * final[-1]
    assert fixed[-3:] == pytest.approx(final[-3:], rel=0.02)
    assert raw[:-3] == pytest.approx(fixed[:-3], rel=1e-9)  # windows before the edge agree


def test_the_rt_route_takes_nowcast_true(live_url: str, sessions: sessionmaker[Session]) -> None:
    edge.load(sessions, FINALS, SHARES)
    token = make_user(sessions, "sec", "secretariat")
    query = {
        "state": "KAZ",
        "disease": "A37",
        "classification": "confirmed",
        "as_of": "2025-03-31T23:59:59+00:00",
        "max_delay": 2,
    }
    raw = httpx.get(f"{live_url}/api/v1/data/rt", params=query, headers=bearer(token))
    fixed = httpx.get(
        f"{live_url}/api/v1/data/rt", params={**query, "nowcast": "true"}, headers=bearer(token)
    )
    assert raw.status_code == 200 and fixed.status_code == 200, fixed.text
    assert fixed.json()["nowcast"] is True and raw.json()["nowcast"] is False
    assert fixed.json()["estimates"][-1]["mean"] > raw.json()["estimates"][-1]["mean"] * 1.08
    wrong = httpx.get(
        f"{live_url}/api/v1/data/rt",
        params={**query, "nowcast": "true", "max_delay": 0},
        headers=bearer(token),
    )
    assert wrong.status_code == 422 and "max_delay" in wrong.text
