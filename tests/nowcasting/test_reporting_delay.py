"""Reporting delay per state and disease, from the triangles: the rule, the demo, the dashboard."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow
from epibridge.epidata.demo import REPORTED_SHARE, load_demo
from epibridge.epidata.selector import SeriesSelector
from epibridge.nowcasting import service
from tests.helpers import OPERATOR, make_user
from tests.web.test_pages import PASSWORD, _sign_in


def test_shares_are_volume_weighted_over_complete_periods() -> None:
    nan = math.nan
    values = np.array(
        [
            [[2, 6, 10], [1, 1, 4], [3, 5, nan], [7, nan, nan]],  # the last two are incomplete
            [[nan, nan, nan], [nan, nan, nan], [nan, nan, nan], [nan, nan, nan]],
        ]
    )
    shares, counts = service.delay_shares(values)
    assert shares[0].tolist() == [3 / 14, 7 / 14, 1.0]
    assert np.isnan(shares[1]).all() and counts.tolist() == [2, 0]
    assert service._first_reaching(shares[0], 0.5) == 1
    assert service._first_reaching(shares[0], 0.9) == 2
    assert service._first_reaching(shares[1], 0.5) is None


def test_the_demo_reports_with_realistic_delays_and_nowcasts_show(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    load_demo(sessions)
    selector = SeriesSelector("J11", states=("KAZ", "TJK"))
    with read_session(sessions) as session:
        delays = service.reporting_delay(
            session, actor=OPERATOR, selector=selector, max_delay=6, periods=26
        )
        kaz = selector.for_state("KAZ")
        nowcast = service.nowcast(session, actor=OPERATOR, selector=kaz, max_delay=4)
    for item in delays:
        assert item.synthetic and item.periods >= 20
        # 70% by the week's Sunday, 90% a week later (counts are whole: a hair under).
        assert item.share_by_delay[0] == pytest.approx(REPORTED_SHARE[1], abs=0.01)
        assert (item.median_delay, item.p90_delay) in {(0, 1), (0, 2)}
    assert nowcast.synthetic and len(nowcast.points) == 12
    last = nowcast.points[-1]
    today = utcnow().date()
    assert last.period_start == today - timedelta(days=today.weekday(), weeks=1)
    assert last.nowcast is not None and last.observed is not None
    assert last.nowcast > last.observed  # the incomplete week is corrected upwards
    assert last.q05 is not None and last.q95 is not None and last.q05 <= last.q95
    # The dashboard shows the table to a reader of members' data.
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    page = client.get("/", params={"disease": "J11"})
    assert page.status_code == 200
    assert 'id="reporting-delay"' in page.text and "Reporting delay" in page.text
    assert "Synthetic demo data" in page.text
