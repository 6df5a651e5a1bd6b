"""The whole API fuzzed from its own OpenAPI, as the Secretariat and as a KAZ focal point.

A bounded run (a few generated requests per operation and mode, fixed seed, so CI sees the same
requests every time) over a live server on each database. It fails on any server error and on
any response whose status or body the operation does not declare (tests/api/test_openapi.py
checks the declarations themselves). scripts/fuzz.sh runs the same engine much longer.
Select it with ``-m fuzz``; skip it with ``-m "not fuzz"``.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.support.fuzz import fuzz
from tests.support.fuzz_run import ROLES, prepare

#: Requests per operation and generation mode: about 25 s per role and backend on 2 cores.
EXAMPLES = 2
SEED = 12

# TEMPORARY, on branch `fuzz` only: the 500s of these classes are fixed on branch `input`
# (issue 12, points 7 and 8). While any remains the test is an xfail, but only when every server
# error is one of them and every response conforms; the lead removes this list after merging.
KNOWN_INPUT_CLASSES = re.compile(
    "|".join(
        [
            r"Python int too large to convert",  # ids past the column's range (SQLite)
            r"NumericValueOutOfRange|integer out of range|out of range for type",  # (PostgreSQL)
            r"NUL \(0x00\)|cannot contain NUL|\\x00",  # NUL in text (PostgreSQL)
            r"surrogates not allowed|UnicodeEncodeError",  # lone surrogates
            r"Out of range float values|not JSON compliant|OverflowError",  # NaN/Infinity/1e400
            r"RecursionError|maximum recursion",  # deeply nested JSON
            r"year \d+ is out of range|strftime|before 1900",  # dates before 1900
            r"invalid XML|not XML compatible|All strings must be XML compatible",  # control chars
        ]
    )
)


@pytest.mark.fuzz
@pytest.mark.parametrize("role", list(ROLES))
def test_fuzzing_finds_no_server_error_and_no_undeclared_response(
    live_url: str, sessions: sessionmaker[Session], role: str
) -> None:
    token = prepare(sessions, role)
    report = fuzz(live_url, token=token, label=role, examples=EXAMPLES, seed=SEED)
    print(report.summary())
    assert report.operations > 100 and report.cases > 3 * report.operations
    assert report.generation_errors == [], report.summary()
    assert report.nonconforming == [], report.summary()
    unknown = [f for f in report.server_errors if not KNOWN_INPUT_CLASSES.search(f.cause())]
    assert unknown == [], report.summary()
    if report.server_errors:
        pytest.xfail("server errors of classes branch `input` fixes:\n" + report.summary())
