"""Rules of submissions: who may submit what, and checking a whole file before it lands.

Checking and storing are two steps on purpose: a file is read and validated completely with
no write lock held (a ten-million-row file takes a while, and the database keeps serving
others meanwhile); only a file with no bad row is then stored, in one short transaction
together with its audit entry and its outbox message (``landing``). ``submit`` is the
one-pass variant on PostgreSQL: it holds the state's lock while checking, and in exchange the
server writes each checked block while the next one is being checked. The faces call neither
directly but ``ingest.ingest``, which picks between them.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from epibridge import paging
from epibridge.epidata import backdating, landing, streaming, withdrawal
from epibridge.epidata.checking import CheckedFile, finish, rejection
from epibridge.epidata.codes import FILE_FORMATS, guess_format
from epibridge.epidata.models import Submission
from epibridge.epidata.reading import (
    FileRejected,
    Progress,
    Source,
    digest_and_size,
    read_batches,
)
from epibridge.epidata.schemas import SubmissionRead
from epibridge.epidata.validation import Collected, check_batch
from epibridge.errors import FieldError, InvalidInput, NotFound
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.paging import Page
from epibridge.security import Action, Principal, authorize
from epibridge.text import printable
from epibridge.text import problem as text_problem


def _actor(actor: Principal, state: str) -> tuple[str, bool]:
    decision = authorize(actor, Action.WRITE_STATE, state)
    return actor.actor, decision.on_behalf


def check_file(
    session: Session,
    *,
    actor: Principal,
    state: str,
    stream: Source,
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
    collected = Collected(state=opened.state, may_backdate=opened.may_backdate)
    try:
        for batch in read_batches(stream, opened.file_format, progress):
            check_batch(collected, batch)
    except FileRejected as exc:
        raise rejection(exc.errors, len(exc.errors)) from None
    return finish(opened, collected)


def _open(
    session: Session,
    *,
    actor: Principal,
    state: str,
    stream: Source,
    filename: str,
    file_format: str | None,
    max_bytes: int | None,
) -> CheckedFile:
    """Who submits, the format, digest and size: everything checked before reading rows."""
    for name, value in (("state", state), ("file", filename)):
        if reason := text_problem(value):
            raise InvalidInput(
                N_("the {name} holds a character that cannot be stored"),
                [FieldError(name, reason, printable(value))],
                params={"name": name},
            )
    code = members.require_state(session, state)
    actor_name, on_behalf = _actor(actor, code)
    fmt = (file_format or guess_format(filename) or "").lower()
    if fmt not in FILE_FORMATS:
        raise InvalidInput(
            "the file format is unknown: name the file .csv, .parquet or .json, or give the format",
            [
                FieldError(
                    "format",
                    N_("one of {choices}"),
                    file_format or filename,
                    params={"choices": FILE_FORMATS},
                )
            ],
        )
    digest, size = digest_and_size(stream)
    if max_bytes is not None and size > max_bytes:
        raise InvalidInput(
            N_("the file is {size} bytes, over the limit of {max_bytes}: split it"),
            [FieldError("file", "too large", size)],
            params={"size": size, "max_bytes": max_bytes},
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
        may_backdate=backdating.allowed(actor, code),
    )


def store(
    session: Session, *, checked: CheckedFile, synthetic: bool = False, source: str = ""
) -> SubmissionRead:
    """Land a checked file atomically: every row, the audit entry and the outbox message."""
    submission = landing.store(session, checked=checked, synthetic=synthetic, source=source)
    return to_read(submission)


def withdraw(session: Session, *, checked: CheckedFile) -> SubmissionRead:
    """Withdraw the current value of every key of a checked file (``withdrawal``)."""
    return to_read(withdrawal.withdraw(session, checked=checked))


def submit(
    session: Session,
    *,
    actor: Principal,
    state: str,
    stream: Source,
    filename: str,
    file_format: str | None = None,
    max_bytes: int | None = None,
    progress: Progress | None = None,
    synthetic: bool = False,
    source: str = "",
) -> SubmissionRead:
    """Check and land a file in one transaction, writing checked rows while later ones are read.

    On PostgreSQL the rows of new series are copied to the server batch by batch as they pass,
    so the server indexes them while the next batch is being checked (two processes, two
    cores). Nothing is visible before the commit, and every batch is still checked: one bad row
    anywhere rolls the whole transaction back and the report lists every bad row. SQLite has
    one writer in the same process, so there the file is checked whole, then stored.
    """
    if not streaming.one_pass(session.get_bind()):
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
        return store(session, checked=checked, synthetic=synthetic, source=source)
    opened = _open(
        session,
        actor=actor,
        state=state,
        stream=stream,
        filename=filename,
        file_format=file_format,
        max_bytes=max_bytes,
    )
    submission = landing.copy_while_checking(
        session,
        opened=opened,
        stream=stream,
        progress=progress,
        synthetic=synthetic,
        source=source,
    )
    return to_read(submission)


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
        unchanged_count=submission.row_count
        - submission.new_count
        - submission.revised_count
        - submission.withdrawn_count,
        withdrawn_count=submission.withdrawn_count,
        synthetic=submission.synthetic,
        source=submission.source,
    )


def get(session: Session, *, principal: Principal, submission_id: int) -> Submission:
    """Return one submission."""
    authorize(principal, Action.READ_MEMBERS)
    found = session.get(Submission, submission_id)
    if found is None:
        raise NotFound(
            N_("no submission {submission_id}"),
            [FieldError("id", "unknown", submission_id)],
            params={"submission_id": submission_id},
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
