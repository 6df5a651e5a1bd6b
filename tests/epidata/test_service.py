"""Rules of the epidemic database: atomic submissions, revisions, bad input, queries."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from epibridge import audit
from epibridge.db import read_session, utcnow
from epibridge.epidata import queries, reference, revisions, service
from epibridge.epidata.demo import load_demo
from epibridge.epidata.models import Observation, Submission
from epibridge.epidata.schemas import BadRow
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import InvalidInput
from epibridge.notifications.outbox.models import OutboxMessage
from epibridge.security import PermissionDenied, Principal, Role
from tests.epidata.helpers import HEADER, csv_of, submit, weekly
from tests.helpers import OPERATOR

J11 = SeriesSelector("J11", classification="confirmed")


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with read_session(sessions) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def _points(sessions: sessionmaker[Session], **kwargs: object) -> list[tuple[str, int | None]]:
    with read_session(sessions) as session:
        selector = replace(J11, states=("KAZ",), **kwargs)  # type: ignore[arg-type]
        result = queries.series(session, principal=OPERATOR, selector=selector)
    return [(str(p.period_start), p.value) for p in result.series[0].points]


def test_submission_lands_with_one_audit_entry_and_one_message(
    sessions: sessionmaker[Session],
) -> None:
    audit_before = _count(sessions, audit.AuditEntry)
    result = submit(sessions, weekly("KAZ", "J11", "2024-01-01", [5, 0, None]), state="KAZ")
    assert (result.row_count, result.new_count, result.revised_count) == (3, 3, 0)
    assert _count(sessions, Observation) == 3
    assert _count(sessions, audit.AuditEntry) == audit_before + 1
    with read_session(sessions) as session:
        message = session.execute(select(OutboxMessage)).scalar_one()
        entry = session.execute(
            select(audit.AuditEntry).order_by(audit.AuditEntry.id.desc()).limit(1)
        ).scalar_one()
    assert message.topic == "epidata.submission_accepted" and message.states == ["KAZ"]
    assert entry.entity == "epidata_submission" and entry.detail["rows"] == 3
    assert entry.detail["digest"] == result.digest
    # "not reported" stays distinct from zero
    assert _points(sessions) == [("2024-01-01", 5), ("2024-01-08", 0), ("2024-01-15", None)]


def test_revisions_keep_old_versions_and_as_of_shows_what_was_known(
    sessions: sessionmaker[Session],
) -> None:
    submit(sessions, weekly("KAZ", "J11", "2024-01-01", [5, 7]), state="KAZ")
    between = utcnow()
    second = submit(sessions, weekly("KAZ", "J11", "2024-01-01", [5, 9, 4]), state="KAZ")
    assert (second.new_count, second.revised_count, second.unchanged_count) == (1, 1, 1)
    assert _points(sessions) == [("2024-01-01", 5), ("2024-01-08", 9), ("2024-01-15", 4)]
    assert _points(sessions, as_of=between) == [("2024-01-01", 5), ("2024-01-08", 7)]
    with read_session(sessions) as session:
        history = revisions.history(session, principal=OPERATOR, selector=J11.for_state("KAZ"))
    week2 = [(v.version, v.value, v.superseded_at is None) for v in history.versions][1:3]
    assert week2 == [(1, 7, False), (2, 9, True)]
    assert _count(sessions, Observation) == 4


BAD_ROWS = [
    ("KAZ,,J11,cases,confirmed,2024-01-01,2024-01-07,-3", "value", "negative"),
    ("KAZ,,J11,cases,confirmed,2024-01-01,2024-01-07,2.5", "value", "not an integer"),
    ("KAZ,,J11,cases,confirmed,2024-01-01,2024-01-07,many", "value", "not a number"),
    ("KAZ,,J11,cases,confirmed,2024-01-07,2024-01-01,1", "period_end", "before period_start"),
    ("KAZ,,J11,cases,confirmed,2024-01-02,2024-01-08,1", "period_end", "ISO week"),
    ("KAZ,,J11,cases,confirmed,2024-01-01,2024-01-03,1", "period_end", "not a day"),
    ("KAZ,,J11,cases,confirmed,2024-02-30,2024-02-30,1", "period_start", "not a date"),
    ("KAZ,,Z99,cases,confirmed,2024-01-01,2024-01-07,1", "disease", "infectious-disease"),
    ("KAZ,,J11,sneezes,confirmed,2024-01-01,2024-01-07,1", "metric", "unknown metric"),
    ("KAZ,,J11,cases,rumoured,2024-01-01,2024-01-07,1", "classification", "unknown"),
    ("KAZ,RU-MOW,J11,cases,confirmed,2024-01-01,2024-01-07,1", "area", "subdivision of KAZ"),
    ("RUS,,J11,cases,confirmed,2024-01-01,2024-01-07,1", "state", "not the submitting state"),
    ("KAZ,,J11,cases,confirmed,2024-01-01", "*", "truncated"),
]


def test_every_bad_row_is_reported_and_nothing_is_written(
    sessions: sessionmaker[Session],
) -> None:
    good = "KAZ,,J11,cases,confirmed,2024-03-04,2024-03-10,1"
    content = csv_of(
        good, *[row for row, _, _ in BAD_ROWS], good.replace("2024-03-04", "2024-03-05")
    )
    with read_session(sessions) as session, pytest.raises(InvalidInput) as caught:
        service.check_file(
            session, actor=OPERATOR, state="KAZ", stream=io.BytesIO(content), filename="x.csv"
        )
    found = {(e.row, e.field): e.message for e in caught.value.errors if isinstance(e, BadRow)}
    for line, (_, column, reason) in enumerate(BAD_ROWS, start=3):
        assert reason in found.get((line, column), ""), (line, column, found)
    assert "nothing was written" in caught.value.detail
    assert _count(sessions, Submission) == 0 and _count(sessions, Observation) == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"state;area;disease\nKAZ;;J11\n", "delimiter"),
        ("\ufeffstate,area\n".encode("utf-16"), "UTF-16"),
        (
            csv_of("KAZ,,J11,cases,confirmed,2024-01-01,2024-01-07,1").replace(
                b"KAZ,,", b"K\xe9Z,,"
            ),
            "UTF-8",
        ),
        (b"state,area,disease,metric,classification,period_start,period_end\n", "required column"),
        (b"", "empty"),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason(
    sessions: sessionmaker[Session], content: bytes, reason: str
) -> None:
    with read_session(sessions) as session, pytest.raises(InvalidInput) as caught:
        service.check_file(
            session, actor=OPERATOR, state="KAZ", stream=io.BytesIO(content), filename="x.csv"
        )
    assert any(reason in e.message for e in caught.value.errors), caught.value.errors


def test_duplicate_keys_in_one_file_name_the_first_line(sessions: sessionmaker[Session]) -> None:
    row = "KAZ,,J11,cases,confirmed,2024-01-01,2024-01-07,1"
    content = csv_of(row, "KAZ,,J11,cases,confirmed,2024-01-08,2024-01-14,1", row)
    with read_session(sessions) as session, pytest.raises(InvalidInput) as caught:
        service.check_file(
            session, actor=OPERATOR, state="KAZ", stream=io.BytesIO(content), filename="x.csv"
        )
    [error] = caught.value.errors
    assert isinstance(error, BadRow) and error.row == 4 and "line 2" in error.message


def test_parquet_and_json_files_are_accepted(sessions: sessionmaker[Session]) -> None:
    frame = pl.DataFrame(
        {
            "state": ["KAZ", "KAZ"],
            "area": ["", "KZ-75"],
            "disease": ["J11", "J11"],
            "metric": ["cases", "cases"],
            "classification": ["confirmed", "confirmed"],
            "period_start": [date(2024, 1, 1), date(2024, 1, 1)],
            "period_end": [date(2024, 1, 7), date(2024, 1, 7)],
            "value": [3, None],
            "sex": ["female", "female"],
        }
    )
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    assert submit(sessions, buffer.getvalue(), state="KAZ", filename="a.parquet").row_count == 2
    records = [
        dict(zip(HEADER.split(","), line.split(","), strict=True))
        for line in weekly("KAZ", "J11", "2024-02-05", [1, 2]).decode().splitlines()[1:]
    ]
    array = json.dumps(records).encode()
    lines = "\n".join(json.dumps(r) for r in records).encode()
    assert submit(sessions, array, state="KAZ", filename="a.json").new_count == 2
    assert submit(sessions, lines, state="KAZ", filename="a.jsonl").unchanged_count == 2
    bad = json.dumps([{**records[0], "value": -1}]).encode()
    with read_session(sessions) as session, pytest.raises(InvalidInput) as caught:
        service.check_file(
            session, actor=OPERATOR, state="KAZ", stream=io.BytesIO(bad), filename="b.json"
        )
    assert caught.value.errors[0].row == 2  # type: ignore[attr-defined]


def test_who_may_submit(sessions: sessionmaker[Session]) -> None:
    content = weekly("KAZ", "J11", "2024-01-01", [1])
    fp_rus = Principal(1, "fp-rus", Role.FOCAL_POINT, "RUS")
    observer = Principal(2, "obs", Role.OBSERVER, "MNG")
    for principal in (fp_rus, observer, Principal(3, "sys-rus", Role.SYSTEM, "RUS")):
        with pytest.raises(PermissionDenied):
            submit(sessions, content, state="KAZ", actor=principal)
    fp_kaz = submit(
        sessions, content, state="KAZ", actor=Principal(4, "fp-kaz", Role.FOCAL_POINT, "KAZ")
    )
    secretariat = submit(
        sessions,
        weekly("KAZ", "J11", "2024-01-08", [1]),
        state="KAZ",
        actor=Principal(5, "sec", Role.SECRETARIAT),
    )
    assert not fp_kaz.on_behalf and secretariat.on_behalf
    assert secretariat.submitted_by == "user:sec"


def test_granularity_rates_totals_and_increases(sessions: sessionmaker[Session]) -> None:
    days = [f"KAZ,,J11,cases,confirmed,2024-01-0{d},2024-01-0{d},{d}" for d in range(1, 8)]
    month = "KAZ,,J11,cases,confirmed,2024-02-01,2024-02-29,100"
    submit(sessions, csv_of(*days, month), state="KAZ")
    submit(
        sessions, weekly("KGZ", "J11", "2024-01-01", [10, 10, 10, 10, 30, 30, 30, 30]), state="KGZ"
    )
    with read_session(sessions) as session:
        weekly_set = queries.series(
            session,
            principal=OPERATOR,
            selector=replace(J11, states=("KAZ", "KGZ")),
            per=100000,
            total=True,
        )
        monthly = queries.series(
            session, principal=OPERATOR, selector=replace(J11, states=("KAZ",), granularity="month")
        )
        total = queries.totals(
            session, principal=OPERATOR, selector=replace(J11, granularity="month")
        )
        ranked = queries.increases(session, principal=OPERATOR, selector=J11, weeks=4)
    kaz = weekly_set.series[0]
    assert [(str(p.period_start), p.value) for p in kaz.points] == [("2024-01-01", 28)]
    assert kaz.skipped_coarser == 1  # the month does not fit in a week
    assert kaz.points[0].rate == pytest.approx(28 * 100000 / 20592571, abs=1e-4)
    assert weekly_set.total is not None and weekly_set.total.points[0].value == 38
    assert [(str(p.period_start), p.value) for p in monthly.series[0].points] == [
        ("2024-01-01", 28),
        ("2024-02-01", 100),
    ]
    assert [(p.period_start.month, p.value) for p in total.points] == [
        (1, 28 + 40),
        (2, 100 + 120),  # the week of 29 January has its Thursday in February
    ]
    assert [(r.state, r.recent, r.previous) for r in ranked] == [("KGZ", 120, 40)]


def test_demo_is_synthetic_and_reference_data_stays_apart(
    sessions: sessionmaker[Session],
) -> None:
    summary = load_demo(sessions)
    assert summary["synthetic_states"] == 10 and summary["reference_datasets"] == 10
    assert load_demo(sessions)["synthetic_rows"] == 0  # loaded once
    with read_session(sessions) as session:
        result = queries.series(
            session, principal=OPERATOR, selector=SeriesSelector("B05", states=("KAZ",))
        )
        datasets = reference.list_datasets(session, principal=OPERATOR)
        campy = reference.get_dataset(session, principal=OPERATOR, name="campyDE")
        submissions = service.list_submissions(session, principal=OPERATOR, limit=50).items
    assert result.series[0].synthetic and len(result.series[0].points) == 260
    assert all(s.synthetic and s.source.startswith("SYNTHETIC") for s in submissions)
    assert {d.country_iso3 for d in datasets} == {"DEU", "DNK"}
    assert campy.dataset == "reference:campyDE" and len(campy.values) == 522
    assert campy.values[0].period_start == date(2001, 12, 31)
    assert [d.synthetic for d in datasets if d.name == "abattoir"] == [True]
