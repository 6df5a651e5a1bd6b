"""Landing a file's rows atomically: its series, its rows, its audit entry and outbox message.

Everything here runs inside the caller's write transaction, after ``service`` has decided who
submits and opened the file, so nothing is visible before the commit and a failure anywhere
rolls the whole submission back. Two ways land rows: ``store`` writes a file checked whole
beforehand; ``copy_while_checking`` (PostgreSQL) checks the file and copies each block that
passes while the next one is read.
"""

from __future__ import annotations

import zlib
from collections import deque
from datetime import datetime

import numpy as np
import polars as pl
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from epibridge import audit
from epibridge.db import utcnow
from epibridge.epidata import backdating, storage, streaming
from epibridge.epidata.checking import CheckedFile, finish, rejection
from epibridge.epidata.codes import SERIES_COLUMNS
from epibridge.epidata.models import Series, Submission
from epibridge.epidata.reading import FileRejected, Progress, Source, read_batches
from epibridge.epidata.validation import Collected, check_batch
from epibridge.notifications.outbox.service import publish

ENTITY = "epidata_submission"
SYNTHETIC_SOURCE = "SYNTHETIC"


def lock_state(session: Session, state: str) -> None:
    """Serialize submissions of one state, so two never compute the same next version."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"epidata:{state}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _existing_series(session: Session, state: str) -> dict[tuple[str, ...], int]:
    query = select(Series.id, *(getattr(Series, c) for c in SERIES_COLUMNS)).where(
        Series.state_iso3 == state
    )
    return {tuple(row[1:]): row[0] for row in session.execute(query)}


def _create_series(
    session: Session,
    state: str,
    keys: list[tuple[str, ...]],
    synthetic: bool,
    ids: list[int] | None = None,
) -> list[int]:
    """Insert new series (with ``ids`` when given) and return their ids, in ``keys`` order."""
    if not keys:
        return []
    rows = [
        {"state_iso3": state, "synthetic": synthetic, **dict(zip(SERIES_COLUMNS, k, strict=True))}
        for k in keys
    ]
    if ids is not None:
        for row, given in zip(rows, ids, strict=True):
            row["id"] = given
        session.execute(insert(Series), rows)
        return ids
    created = session.execute(
        insert(Series).returning(Series.id, sort_by_parameter_order=True), rows
    )
    return list(created.scalars())


def _mark_synthetic(session: Session, ids: np.ndarray, is_new: np.ndarray) -> None:
    """Flag the series stored before that a synthetic file touches as synthetic too."""
    touched = [int(i) for i, new in zip(ids, is_new, strict=True) if not new]
    for begin in range(0, len(touched), 500):
        session.execute(
            update(Series).where(Series.id.in_(touched[begin : begin + 500])).values(synthetic=True)
        )


def _resolve_series(
    session: Session, checked: CheckedFile, synthetic: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Database ids of the file's series (created when new) and which ones are new."""
    existing = _existing_series(session, checked.state)
    missing = [k for k in checked.series_keys if k not in existing]
    created = dict(
        zip(missing, _create_series(session, checked.state, missing, synthetic), strict=True)
    )
    ids = np.array([existing.get(k) or created[k] for k in checked.series_keys], dtype=np.int32)
    is_new = np.array([k not in existing for k in checked.series_keys], dtype=bool)
    if synthetic:
        _mark_synthetic(session, ids, is_new)
    return ids, is_new


def _new_submission(
    session: Session, checked: CheckedFile, *, received_at: datetime, synthetic: bool, source: str
) -> Submission:
    submission = Submission(
        state_iso3=checked.state,
        received_at=received_at,
        submitted_by=checked.actor,
        on_behalf=checked.on_behalf,
        file_format=checked.file_format,
        filename=checked.filename,
        digest=checked.digest,
        size_bytes=checked.size_bytes,
        row_count=checked.row_count,
        new_count=0,
        revised_count=0,
        synthetic=synthetic,
        source=SYNTHETIC_SOURCE if synthetic and not source else source,
    )
    session.add(submission)
    session.flush()
    return submission


