"""The whole API fuzzed from its own OpenAPI, as the Secretariat and as a KAZ focal point.

A bounded run (a few generated requests per operation and mode, fixed seed, so CI sees the same
requests every time) over a live server on each database. It fails on any server error and on
any response whose status or body the operation does not declare (tests/api/test_openapi.py
checks the declarations themselves). scripts/fuzz.sh runs the same engine much longer.
Select it with ``-m fuzz``; skip it with ``-m "not fuzz"``.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.support.fuzz import fuzz
from tests.support.fuzz_run import ROLES, prepare

#: Requests per operation and generation mode: about 25 s per role and backend on 2 cores.
EXAMPLES = 2
SEED = 12


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
    assert report.server_errors == [], report.summary()
