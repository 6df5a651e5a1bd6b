"""One-pass submissions (``service.submit``): rows written while later ones are checked.

Small blocks make every file several batches, so rows of earlier batches are already on
their way to the database when a bad row or a repeated key turns up in a later one.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.epidata import reading, service
from epibridge.epidata.models import Observation, Series, Submission
from epibridge.epidata.schemas import BadRow, SubmissionRead
from epibridge.errors import InvalidInput
from tests.epidata.helpers import csv_of, weekly
from tests.helpers import OPERATOR


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "BLOCK_BYTES", 4096)


def _submit(sessions: sessionmaker[Session], content: bytes) -> SubmissionRead:
    with write_session(sessions) as session:
        return service.submit(
            session, actor=OPERATOR, state="KAZ", stream=io.BytesIO(content), filename="x.csv"
        )


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with read_session(sessions) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def _many_series(weeks: int = 60) -> list[str]:
    """Rows of several series, each series in a different block."""
    rows = []
    for disease in ("J11", "A09", "B05"):
        body = weekly("KAZ", disease, "2023-01-02", list(range(weeks))).decode()
        rows += body.splitlines()[1:]
    return rows


def test_a_file_of_many_blocks_lands_whole(sessions: sessionmaker[Session]) -> None:
    rows = _many_series()
    result = _submit(sessions, csv_of(*rows))
    assert (result.row_count, result.new_count, result.revised_count) == (180, 180, 0)
    assert _count(sessions, Observation) == 180 and _count(sessions, Series) == 3
    # Again with one value changed: that key is revised, the others are unchanged.
    changed = [rows[0].rsplit(",", 1)[0] + ",999", *rows[1:]]
    again = _submit(sessions, csv_of(*changed))
    assert (again.new_count, again.revised_count, again.unchanged_count) == (0, 1, 179)
    assert _count(sessions, Observation) == 181


def test_a_bad_row_in_the_last_block_writes_nothing(sessions: sessionmaker[Session]) -> None:
    rows = _many_series()
    rows[-1] = rows[-1].rsplit(",", 1)[0] + ",-3"
    rows[5] = rows[5].replace("J11", "J99.99")
    with pytest.raises(InvalidInput) as caught:
        _submit(sessions, csv_of(*rows))
    found = {(e.row, e.field) for e in caught.value.errors if isinstance(e, BadRow)}
    assert found == {(7, "disease"), (len(rows) + 1, "value")}
    assert _count(sessions, Submission) == 0
    assert _count(sessions, Observation) == 0 and _count(sessions, Series) == 0


def test_a_key_repeated_blocks_apart_is_reported_and_nothing_written(
    sessions: sessionmaker[Session],
) -> None:
    """Both rows of the key are sent to the database before the repeat is known; the report
    still names each repeat (not the database's error) and the transaction rolls back."""
    rows = _many_series()
    rows[60:60] = [rows[0], rows[1]]  # after the first series, before two new ones
    with pytest.raises(InvalidInput) as caught:
        _submit(sessions, csv_of(*rows))
    reported = sorted((e.row, e.message) for e in caught.value.errors if isinstance(e, BadRow))
    assert [row for row, _ in reported] == [62, 63]
    assert "line 2" in reported[0][1] and "line 3" in reported[1][1]
    assert _count(sessions, Submission) == 0 and _count(sessions, Observation) == 0
