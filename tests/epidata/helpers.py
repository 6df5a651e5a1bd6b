"""Building and submitting small observation files in tests."""

from __future__ import annotations

import io

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.epidata import service
from epibridge.epidata.schemas import SubmissionRead
from epibridge.security import Principal
from tests.helpers import OPERATOR

HEADER = "state,area,disease,metric,classification,period_start,period_end,value"


def csv_of(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def weekly(state: str, disease: str, start: str, values: list[int | None]) -> bytes:
    """A weekly series of whole-state confirmed cases starting on the Monday ``start``."""
    from datetime import date, timedelta

    monday = date.fromisoformat(start)
    rows = []
    for i, value in enumerate(values):
        begin = monday + timedelta(weeks=i)
        shown = "" if value is None else str(value)
        rows.append(
            f"{state},,{disease},cases,confirmed,{begin},{begin + timedelta(days=6)},{shown}"
        )
    return csv_of(*rows)


def submit(
    sessions: sessionmaker[Session],
    content: bytes,
    *,
    state: str,
    actor: Principal = OPERATOR,
    filename: str = "data.csv",
    synthetic: bool = False,
) -> SubmissionRead:
    with read_session(sessions) as session:
        checked = service.check_file(
            session, actor=actor, state=state, stream=io.BytesIO(content), filename=filename
        )
    with write_session(sessions) as session:
        return service.store(session, checked=checked, synthetic=synthetic)
