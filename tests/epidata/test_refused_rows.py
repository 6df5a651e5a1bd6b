"""Uploads that used to answer 500 or store the wrong value are refused with row errors.

Each case goes through the service (both databases), on the Polars fast path (a plain block)
and on the line-by-line path (a block with a quote or a padding space), where they differ.
"""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session
from epibridge.epidata import service
from epibridge.errors import InvalidInput
from epibridge.security import Principal, Role
from tests.epidata.helpers import HEADER, csv_of
from tests.helpers import bearer, make_user

FP_KAZ = Principal(user_id=1, name="fp-kaz", role=Role.FOCAL_POINT, state="KAZ")
GOOD = "KAZ,,J11,cases,confirmed,2024-01-01,2024-01-07,4"
PADDED = "KAZ,,J11,cases,confirmed,2024-01-08,2024-01-14, 5"  # a space: the line-by-line path


def _errors(
    sessions: sessionmaker[Session], content: bytes, filename: str = "x.csv"
) -> list[tuple[int, str, str]]:
    with read_session(sessions) as session, pytest.raises(InvalidInput) as caught:
        service.check_file(
            session, actor=FP_KAZ, state="KAZ", stream=io.BytesIO(content), filename=filename
        )
    return [(getattr(e, "row", 0), e.field, e.message) for e in caught.value.errors]


@pytest.mark.parametrize("companion", [GOOD, PADDED], ids=["fast-path", "line-path"])
def test_a_date_before_1900_is_a_row_error(sessions: sessionmaker[Session], companion: str) -> None:
    old = "KAZ,,J11,cases,confirmed,1696-01-01,1696-01-01,3"  # was a 500 (day packing overflow)
    errors = _errors(sessions, csv_of(companion, old))
    assert {(row, field) for row, field, _ in errors} == {(3, "period_start"), (3, "period_end")}
    assert all("1900" in message for *_, message in errors)


@pytest.mark.parametrize("companion", [GOOD, PADDED], ids=["fast-path", "line-path"])
def test_a_period_after_the_current_one_is_future_data(
    sessions: sessionmaker[Session], companion: str
) -> None:
    start = date.today() + timedelta(days=3)
    future = f"KAZ,,J11,cases,confirmed,{start},{start},3"
    errors = _errors(sessions, csv_of(companion, future))
    assert [(row, field) for row, field, _ in errors] == [(3, "period_end")]
    assert "future" in errors[0][2]


def test_an_unterminated_quote_is_not_stored_as_a_number(sessions: sessionmaker[Session]) -> None:
    errors = _errors(sessions, csv_of(GOOD, 'KAZ,,J11,cases,confirmed,2024-01-08,2024-01-14,"5'))
    assert [(row, field) for row, field, _ in errors] == [(3, "value")]
    assert "unterminated quote" in errors[0][2]


@pytest.mark.parametrize("filename", ["x.csv", "x.json"])
def test_utf16_without_a_byte_order_mark_is_named_as_an_encoding_problem(
    sessions: sessionmaker[Session], filename: str
) -> None:
    text = (
        csv_of(GOOD).decode()
        if filename.endswith("csv")
        else json.dumps([dict(zip(HEADER.split(","), GOOD.split(","), strict=True))])
    )
    for encoding in ("utf-16-le", "utf-16-be", "utf-16"):
        errors = _errors(sessions, text.encode(encoding), filename)
        assert len(errors) == 1 and "encoding" in errors[0][2], (encoding, errors)


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x7f", "\x85"])
def test_a_control_character_in_a_cell_is_a_row_error(
    sessions: sessionmaker[Session], char: str
) -> None:
    bad = f"KAZ,,J11{char},cases,confirmed,2024-01-08,2024-01-14,5"
    errors = _errors(sessions, csv_of(GOOD, bad))
    assert [(row, field) for row, field, _ in errors] == [(3, "disease")]
    assert "control character" in errors[0][2]
    record = dict(zip(HEADER.split(","), bad.split(","), strict=True))
    errors = _errors(sessions, (json.dumps(record) + "\n").encode(), "x.jsonl")
    assert [(row, field) for row, field, _ in errors] == [(1, "disease")]


def test_deeply_nested_json_is_refused(sessions: sessionmaker[Session]) -> None:
    errors = _errors(sessions, b"[" * 100_000, "x.json")
    assert len(errors) == 1 and "JSON" in errors[0][2]
    errors = _errors(sessions, b'{"a": ' * 100_000 + b"\n", "x.jsonl")
    assert len(errors) == 1 and "nested too deeply" in errors[0][2]
    errors = _errors(sessions, b'[{"value": ' + b"9" * 5000 + b"}]", "x.json")
    assert len(errors) == 1 and "JSON" in errors[0][2]


def test_a_parquet_date_before_1900_is_a_row_error(sessions: sessionmaker[Session]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = HEADER.split(",")
    values = dict(zip(names, GOOD.split(","), strict=True))
    table = pa.table(
        {
            **{n: [values[n]] for n in names if not n.startswith("period")},
            "period_start": pa.array([date(1850, 1, 1)]),
            "period_end": pa.array([date(1850, 1, 1)]),
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    errors = _errors(sessions, sink.getvalue(), "x.parquet")
    assert {field for _, field, _ in errors} == {"period_start", "period_end"}


def test_over_http_a_nested_upload_and_a_nul_in_the_state_are_422(
    live_url: str, sessions: sessionmaker[Session]
) -> None:
    token = make_user(sessions, "fp-kaz", "focal_point", "KAZ")
    with httpx.Client(base_url=live_url, headers=bearer(token), timeout=60) as client:
        nested = client.post(
            "/api/v1/data/submissions",
            files={"file": ("x.json", b"[" * 100_000, "application/json")},
            data={"state": "KAZ"},
        )
        assert nested.status_code == 422, nested.text
        nul = client.post(
            "/api/v1/data/submissions",
            files={"file": ("x.csv", csv_of(GOOD), "text/csv")},
            data={"state": "KAZ\x00"},
        )
        assert nul.status_code == 422, nul.text
        assert [e["field"] for e in nul.json()["errors"]] == ["state"]
        # The renderer escapes what it echoes but lists every reported row (up to 1,000).
        rows = [f"KAZ,,J11,cases,confirmed,2024-01-01,2024-01-07,-{i}" for i in range(1, 151)]
        many = client.post(
            "/api/v1/data/submissions",
            files={"file": ("x.csv", csv_of(*rows), "text/csv")},
            data={"state": "KAZ"},
        )
        assert many.status_code == 422 and len(many.json()["errors"]) == 150
        # The connection is still usable after the refusals.
        assert client.get("/api/v1/data/submissions").status_code == 200


def test_a_file_name_or_state_with_a_nul_is_refused(sessions: sessionmaker[Session]) -> None:
    errors = _errors(sessions, csv_of(GOOD), "x\x00.csv")
    assert [field for _, field, _ in errors] == ["file"]
    with read_session(sessions) as session, pytest.raises(InvalidInput) as caught:
        service.check_file(
            session, actor=FP_KAZ, state="KA\x00", stream=io.BytesIO(b""), filename="x.csv"
        )
    assert [e.field for e in caught.value.errors] == ["state"]