def store(session: Session, *, checked: CheckedFile, synthetic: bool, source: str) -> Submission:
    """Land a checked file atomically: every row, the audit entry and the outbox message."""
    lock_state(session, checked.state)
    received_at = utcnow()
    ids, is_new = _resolve_series(session, checked, synthetic)
    submission = _new_submission(
        session, checked, received_at=received_at, synthetic=synthetic, source=source
    )
    local = checked.rows["series"].to_numpy()
    rows = checked.rows.with_columns(pl.Series("series_id", ids[local]))
    # Split only when needed: a filtered copy of ten million rows costs hundreds of MB.
    if is_new.all():
        fresh, revisable = rows, rows.clear()
    elif not is_new.any():
        fresh, revisable = rows.clear(), rows
    else:
        mask = pl.Series(is_new[local])
        fresh, revisable = rows.filter(mask), rows.filter(~mask)
    new, revised = storage.write_rows(
        session,
        fresh=fresh,
        revisable=revisable,
        submission_id=submission.id,
        received_at=received_at,
    )
    added, changed = _store_dated(session, checked, ids, submission.id, received_at)
    _record(session, submission, checked, new=new + added, revised=revised + changed)
    return submission


def _store_dated(
    session: Session, checked: CheckedFile, ids: np.ndarray, submission_id: int, now: datetime
) -> tuple[int, int]:
    """Store the back-dated rows (``backdating``), refusing the file if any goes too early."""
    if checked.dated.height == 0:
        return 0, 0
    with_ids = checked.dated.with_columns(
        pl.Series("series_id", ids[checked.dated["series"].to_numpy()])
    )
    return backdating.store(session, dated=with_ids, submission_id=submission_id, now=now)


