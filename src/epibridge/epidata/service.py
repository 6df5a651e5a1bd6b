"""Rules of submissions: who may submit what, checking a whole file, and landing it atomically.

Checking and storing are two steps on purpose: a file is read and validated completely with
no write lock held (a ten-million-row file takes a while, and the database keeps serving
others meanwhile); only a file with no bad row is then stored, in one short transaction
together with its audit entry and its outbox message. ``submit`` is the one-pass variant for
the command line on PostgreSQL: it holds the state's lock while checking, and in exchange the
server writes each checked block while the next one is being checked.
"""

from __future__ import annotations

import zlib
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import IO

import numpy as np
import polars as pl
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from epibridge import audit, paging
from epibridge.db import utcnow
from epibridge.epidata import storage, streaming
from epibridge.epidata.codes import FILE_FORMATS, MAX_REPORTED_ERRORS, SERIES_COLUMNS, guess_format
from epibridge.epidata.models import Series, Submission
from epibridge.epidata.reading import FileRejected, Progress, digest_and_size, read_batches
from epibridge.epidata.schemas import BadRow, SubmissionRead
from epibridge.epidata.validation import Collected, check_batch, check_duplicates
from epibridge.errors import FieldError, InvalidInput, NotFound
from epibridge.members import service as members
from epibridge.notifications.outbox.service import publish
from epibridge.paging import Page
from epibridge.security import Action, Principal, authorize
from epibridge.text import printable
from epibridge.text import problem as text_problem

ENTITY = "epidata_submission"
SYNTHETIC_SOURCE = "SYNTHETIC"


@dataclass
class CheckedFile:
    """A file whose every row passed; the rows wait in memory for ``store``."""

    state: str
    actor: str
    on_behalf: bool
    file_format: str
    filename: str
    digest: str
    size_bytes: int
    row_count: int
    series_keys: list[tuple[str, ...]]
    rows: pl.DataFrame


def _actor(actor: Principal, state: str) -> tuple[str, bool]:
    decision = authorize(actor, Action.WRITE_STATE, state)
    return actor.actor, decision.on_behalf


def check_file(
    session: Session,
    *,
    actor: Principal,
    state: str,
    stream: IO[bytes],
    filename: str,
    file_format: str | None = None,
    max_bytes: int | None = None,
    progress: Progress | None = None,
) -> CheckedFile:
    """Read and validate a whole submission; raise InvalidInput listing every bad row."""
    opened = _open(
        session,
        actor=actor,
        state=state,
        stream=stream,
        filename=filename,
        file_format=file_format,
        max_bytes=max_bytes,
    )
    collected = Collected(state=opened.state)
    try:
        for batch in read_batches(stream, opened.file_format, progress):
            check_batch(collected, batch)
    except FileRejected as exc:
        raise _rejection(exc.errors, len(exc.errors)) from None
    return _checked(opened, collected)


def _open(
    session: Session,
    *,
    actor: Principal,
    state: str,
    stream: IO[bytes],
    filename: str,
    file_format: str | None,
    max_bytes: int | None,
) -> CheckedFile:
    """Who submits, the format, digest and size: everything checked before reading rows."""
    for name, value in (("state", state), ("file", filename)):
        if reason := text_problem(value):
            raise InvalidInput(
                f"the {name} holds a character that cannot be stored",
                [FieldError(name, reason, printable(value))],
            )
    code = members.require_state(session, state)
    actor_name, on_behalf = _actor(actor, code)
    fmt = (file_format or guess_format(filename) or "").lower()
    if fmt not in FILE_FORMATS:
        raise InvalidInput(
            "the file format is unknown: name the file .csv, .parquet or .json, or give the format",
            [FieldError("format", "one of " + ", ".join(FILE_FORMATS), file_format or filename)],
        )
    digest, size = digest_and_size(stream)
    if max_bytes is not None and size > max_bytes:
        raise InvalidInput(
            f"the file is {size} bytes, over the limit of {max_bytes}: split it",
            [FieldError("file", "too large", size)],
        )
    return CheckedFile(
        state=code,
        actor=actor_name,
        on_behalf=on_behalf,
        file_format=fmt,
        filename=filename[-255:],
        digest=digest,
        size_bytes=size,
        row_count=0,
        series_keys=[],
        rows=pl.DataFrame(),
    )


