"""Detection runs over the epidemic database: which series, as known when, and storing alarms.

A run has three short steps so that no write lock is held while computing: (1) take in the
``epidata.submission_accepted`` messages published since the last run (which state's disease
changed), (2) read the series as known at the run's moment and compute, (3) store the signals,
their draft notifications, audit entries and outbox messages in one transaction.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import read_session, utcnow, write_session
from epibridge.detection.models import ConsumedMessage, DetectionCursor, WatchedSeries
from epibridge.detection.result import DetectionResult
from epibridge.detection.schemas import RunOptions, RunReport
from epibridge.detection.service import corrected, storing
from epibridge.detection.service import series as series_io
from epibridge.detection.service.storing import Finding
from epibridge.epidata.codes import CLASSIFICATIONS, METRICS
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import DomainError, FieldError, InvalidInput, reason_of
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.notifications.diseases import validate_disease_code
from epibridge.notifications.outbox import service as outbox
from epibridge.security import Action, Principal, authorize

TOPIC = "epidata.submission_accepted"
#: Messages are read again from this long before the cursor (see ConsumedMessage).
REREAD = timedelta(hours=1)
_BATCH = 1000
_LOCK_KEY = zlib.crc32(b"detection:runs")

Progress = Callable[[int, int], None]


def lock_runs(session: Session) -> None:
    """Serialize the writing steps of concurrent runs (SQLite's write lock already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})


def take_in_submissions(session: Session, *, now: datetime) -> tuple[int, set[tuple[str, str]]]:
    """Record which (state, disease) the accepted submissions since the last run touched."""
    lock_runs(session)
    cursor = session.get(DetectionCursor, TOPIC)
    after = cursor.read_until - REREAD if cursor else None
    read = 0
    touched: set[tuple[str, str]] = set()
    newest = cursor.read_until if cursor else None
    while True:
        batch = outbox.read_messages(session, topic=TOPIC, after=after, limit=_BATCH)
        if not batch:
            break
        ids = [m.id for m in batch]
        seen = set(
            session.execute(
                select(ConsumedMessage.message_id).where(ConsumedMessage.message_id.in_(ids))
            ).scalars()
        )
        for message in batch:
            after = message.created_at
            newest = max(newest, message.created_at) if newest else message.created_at
            if message.id in seen:
                continue
            read += 1
            session.add(ConsumedMessage(message_id=message.id, consumed_at=now))
            payload = message.payload or {}
            state = str(payload.get("state") or "")
            for disease in payload.get("diseases") or []:
                touched.add((state, str(disease)))
        if len(batch) < _BATCH:
            break
    for state, disease in sorted(touched):
        watched = session.execute(
            select(WatchedSeries).where(
                WatchedSeries.state == state, WatchedSeries.disease == disease
            )
        ).scalar_one_or_none()
        if watched is None:
            session.add(WatchedSeries(state=state, disease=disease, changed_at=now))
        else:
            watched.changed_at = now
    if newest is not None:
        if cursor is None:
            session.add(DetectionCursor(name=TOPIC, read_until=newest, updated_at=now))
        else:
            cursor.read_until = newest
            cursor.updated_at = now
    session.execute(delete(ConsumedMessage).where(ConsumedMessage.consumed_at < now - 2 * REREAD))
    session.flush()
    return read, touched


def _check(session: Session, options: RunOptions) -> tuple[set[str] | None, set[str] | None]:
    errors: list[FieldError] = []
    states = None
    if options.states:
        states = set()
        for i, code in enumerate(options.states):
            try:
                states.add(members.require_state(session, code, field=f"state[{i}]"))
            except InvalidInput as exc:
                errors += exc.errors
    diseases = None
    if options.diseases:
        diseases = set()
        for i, code in enumerate(options.diseases):
            try:
                diseases.add(validate_disease_code(code))
            except ValueError as exc:
                errors.append(FieldError(f"disease[{i}]", reason_of(exc), code))
    for i, metric in enumerate(options.metrics):
        if metric not in METRICS:
            errors.append(
                FieldError(
                    f"metric[{i}]", N_("one of {choices}"), metric, params={"choices": METRICS}
                )
            )
    if errors:
        raise InvalidInput("the run's options are not valid", errors)
    return states, diseases


def _pairs(
    session: Session,
    options: RunOptions,
    states: set[str] | None,
    diseases: set[str] | None,
) -> list[WatchedSeries]:
    query = select(WatchedSeries).order_by(WatchedSeries.state, WatchedSeries.disease)
    if states is not None:
        query = query.where(WatchedSeries.state.in_(sorted(states)))
    if diseases is not None:
        query = query.where(WatchedSeries.disease.in_(sorted(diseases)))
    pairs = list(session.execute(query).scalars())
    if options.changed:
        pairs = [p for p in pairs if p.detected_at is None or p.changed_at > p.detected_at]
    return pairs


def _monitored(loaded: series_io.LoadedSeries, options: RunOptions, as_of: datetime) -> np.ndarray:
    starts = np.array(loaded.starts, dtype="datetime64[D]")
    allowed = starts <= np.datetime64(as_of.date(), "D")  # never a period not begun yet
    if options.since is not None:
        chosen = allowed & (starts >= np.datetime64(options.since, "D"))
        return np.flatnonzero(chosen)
    indices = np.flatnonzero(allowed)
    return indices[-options.last :]


def _value(array: np.ndarray | None, row: int, position: int) -> float | None:
    if array is None:
        return None
    value = float(array[row, position])
    # NaN: undefined; +-inf: a score over a baseline with no variation (JSON has neither).
    return value if np.isfinite(value) else None


def _findings(
    batch: list[series_io.LoadedSeries], method: str, usable: np.ndarray, result: DetectionResult
) -> list[Finding]:
    found = []
    for row, item in enumerate(batch):
        for position, index in enumerate(usable):
            found.append(
                Finding(
                    series=item,
                    index=int(index),
                    method=method,
                    observed=_value(result.observed, row, position),
                    expected=_value(result.expected, row, position),
                    upperbound=_value(result.upperbound, row, position),
                    score=_value(result.score, row, position),
                    alarm=bool(result.alarm[row, position] == 1.0),
                )
            )
    return found


def _run_method(
    batch: list[series_io.LoadedSeries], method: str, monitored: np.ndarray
) -> tuple[list[Finding], set[int]]:
    """One method over series sharing one grid; the rows that got a result."""
    try:
        counts = np.vstack([item.counts for item in batch])
        outcome = series_io.evaluate(batch[0], method, monitored, counts)
    except ValueError:
        if len(batch) == 1:
            # A series the method refuses (e.g. no usable reference values): none from it.
            return [], set()
        found: list[Finding] = []
        rows: set[int] = set()
        for row, item in enumerate(batch):  # find the one(s) refused; keep the others
            one, ran = _run_method([item], method, monitored)
            found += one
            rows |= {row} if ran else set()
        return found, rows
    if outcome is None:
        return [], set()
    usable, result = outcome
    return _findings(batch, method, usable, result), set(range(len(batch)))


def compute(
    loaded: list[series_io.LoadedSeries],
    options: RunOptions,
    as_of: datetime,
    progress: Progress | None = None,
) -> tuple[list[Finding], int]:
    """Every monitored point of every method each series takes, and how many took none.

    Series on the same grid with the same monitored periods and methods run as one batch.
    """
    groups: dict[tuple[object, ...], list[series_io.LoadedSeries]] = {}
    monitored_of: dict[tuple[object, ...], np.ndarray] = {}
    skipped = 0
    for item in loaded:
        monitored = _monitored(item, options, as_of)
        if monitored.size == 0:
            skipped += 1
            continue
        chosen = (options.method,) if options.method else series_io.methods_for(item, monitored[0])
        key = (item.granularity, item.starts[0], len(item.starts), tuple(monitored), chosen)
        groups.setdefault(key, []).append(item)
        monitored_of[key] = monitored
    findings: list[Finding] = []
    done = skipped
    for key, batch in groups.items():
        ran: set[int] = set()
        for method in key[-1]:  # type: ignore[union-attr]
            found, rows = _run_method(batch, str(method), monitored_of[key])
            findings += found
            ran |= rows
        skipped += len(batch) - len(ran)
        done += len(batch)
        if progress:
            progress(done, len(loaded))
    return findings, skipped


def _load_all(
    session: Session,
    actor: Principal,
    pairs: list[WatchedSeries],
    options: RunOptions,
    as_of: datetime,
) -> list[series_io.LoadedSeries]:
    found: list[series_io.LoadedSeries] = []
    for pair in pairs:
        for metric in options.metrics:
            for classification in CLASSIFICATIONS:
                selector = SeriesSelector(
                    states=(pair.state,),
                    disease=pair.disease,
                    metric=metric,
                    classification=classification,
                    granularity=options.granularity,
                    as_of=as_of,
                )
                loaded = series_io.load_sco(session, principal=actor, selector=selector)
                if loaded is not None and options.nowcast:
                    loaded = _corrected(session, actor, selector, loaded, options)
                if loaded is not None:
                    found.append(loaded)
    return found


def _corrected(
    session: Session,
    actor: Principal,
    selector: SeriesSelector,
    loaded: series_io.LoadedSeries,
    options: RunOptions,
) -> series_io.LoadedSeries:
    """The series with its incomplete periods nowcast; as reported if it cannot be."""
    try:
        return corrected.correct(
            session, principal=actor, selector=selector, loaded=loaded, max_delay=options.max_delay
        )
    except DomainError:
        return loaded  # e.g. a granularity without triangles: judged as reported, flag false


def run(
    sessions: sessionmaker[Session],
    *,
    options: RunOptions,
    actor: Principal,
    progress: Progress | None = None,
) -> RunReport:
    """Run detection over the stored series and store the alarms as signals."""
    # Reads every member's series and writes signals for all of them: cross-state work.
    authorize(actor, Action.COORDINATE)
    started = utcnow()
    as_of = options.as_of or started
    if as_of.tzinfo is None:
        raise InvalidInput("as_of needs a UTC offset", [FieldError("as_of", "naive", str(as_of))])
    run_id = str(uuid.uuid4())
    with write_session(sessions) as session:
        states, diseases = _check(session, options)
        read, _ = take_in_submissions(session, now=started)
    with read_session(sessions) as session:
        loaded: list[series_io.LoadedSeries] = []
        pair_ids: list[int] = []
        if options.dataset in ("sco", "all"):
            pairs = _pairs(session, options, states, diseases)
            pair_ids = [p.id for p in pairs]
            loaded += _load_all(session, actor, pairs, options, as_of)
        if options.dataset in ("reference", "all") and states is None and diseases is None:
            loaded += series_io.load_references(
                session, principal=actor, granularity=options.granularity
            )
    findings, skipped = compute(loaded, options, as_of, progress)
    with write_session(sessions) as session:
        lock_runs(session)
        stored = storing.store_findings(
            session, findings=findings, run_id=run_id, as_of=as_of, actor=actor
        )
        for watched in session.execute(
            select(WatchedSeries).where(WatchedSeries.id.in_(pair_ids))
        ).scalars():
            watched.detected_at = started
        session.flush()
    return RunReport(
        run_id=run_id,
        as_of=as_of,
        series=len(loaded),
        skipped=skipped,
        evaluated=len(findings),
        alarms=sum(1 for f in findings if f.alarm),
        opened=stored.opened,
        updated=stored.updated,
        notifications=stored.notifications,
        messages_read=read,
    )
