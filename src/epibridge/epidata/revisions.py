"""The revision history of a series: every version ever received, with when it was replaced."""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from epibridge.epidata.models import Observation
from epibridge.epidata.queries import series_meta
from epibridge.epidata.schemas import HistoryRead, VersionRead
from epibridge.epidata.selector import SeriesSelector
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.security import Action, Principal, authorize


def history(
    session: Session,
    *,
    principal: Principal,
    selector: SeriesSelector,
) -> HistoryRead:
    """Return every version ever stored of one state's series, oldest first."""
    authorize(principal, Action.READ_MEMBERS)
    code = members.require_state(session, selector.one_state())
    # Every version is listed, as received: there is nothing to aggregate or to travel back to.
    selector.refuse(["granularity", "as_of"], N_("the history lists every version as received"))
    start, end = selector.start, selector.end
    meta = series_meta(session, selector, [code])
    versions: list[VersionRead] = []
    if meta:
        bounds = [Observation.series_id.in_(list(meta))]
        if start:
            bounds.append(Observation.period_start >= start)
        if end:
            bounds.append(Observation.period_end <= end)
        rows = session.execute(
            select(Observation)
            .where(and_(*bounds))
            .order_by(Observation.period_start, Observation.period_end, Observation.version)
        ).scalars()
        versions = [
            VersionRead(
                period_start=o.period_start,
                period_end=o.period_end,
                version=o.version,
                value=o.value,
                received_at=o.received_at,
                superseded_at=o.superseded_at,
                withdrawn=o.withdrawn,
                submission_id=o.submission_id,
            )
            for o in rows
        ]
    return HistoryRead(
        state=code,
        disease=selector.disease,
        metric=selector.metric,
        classification=selector.classification,
        area=selector.area,
        age_group=selector.age_group,
        sex=selector.sex,
        synthetic=any(s for _, s in meta.values()),
        versions=versions,
    )
