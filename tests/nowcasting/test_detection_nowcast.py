"""Detection on counts corrected for reporting delay: the run option, the flag on the signal.

KAZ's weekly series is flat (about 50 a week) until its last week, which will finally count
150; at the run's moment only 30% of that week is in (45), so on the counts as reported EARS
C1 sees nothing, and on the corrected counts (45 / 0.3, by the shares) it alarms.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from epibridge.cli import app
from epibridge.db import read_session, utcnow
from epibridge.detection import service
from epibridge.detection.models import Signal
from epibridge.detection.schemas import RunOptions
from epibridge.detection.service import series as series_io
from epibridge.detection.service.common import DETECTION_ACTOR
from epibridge.detection.service.corrected import correct
from epibridge.epidata.selector import SeriesSelector
from epibridge.nowcasting.service import as_of_moment
from epibridge.runtime import schedule
from epibridge.settings import Settings
from tests.helpers import OPERATOR, bearer, make_user
from tests.nowcasting import edge
from tests.web.test_pages import PASSWORD, _sign_in

SHARES = (0.3, 0.7, 1.0)
FINALS = [48, 52, 50, 49, 51, 50, 47, 53, 50, 52, 48, 50, 51, 49] * 2 + [150]
AS_OF = as_of_moment(edge.AS_OF)
SELECTOR = SeriesSelector("A37", states=("KAZ",), classification="confirmed", as_of=AS_OF)


def _run(sessions: sessionmaker[Session], nowcast: bool) -> list[Signal]:
    options = RunOptions(method="ears-c1", last=1, as_of=AS_OF, nowcast=nowcast, max_delay=2)
    service.run(sessions, options=options, actor=DETECTION_ACTOR)
    with read_session(sessions) as session:
        return list(session.query(Signal).order_by(Signal.id))


def test_the_corrected_series_is_observed_then_the_nowcast_median(
    sessions: sessionmaker[Session],
) -> None:
    edge.load(sessions, FINALS, SHARES)
    with read_session(sessions) as session:
        loaded = series_io.load_sco(session, principal=OPERATOR, selector=SELECTOR)
        assert loaded is not None
        fixed = correct(session, principal=OPERATOR, selector=SELECTOR, loaded=loaded, max_delay=2)
    assert fixed.corrected and not loaded.corrected
    # Complete weeks as observed; the last two (known at 70% and 30%) near their finals.
    assert fixed.counts[:-2].tolist() == loaded.counts[:-2].tolist()
    assert loaded.counts[-2:].tolist() == [round(FINALS[-2] * 0.7), round(150 * 0.3)]
    assert abs(fixed.counts[-2] - FINALS[-2]) <= 3 and abs(fixed.counts[-1] - 150) <= 8


def test_a_run_with_nowcast_alarms_where_the_reported_counts_hide_the_rise(
    sessions: sessionmaker[Session],
) -> None:
    edge.load(sessions, FINALS, SHARES)
    assert _run(sessions, nowcast=False) == []
    [signal] = _run(sessions, nowcast=True)
    assert signal.nowcast and signal.state == "KAZ" and signal.synthetic
    assert signal.period_start == edge.LAST_MONDAY
    assert 140 <= (signal.observed or 0) <= 160  # the corrected count judged


def test_the_signal_says_it_judged_corrected_counts(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    edge.load(sessions, FINALS, SHARES)
    [signal] = _run(sessions, nowcast=True)
    token = make_user(sessions, "sec", "secretariat")
    read = httpx.get(f"{live_url}/api/v1/signals/{signal.id}", headers=bearer(token))
    assert read.status_code == 200, read.text
    assert read.json()["nowcast"] is True
    make_user(sessions, "fp-kaz", "focal_point", "KAZ", password=PASSWORD)
    client = _sign_in(live_url, "fp-kaz")
    for lang, words in (
        ("en", "Corrected for reporting delay"),
        ("ru", "С поправкой на задержку отчётности"),
        ("zh", "已校正报告延迟"),
    ):
        page = client.get(f"/signals/{signal.id}", params={"lang": lang})
        assert page.status_code == 200 and words in page.text, lang


def test_detect_run_nowcast_on_the_command_line(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    edge.load(sessions, FINALS, SHARES)
    args = ["detect", "run", "--method", "ears-c1", "--last", "1", "--as-of", "2025-03-31T23:59:59"]
    runner = CliRunner()
    env = {"EPIBRIDGE_DATABASE_URL": settings.database_url}
    plain = runner.invoke(app, args, env=env)
    assert plain.exit_code == 0, plain.output
    assert "0 new signals" in plain.output
    corrected = runner.invoke(app, [*args, "--nowcast", "--max-delay", "2"], env=env)
    assert corrected.exit_code == 0, corrected.output
    assert "1 new signals" in corrected.output


def test_the_schedule_corrects_when_the_setting_says_so(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    """The scheduled run reads ``EPIBRIDGE_DETECTION_NOWCAST``; here with data up to last week."""
    today = utcnow().date()
    last_monday = today - timedelta(days=today.weekday(), weeks=1)
    edge.load(sessions, FINALS, SHARES, last_monday=last_monday)
    plain = schedule.Context(sessions, settings, utcnow())
    assert schedule.detect(changed=False)(plain) is not None
    with read_session(sessions) as session:
        assert session.query(Signal).count() == 0
    corrected = settings.model_copy(update={"detection_nowcast": True})
    assert Settings(detection_nowcast="true").detection_nowcast  # type: ignore[arg-type]
    schedule.detect(changed=False)(schedule.Context(sessions, corrected, utcnow()))
    with read_session(sessions) as session:
        [signal] = session.query(Signal).all()
    assert signal.nowcast and signal.period_start == last_monday