class _SeriesIds:
    """Ids of a file's series while it streams: stored ones looked up, new ones taken ahead.

    New series get ids taken from the sequence ahead of need and are inserted after the
    COPY: a connection in COPY runs no other statement, and ending the COPY for each batch
    with new series would make the client wait for the server every time.
    """

    def __init__(self, session: Session, state: str) -> None:
        self.existing = _existing_series(session, state)
        self.spare: deque[int] = deque()
        self.created: dict[tuple[str, ...], int] = {}
        self.ids: list[int] = []
        self.is_new: list[bool] = []

    def missing(self, keys: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
        return [k for k in keys if k not in self.existing and k not in self.created]

    def shortfall(self, missing: int) -> int:
        """How many ids to reserve now, or 0 when the spare ones suffice."""
        if missing <= len(self.spare):
            return 0
        return max(missing - len(self.spare), len(self.created), streaming.RESERVED_IDS)

    def assign(self, keys: list[tuple[str, ...]], missing: list[tuple[str, ...]]) -> None:
        for key in missing:
            self.created[key] = self.spare.popleft()
        self.ids.extend(self.existing.get(k) or self.created[k] for k in keys)
        self.is_new.extend(k in self.created for k in keys)


def _stream_checked(
    session: Session,
    fresh: streaming.FreshRows,
    series: _SeriesIds,
    collected: Collected,
    stream: Source,
    opened: CheckedFile,
    progress: Progress | None,
) -> None:
    """Check every batch; copy the rows of new series of each one that passes."""
    for batch in read_batches(stream, opened.file_format, progress):
        before = len(collected.frames)
        check_batch(collected, batch)
        if collected.error_count or len(collected.frames) == before:
            continue  # rejected anyway: stop writing, keep checking for the report
        keys = collected.series_keys[len(series.ids) :]
        missing = series.missing(keys)
        if wanted := series.shortfall(len(missing)):
            fresh.pause()
            if fresh.failed is not None:
                continue  # the transaction is aborted: only check from here on
            series.spare.extend(streaming.reserve_series_ids(session, wanted))
        series.assign(keys, missing)
        block = collected.frames[-1]
        # Back-dated rows are stored after the check, oldest day first (``backdating``).
        fresh.write(
            block.filter(pl.col("reported_on").is_null()),
            np.array(series.ids, dtype=np.int32),
            np.array(series.is_new),
        )


def copy_while_checking(
    session: Session,
    *,
    opened: CheckedFile,
    stream: Source,
    progress: Progress | None,
    synthetic: bool,
    source: str,
) -> Submission:
    """Check ``stream`` and land it in one transaction, copying rows while later ones are read.

    PostgreSQL only (binary ``COPY``). Every batch is still checked after a bad row: the copy
    stops being fed, the report lists every bad row, and the caller's transaction rolls back.
    """
    lock_state(session, opened.state)
    received_at = utcnow()
    submission = _new_submission(
        session, opened, received_at=received_at, synthetic=synthetic, source=source
    )
    series = _SeriesIds(session, opened.state)
    collected = Collected(state=opened.state, may_backdate=opened.may_backdate)
    with streaming.FreshRows(session, submission.id, received_at) as fresh:
        try:
            _stream_checked(session, fresh, series, collected, stream, opened, progress)
        except FileRejected as exc:
            raise rejection(exc.errors, len(exc.errors)) from None
        checked = finish(opened, collected)
    _create_series(
        session, opened.state, list(series.created), synthetic, ids=list(series.created.values())
    )
    ids = np.array(series.ids, dtype=np.int32)
    is_new = np.array(series.is_new, dtype=bool)
    if synthetic:
        _mark_synthetic(session, ids, is_new)
    new, revised = fresh.written, 0
    added, changed = _store_dated(session, checked, ids, submission.id, received_at)
    new, revised = new + added, revised + changed
    if not is_new.all():
        # Rows of series stored before may revise them: the staging path compares each key.
        local = checked.rows["series"].to_numpy()
        old_rows = ~is_new[local]
        revisable = checked.rows.filter(pl.Series(old_rows)).with_columns(
            pl.Series("series_id", ids[local[old_rows]])
        )
        kept, revised = storage.write_rows(
            session,
            fresh=revisable.clear(),
            revisable=revisable,
            submission_id=submission.id,
            received_at=received_at,
        )
        new += kept
    _record(session, submission, checked, new=new, revised=revised)
    return submission


def _record(
    session: Session,
    submission: Submission,
    checked: CheckedFile,
    *,
    new: int,
    revised: int,
    action: str = "submit",
) -> None:
    """Complete the submission's counts and append its audit entry and outbox message."""
    submission.row_count = checked.row_count
    submission.new_count = new
    submission.revised_count = revised
    session.flush()
    summary = {
        "state": checked.state,
        "rows": checked.row_count,
        "new": new,
        "revised": revised,
        "digest": checked.digest,
        "filename": checked.filename,
        "format": checked.file_format,
        "on_behalf": checked.on_behalf,
        "synthetic": submission.synthetic,
        "period_start": str(_every_row(checked)["period_start"].min()),
        "period_end": str(_every_row(checked)["period_end"].max()),
        "diseases": sorted({k[1] for k in checked.series_keys}),
    }
    if submission.withdrawn_count:
        summary["withdrawn"] = submission.withdrawn_count
    if checked.dated.height:
        summary["back_dated"] = {
            "rows": checked.dated.height,
            "first_day": str(checked.dated["reported_on"].min()),
            "last_day": str(checked.dated["reported_on"].max()),
        }
    audit.record(
        session,
        actor=checked.actor,
        action=action,
        entity=ENTITY,
        entity_id=submission.id,
        state=summary,
    )
    publish(
        session,
        actor=checked.actor,
        topic="epidata.submission_accepted",
        entity=ENTITY,
        entity_id=submission.id,
        payload={"submission_id": submission.id, **summary},
        states=[checked.state],
    )


def _every_row(checked: CheckedFile) -> pl.DataFrame:
    """The periods of the rows known now and of the back-dated ones together."""
    if checked.dated.height == 0:
        return checked.rows
    return pl.concat(
        [
            checked.rows.select("period_start", "period_end"),
            checked.dated.select("period_start", "period_end"),
        ]
    )
