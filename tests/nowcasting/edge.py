"""Weekly archives whose last weeks are truncated by reporting delay, with known finals."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from epibridge.epidata.ingest import IngestOptions, ingest
from tests.epidata.helpers import HEADER, csv_of
from tests.helpers import OPERATOR

#: The week of 2025-03-24 is the last one ended by the end of 2025-03-31.
LAST_MONDAY = date(2025, 3, 24)
AS_OF = "2025-03-31"


def archive(
    state: str,
    disease: str,
    finals: list[int],
    shares: tuple[float, ...],
    classification: str = "confirmed",
    last_monday: date = LAST_MONDAY,
) -> bytes:
    """Each week known at ``shares[d]`` of its final count ``d`` weeks after its Sunday
    (a vintage after today is left out: it has not been reported yet)."""
    rows = []
    today = date.today()
    for week, final in enumerate(finals):
        start = last_monday - timedelta(weeks=len(finals) - 1 - week)
        sunday = start + timedelta(days=6)
        for d, share in enumerate(shares):
            day = sunday + timedelta(weeks=d)
            if day > today:
                break
            value = round(final * share)
            rows.append(f"{state},,{disease},cases,{classification},{start},{sunday},{value},{day}")
    return csv_of(*rows, header=HEADER + ",reported_on")


def load(
    sessions: sessionmaker[Session],
    finals: list[int],
    shares: tuple[float, ...],
    state: str = "KAZ",
    disease: str = "A37",
    classification: str = "confirmed",
    last_monday: date = LAST_MONDAY,
) -> None:
    """Import the archive as the Secretariat does (back-dating needs it); marked SYNTHETIC."""
    data = archive(state, disease, finals, shares, classification, last_monday)
    ingest(
        sessions,
        actor=OPERATOR,
        file=io.BytesIO(data),
        state=state,
        filename="archive.csv",
        options=IngestOptions(synthetic=True),
    )