def _checked(opened: CheckedFile, collected: Collected) -> CheckedFile:
    """The file's rows once every batch was checked; InvalidInput if any row is bad."""
    check_duplicates(collected, collected.frame())
    rows = collected.frame()
    if collected.error_count:
        raise _rejection(collected.errors, collected.error_count)
    if rows.height == 0:
        raise InvalidInput(
            "the file has no rows", [FieldError("file", "no data rows", opened.filename)]
        )
    opened.row_count = rows.height
    opened.series_keys = collected.series_keys
    opened.rows = rows.drop("_row")
    return opened


def _rejection(errors: list, count: int) -> InvalidInput:  # type: ignore[type-arg]
    shown = min(count, MAX_REPORTED_ERRORS)
    return InvalidInput(
        f"the file was rejected: {count} bad value(s)"
        + (f" (the first {shown} listed)" if count > shown else "")
        + "; nothing was written",
        [BadRow(e.column, e.reason, e.value, row=e.row) for e in errors[:MAX_REPORTED_ERRORS]],
    )


def _lock_state(session: Session, state: str) -> None:
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
        touched = [int(i) for i, new in zip(ids, is_new, strict=True) if not new]
        for begin in range(0, len(touched), 500):
            session.execute(
                update(Series)
                .where(Series.id.in_(touched[begin : begin + 500]))
                .values(synthetic=True)
            )
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


def store(
    session: Session, *, checked: CheckedFile, synthetic: bool = False, source: str = ""
) -> SubmissionRead:
    """Land a checked file atomically: every row, the audit entry and the outbox message."""
    _lock_state(session, checked.state)
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
    return _record(session, submission, checked, new=new, revised=revised)


def submit(
    session: Session,
    *,
    actor: Principal,
    state: str,
    stream: IO[bytes],
    filename: str,
    file_format: str | None = None,
    max_bytes: int | None = None,
    progress: Progress | None = None,
) -> SubmissionRead:
    """Check and land a file in one transaction, writing checked rows while later ones are read.

    On PostgreSQL the rows of new series are copied to the server batch by batch as they pass,
    so the server indexes them while the next batch is being checked (two processes, two
    cores). Nothing is visible before the commit, and every batch is still checked: one bad row
    anywhere rolls the whole transaction back and the report lists every bad row. SQLite has
    one writer in the same process, so there the file is checked whole, then stored.
    """
    if session.get_bind().dialect.name != "postgresql":
        checked = check_file(
            session,
            actor=actor,
            state=state,
            stream=stream,
            filename=filename,
            file_format=file_format,
            max_bytes=max_bytes,
            progress=progress,
        )
        return store(session, checked=checked)
    opened = _open(
        session,
        actor=actor,
        state=state,
        stream=stream,
        filename=filename,
        file_format=file_format,
        max_bytes=max_bytes,
    )
    _lock_state(session, opened.state)
    received_at = utcnow()
    submission = _new_submission(
        session, opened, received_at=received_at, synthetic=False, source=""
    )
    existing = _existing_series(session, opened.state)
    collected = Collected(state=opened.state)
    # New series get ids taken from the sequence ahead of need and are inserted after the
    # COPY: a connection in COPY runs no other statement, and ending the COPY for each batch
    # with new series would make the client wait for the server every time.
    spare: deque[int] = deque()
    created: dict[tuple[str, ...], int] = {}
    ids: list[int] = []
    is_new: list[bool] = []
    with streaming.FreshRows(session, submission.id, received_at) as fresh:
        try:
            for batch in read_batches(stream, opened.file_format, progress):
                before = len(collected.frames)
                check_batch(collected, batch)
                if collected.error_count or len(collected.frames) == before:
                    continue  # rejected anyway: stop writing, keep checking for the report
                keys = collected.series_keys[len(ids) :]
                missing = [k for k in keys if k not in existing and k not in created]
                if len(missing) > len(spare):
                    fresh.pause()
                    if fresh.failed is not None:
                        continue  # the transaction is aborted: only check from here on
                    wanted = max(len(missing) - len(spare), len(created), 4096)
                    spare.extend(streaming.reserve_series_ids(session, wanted))
                for key in missing:
                    created[key] = spare.popleft()
                ids.extend(existing.get(k) or created[k] for k in keys)
                is_new.extend(k in created for k in keys)
                fresh.write(collected.frames[-1], np.array(ids, dtype=np.int32), np.array(is_new))
        except FileRejected as exc:
            raise _rejection(exc.errors, len(exc.errors)) from None
        checked = _checked(opened, collected)
    _create_series(session, opened.state, list(created), False, ids=list(created.values()))
    new, revised = fresh.written, 0
    old_series = ~np.array(is_new, dtype=bool)
    if old_series.any():
        # Rows of series stored before may revise them: the staging path compares each key.
        local = checked.rows["series"].to_numpy()
        revisable = checked.rows.filter(pl.Series(old_series[local])).with_columns(
            pl.Series("series_id", np.array(ids, dtype=np.int32)[local[old_series[local]]])
        )
        kept, revised = storage.write_rows(
            session,
            fresh=revisable.clear(),
            revisable=revisable,
            submission_id=submission.id,
            received_at=received_at,
        )
        new += kept
    return _record(session, submission, checked, new=new, revised=revised)


