"""What federation reads from and lands in the epidemic database (through this domain only).

Federation never touches epidata tables: it asks here for the current rows a submission
brought, the current rows of a state for some periods (to sum national totals), the local
submissions accepted in a time window (an embargo release), and lands a peer's rows as a
replica submission through the one ingest path (``service.submit``), so they are checked like
any file and a node may only land its own state's rows (``authorize``). A replica submission
carries ``origin_node``/``origin_id``; its outbox message is for local subscribers only.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.orm import Session

from epibridge.epidata import service
from epibridge.epidata.models import Observation, Series, Submission
from epibridge.epidata.schemas import SubmissionRead
from epibridge.security import Action, Principal, authorize

#: (disease, metric, classification, period_start, period_end): one period of one measure.
PeriodKey = tuple[str, str, str, date, date]


@dataclass(frozen=True)
class Row:
    """One current value: its series key, period and value (None: not reported)."""

    area: str
    disease: str
    metric: str
    classification: str
    age_group: str
    sex: str
    period_start: date
    period_end: date
    value: int | None

    @property
    def period_key(self) -> PeriodKey:
        return (self.disease, self.metric, self.classification, self.period_start, self.period_end)


def _rows(session: Session, *bounds: object) -> list[Row]:
    query = (
        select(
            Series.area,
            Series.disease,
            Series.metric,
            Series.classification,
            Series.age_group,
            Series.sex,
            Observation.period_start,
            Observation.period_end,
            Observation.value,
        )
        .join(Series, Series.id == Observation.series_id)
        .where(Observation.superseded_at.is_(None), *bounds)
        .order_by(
            Series.disease,
            Series.metric,
            Series.classification,
            Observation.period_start,
            Observation.period_end,
            Series.area,
            Series.age_group,
            Series.sex,
        )
    )
    return [Row(*r) for r in session.execute(query)]


def submission(session: Session, *, principal: Principal, submission_id: int) -> Submission | None:
    """One submission, or None (a builder reading a message about a vanished row)."""
    authorize(principal, Action.READ_MEMBERS)
    return session.get(Submission, submission_id)


def submission_rows(session: Session, *, principal: Principal, submission_id: int) -> list[Row]:
    """The values a submission brought that are still current, in a stable order.

    A value it repeated unchanged made no new version and is not listed; a value a later
    submission revised is listed by that later one.
    """
    authorize(principal, Action.READ_MEMBERS)
    return _rows(session, Observation.submission_id == submission_id)


def rows_for_periods(
    session: Session, *, principal: Principal, state: str, periods: Iterable[PeriodKey]
) -> list[Row]:
    """Every current value of ``state`` in those periods of those measures (for totals)."""
    authorize(principal, Action.READ_MEMBERS)
    keys = sorted(set(periods))
    if not keys:
        return []
    out: list[Row] = []
    for start in range(0, len(keys), 200):
        chunk = keys[start : start + 200]
        measures = {k[:3] for k in chunk}
        spans = {k[3:] for k in chunk}
        found = _rows(
            session,
            Series.state_iso3 == state,
            tuple_(Series.disease, Series.metric, Series.classification).in_(measures),
            or_(
                *(
                    and_(Observation.period_start == s, Observation.period_end == e)
                    for s, e in spans
                )
            ),
        )
        wanted = set(chunk)
        out.extend(r for r in found if r.period_key in wanted)
    return out


def local_submissions_between(
    session: Session, *, principal: Principal, state: str, since: datetime, until: datetime
) -> list[int]:
    """Ids of the state's own (not replica) submissions accepted in [since, until), in order."""
    authorize(principal, Action.READ_MEMBERS)
    return list(
        session.execute(
            select(Submission.id)
            .where(
                Submission.state_iso3 == state,
                Submission.origin_node.is_(None),
                Submission.received_at >= since,
                Submission.received_at < until,
            )
            .order_by(Submission.id)
        ).scalars()
    )


def land_replica(
    session: Session,
    *,
    principal: Principal,
    state: str,
    content: bytes,
    origin_node: str,
    origin_id: str,
    filename: str,
    synthetic: bool = False,
) -> SubmissionRead:
    """Land a peer's rows (a CSV) as a replica submission, in the caller's transaction."""
    read = service.submit(
        session,
        actor=principal,
        state=state,
        stream=io.BytesIO(content),
        filename=filename,
        file_format="csv",
        synthetic=synthetic,
        source=f"federation:{origin_node}" if not synthetic else "",
    )
    row = session.get(Submission, read.id)
    assert row is not None
    row.origin_node = origin_node
    row.origin_id = origin_id
    session.flush()
    return read
