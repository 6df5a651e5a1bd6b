"""The one way in for observation files: the API, the web import page, the CLI and the demo.

Each face hands over who acts, the file (a path or an open stream), the state, the format and
its options; which way the file goes is decided here, once, from the database
(``streaming.one_pass``):

- a dry run is checked in a read session and nothing is written, on every database;
- on PostgreSQL a file to be stored is checked and copied in one pass inside one write
  transaction (``service.submit``), which holds only its state's lock while it is checked;
- on SQLite, with one writer for the whole database, it is checked in a read session first and
  stored afterwards in one short write transaction, so a long check never blocks other writers.

Either way every row lands with its audit entry and outbox message, or none does. A face that
has already decoded its own format (the DHIS2 gateway) hands its rows in as ``PreRead``
instead of a file: the same choice, the same checks, no file encoded only to be decoded again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, write_session
from epibridge.epidata import service, streaming
from epibridge.epidata.reading import PreRead, Progress, Source
from epibridge.epidata.schemas import SubmissionRead
from epibridge.security import Principal


@dataclass(frozen=True)
class IngestOptions:
    """How a face takes a file in; the defaults submit reported (not synthetic) data."""

    #: Check every row and write nothing; the result says what would be recorded.
    dry_run: bool = False
    #: Refuse a file larger than this many bytes (the face's upload limit).
    max_bytes: int | None = None
    #: Demo data: the submission and its series are flagged SYNTHETIC, with this ``source``.
    synthetic: bool = False
    source: str = ""
    #: Told how many bytes were read, block after block (a progress bar).
    progress: Progress | None = None
    #: Told the row count when a file checked whole starts being stored (not in one pass).
    storing: Callable[[int], None] | None = None
    #: Withdraw the file's keys instead of storing its values (``withdrawal``; values ignored).
    withdraw: bool = False


@contextmanager
def _opened(file: Path | Source) -> Iterator[Source]:
    if isinstance(file, Path):
        with file.open("rb") as stream:
            yield stream
    else:
        yield file


def ingest(
    sessions: sessionmaker[Session],
    *,
    actor: Principal,
    file: Path | IO[bytes] | PreRead,
    state: str,
    file_format: str | None = None,
    filename: str | None = None,
    options: IngestOptions = IngestOptions(),
) -> SubmissionRead:
    """Check a file of observations and, unless a dry run, land it: every row or none."""
    name = filename or (file.name if isinstance(file, Path) else "upload")
    with _opened(file) as stream:
        # The sessionmaker's engine: no session (and no connection) is opened to ask.
        one_pass = not options.dry_run and not options.withdraw
        if one_pass and streaming.one_pass(sessions.kw["bind"]):
            with write_session(sessions) as session:
                return service.submit(
                    session,
                    actor=actor,
                    state=state,
                    stream=stream,
                    filename=name,
                    file_format=file_format,
                    max_bytes=options.max_bytes,
                    progress=options.progress,
                    synthetic=options.synthetic,
                    source=options.source,
                )
        with read_session(sessions) as session:
            checked = service.check_file(
                session,
                actor=actor,
                state=state,
                stream=stream,
                filename=name,
                file_format=file_format,
                max_bytes=options.max_bytes,
                progress=options.progress,
            )
    if options.dry_run:
        return service.dry_run(checked)
    if options.storing is not None:
        options.storing(checked.row_count)
    with write_session(sessions) as session:
        if options.withdraw:
            return service.withdraw(session, checked=checked)
        return service.store(
            session, checked=checked, synthetic=options.synthetic, source=options.source
        )