def _record(
    session: Session, submission: Submission, checked: CheckedFile, *, new: int, revised: int
) -> SubmissionRead:
    """Complete the submission's counts and append its audit entry and outbox message."""
    submission.row_count = checked.row_count
    submission.new_count = new
    submission.revised_count = revised
    session.flush()
    read = to_read(submission)
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
        "period_start": str(checked.rows["period_start"].min()),
        "period_end": str(checked.rows["period_end"].max()),
        "diseases": sorted({k[1] for k in checked.series_keys}),
    }
    audit.record(
        session,
        actor=checked.actor,
        action="submit",
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
    return read


def dry_run(checked: CheckedFile) -> SubmissionRead:
    """Describe what storing a checked file would record, without writing."""
    return SubmissionRead(
        id=None,
        state=checked.state,
        received_at=None,
        submitted_by=checked.actor,
        on_behalf=checked.on_behalf,
        format=checked.file_format,
        filename=checked.filename,
        digest=checked.digest,
        size_bytes=checked.size_bytes,
        row_count=checked.row_count,
        new_count=0,
        revised_count=0,
        unchanged_count=0,
        synthetic=False,
        source="",
        dry_run=True,
    )


def to_read(submission: Submission) -> SubmissionRead:
    return SubmissionRead(
        id=submission.id,
        state=submission.state_iso3,
        received_at=submission.received_at,
        submitted_by=submission.submitted_by,
        on_behalf=submission.on_behalf,
        format=submission.file_format,
        filename=submission.filename,
        digest=submission.digest,
        size_bytes=submission.size_bytes,
        row_count=submission.row_count,
        new_count=submission.new_count,
        revised_count=submission.revised_count,
        unchanged_count=submission.row_count - submission.new_count - submission.revised_count,
        synthetic=submission.synthetic,
        source=submission.source,
    )


def get(session: Session, *, principal: Principal, submission_id: int) -> Submission:
    """Return one submission."""
    authorize(principal, Action.READ_MEMBERS)
    found = session.get(Submission, submission_id)
    if found is None:
        raise NotFound(
            f"no submission {submission_id}", [FieldError("id", "unknown", submission_id)]
        )
    return found


def list_submissions(
    session: Session,
    *,
    principal: Principal,
    state: str | None = None,
    cursor: str | None = None,
    limit: int,
) -> Page[Submission]:
    """List submissions newest first, one page at a time."""
    authorize(principal, Action.READ_MEMBERS)
    query = select(Submission)
    if state:
        query = query.where(Submission.state_iso3 == members.require_state(session, state))
    return paging.page(
        session, query, paging.Order(Submission.id, descending=True), cursor=cursor, limit=limit
    )
