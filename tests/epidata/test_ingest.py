"""The one way in (``ingest.ingest``): the same file lands the same way from every face.

The way a file lands is chosen once, from the database: one pass on PostgreSQL (series ids are
taken from the sequence ``streaming.RESERVED_IDS`` at a time, which is how the tests below see
which way a file went), check then store on SQLite.
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import read_session
from epibridge.epidata import streaming
from epibridge.epidata.ingest import IngestOptions, ingest
from epibridge.epidata.models import Observation, Series, Submission
from epibridge.errors import InvalidInput
from tests.epidata.helpers import csv_of, submit, weekly
from tests.helpers import OPERATOR, bearer, make_user


def _one_pass(sessions: sessionmaker[Session]) -> bool:
    return sessions.kw["bind"].dialect.name == "postgresql"


def _series_ids(sessions: sessionmaker[Session]) -> dict[str, int]:
    with read_session(sessions) as session:
        return {disease: id_ for disease, id_ in session.execute(select(Series.disease, Series.id))}


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with read_session(sessions) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def _assert_went_the_backends_way(sessions: sessionmaker[Session]) -> None:
    """J11 came in through the path under test; A09 after it through check-then-store."""
    submit(sessions, weekly("KAZ", "A09", "2024-01-01", [1]), state="KAZ")
    ids = _series_ids(sessions)
    if _one_pass(sessions):
        assert ids["A09"] - ids["J11"] >= streaming.RESERVED_IDS  # ids reserved ahead
    else:
        assert ids["A09"] == ids["J11"] + 1


def test_the_api_upload_takes_the_backends_way(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    token = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    response = httpx.post(
        f"{live_url}/api/v1/data/submissions",
        headers=bearer(token),
        files={"file": ("obs.csv", weekly("KAZ", "J11", "2024-01-01", [5, 7]), "text/csv")},
        data={"state": "KAZ"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert (response.json()["row_count"], response.json()["new_count"]) == (2, 2)
    _assert_went_the_backends_way(sessions)


def test_a_path_lands_with_its_name_and_reports_storing(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "kaz-week.csv"
    path.write_bytes(weekly("KAZ", "J11", "2024-01-01", [3, None, 4]))
    storing: list[int] = []
    read: list[int] = []
    result = ingest(
        sessions,
        actor=OPERATOR,
        file=path,
        state="KAZ",
        options=IngestOptions(progress=read.append, storing=storing.append),
    )
    assert (result.filename, result.row_count, result.new_count) == ("kaz-week.csv", 3, 3)
    assert sum(read) == path.stat().st_size
    # Only a file checked whole is "being stored" after its check; one pass has no such moment.
    assert storing == ([] if _one_pass(sessions) else [3])
    _assert_went_the_backends_way(sessions)


def test_a_dry_run_writes_nothing_on_either_database(sessions: sessionmaker[Session]) -> None:
    before = _count(sessions, audit.AuditEntry)
    result = ingest(
        sessions,
        actor=OPERATOR,
        file=io.BytesIO(weekly("KAZ", "J11", "2024-01-01", [1, 2])),
        filename="x.csv",
        state="KAZ",
        options=IngestOptions(dry_run=True),
    )
    assert result.dry_run and result.id is None and result.row_count == 2
    assert _count(sessions, Submission) == _count(sessions, Series) == 0
    assert _count(sessions, audit.AuditEntry) == before


def test_a_bad_row_and_a_size_over_the_limit_write_nothing(
    sessions: sessionmaker[Session],
) -> None:
    content = csv_of("KAZ,,J11,cases,confirmed,2024-01-01,2024-01-07,-1")
    with pytest.raises(InvalidInput, match="nothing was written"):
        ingest(sessions, actor=OPERATOR, file=io.BytesIO(content), filename="x.csv", state="KAZ")
    good = weekly("KAZ", "J11", "2024-01-01", [1])
    with pytest.raises(InvalidInput, match="over the limit of 10"):
        ingest(
            sessions,
            actor=OPERATOR,
            file=io.BytesIO(good),
            filename="x.csv",
            state="KAZ",
            options=IngestOptions(max_bytes=10),
        )
    assert _count(sessions, Submission) == _count(sessions, Observation) == 0
    assert _count(sessions, Series) == 0


def test_synthetic_data_flags_its_series_either_way(sessions: sessionmaker[Session]) -> None:
    """A synthetic file marks the series it creates and the reported ones it touches."""
    submit(sessions, weekly("KAZ", "J11", "2024-01-01", [1, 2]), state="KAZ")
    both = csv_of(
        "KAZ,,J11,cases,confirmed,2024-01-15,2024-01-21,3",
        "KAZ,,B05,cases,confirmed,2024-01-01,2024-01-07,4",
    )
    result = ingest(
        sessions,
        actor=OPERATOR,
        file=io.BytesIO(both),
        filename="demo.csv",
        state="KAZ",
        options=IngestOptions(synthetic=True, source="SYNTHETIC test"),
    )
    assert (result.synthetic, result.source, result.new_count) == (True, "SYNTHETIC test", 2)
    with read_session(sessions) as session:
        flags = {d: s for d, s in session.execute(select(Series.disease, Series.synthetic))}
    assert flags == {"J11": True, "B05": True}
