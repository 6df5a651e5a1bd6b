"""Reading the epidemic database: series by granularity, totals, increases, revision history.

The latest values are read through the partial index of current rows; ``as_of`` adds the
superseded rows that were current at that moment, so a query shows exactly what was known
then. Aggregation to weeks and months happens on the few thousand rows a series has, in
Polars, after the database has narrowed to the series' ids.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from pydantic import TypeAdapter
from sqlalchemy import Select, String, func, select, type_coerce, union_all
from sqlalchemy.orm import Session

from epibridge.epidata.codes import Granularity

# Re-exported: the web pages and reports call queries.export.
from epibridge.epidata.export import export as export
from epibridge.epidata.export import to_frame as to_frame
from epibridge.epidata.models import Observation, Series
from epibridge.epidata.population import SOURCE as POPULATION_SOURCE
from epibridge.epidata.population import population
from epibridge.epidata.schemas import (
    IncreaseRead,
    PointRead,
    SeriesRead,
    SeriesSet,
)
from epibridge.epidata.selector import IDENTITY, SeriesSelector
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_
from epibridge.members import service as members
from epibridge.security import Action, Principal, authorize

TOTAL = "ALL"


def series_meta(
    session: Session, selector: SeriesSelector, states: list[str] | None
) -> dict[int, tuple[str, bool]]:
    """State and synthetic flag of the selected series of ``states`` (None: of every state)."""
    query = select(Series.id, Series.state_iso3, Series.synthetic).where(
        *(getattr(Series, name) == getattr(selector, name) for name in IDENTITY)
    )
    if states is not None:
        query = query.where(Series.state_iso3.in_(states))
    return {row.id: (row.state_iso3, row.synthetic) for row in session.execute(query)}


def _observations(
    ids: list[int], start: date | None, end: date | None, as_of: datetime | None
) -> Select:  # type: ignore[type-arg]
    # The periods come as the driver gives them (a date from psycopg, ISO text from SQLite):
    # a series has few distinct periods, and _aggregate converts each once, instead of the
    # type layer converting two values on every row.
    columns = (
        Observation.series_id,
        type_coerce(Observation.period_start, String).label("period_start"),
        type_coerce(Observation.period_end, String).label("period_end"),
        Observation.value,
    )
    bounds = [Observation.series_id.in_(ids)]
    if start is not None:
        bounds.append(Observation.period_start >= start)
    if end is not None:
        bounds.append(Observation.period_end <= end)
    # A withdrawn version hides its key from the moment it was received (``withdrawn``).
    bounds.append(Observation.withdrawn.is_(False))
    current = select(*columns).where(*bounds, Observation.superseded_at.is_(None))
    if as_of is None:
        return current
    then_current = select(*columns).where(
        *bounds,
        Observation.superseded_at.is_not(None),
        Observation.received_at <= as_of,
        Observation.superseded_at > as_of,
    )
    return union_all(current.where(Observation.received_at <= as_of), then_current)  # type: ignore[return-value]


Bucket = tuple[date, date]
#: Per bucket: [sum of reported values, how many were reported, how many observations].
Cells = dict[Bucket, list[int]]
_MISSING: Bucket = (date.min, date.min)
_POINTS: TypeAdapter[list[PointRead]] = TypeAdapter(list[PointRead])


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _bucket(start: date, end: date, granularity: Granularity) -> Bucket | None:
    """The day, ISO week or month a period falls in; None when the period is longer."""
    if granularity == "day":
        return (start, start) if end == start else None
    if granularity == "week":
        monday = start - timedelta(days=start.weekday())
        sunday = monday + timedelta(days=6)
        return (monday, sunday) if end <= sunday else None
    # An ISO week counts in the month holding its Thursday, as the week belongs to the ISO
    # year holding its Thursday; any other period must fit inside the month.
    is_week = (end - start).days == 6
    anchor = start + timedelta(days=3) if is_week else start
    first = anchor.replace(day=1)
    last = anchor.replace(day=calendar.monthrange(anchor.year, anchor.month)[1])
    return (first, last) if is_week or end <= last else None


def _aggregate(
    rows: list[Any], meta: dict[int, tuple[str, bool]], granularity: Granularity
) -> tuple[dict[str, Cells], dict[str, int]]:
    """Sum the observations into buckets per state (plain Python: a series is thousands of rows)."""
    cells: dict[str, Cells] = {}
    skipped: dict[str, int] = {}
    buckets: dict[tuple[date | str, date | str], Bucket | None] = {}
    # One cell table per series, looked up once per row; series of one state share it.
    tables: dict[int, Cells] = {
        series_id: cells.setdefault(state, {}) for series_id, (state, _) in meta.items()
    }
    for series_id, start, end, value in rows:
        key = (start, end)
        bucket = buckets.get(key, _MISSING)
        if bucket is _MISSING:
            bucket = buckets[key] = _bucket(_day(start), _day(end), granularity)
        if bucket is None:
            state = meta[series_id][0]
            skipped[state] = skipped.get(state, 0) + 1
            continue
        table = tables[series_id]
        cell = table.get(bucket)
        if cell is None:
            cell = table[bucket] = [0, 0, 0]
        cell[2] += 1
        if value is not None:
            cell[0] += value
            cell[1] += 1
    return {state: part for state, part in cells.items() if part}, skipped


def _merged(cells: list[Cells]) -> Cells:
    out: Cells = {}
    for part in cells:
        for bucket, (total, known, reported) in part.items():
            cell = out.setdefault(bucket, [0, 0, 0])
            cell[0] += total
            cell[1] += known
            cell[2] += reported
    return out


def _denominator(states: list[str], year: int) -> tuple[int, int] | None:
    """Population of ``states`` together in ``year`` and the latest year of figures used."""
    found = [population(s, year) for s in states]
    if not found or not all(found):
        return None
    return sum(f[0] for f in found if f), max(f[1] for f in found if f)


def _points(
    cells: Cells, states: list[str], per: int | None, raw: bool = False
) -> list[PointRead] | list[dict[str, Any]]:
    points = []
    denominators: dict[int, tuple[int, int] | None] = {}
    for (bucket, bucket_end), (total, known, reported) in sorted(cells.items()):
        value = total if known else None
        point: dict[str, Any] = {
            "period_start": bucket,
            "period_end": bucket_end,
            "value": value,
            "reported": reported,
            "rate": None,
            "population": None,
            "population_year": None,
        }
        if per:
            if bucket.year not in denominators:
                denominators[bucket.year] = _denominator(states, bucket.year)
            found = denominators[bucket.year]
            if found is not None:
                point["population"], point["population_year"] = found
                point["rate"] = None if value is None else round(value * per / found[0], 4)
        points.append(point)
    if raw:
        return points
    # One validation in pydantic-core for the whole list: far cheaper than a model per point.
    return _POINTS.validate_python(points)


def _readable_states(session: Session, principal: Principal, selector: SeriesSelector) -> list[str]:
    """The checked state codes of a series request, once the caller may read members' data."""
    authorize(principal, Action.READ_MEMBERS)
    if not selector.states:
        raise InvalidInput("name at least one state", [FieldError("state", "required")])
    return [members.require_state(session, s) for s in selector.states]


#: The states a series read may show (nowcasts and triangles read with the same visibility).
readable_states = _readable_states


def series(
    session: Session,
    *,
    principal: Principal,
    selector: SeriesSelector,
    per: int | None = None,
    total: bool = False,
) -> SeriesSet:
    """Return one series per state (and their total), aggregated to the selector's granularity."""
    codes = _readable_states(session, principal, selector)
    return _series_set(session, codes, selector, per, total)


def series_json(
    session: Session,
    *,
    principal: Principal,
    selector: SeriesSelector,
    per: int | None = None,
    total: bool = False,
) -> bytes:
    """Return what ``series`` returns, serialized as JSON."""
    # The points are built from typed database values and serialized as they are: validating
    # thousands of them into models only to serialize them again would double the CPU time.
    codes = _readable_states(session, principal, selector)
    result = _series_set(session, codes, selector, per, total, raw=True)
    return result.model_dump_json(warnings=False).encode()


def _series_set(
    session: Session,
    codes: list[str] | None,
    selector: SeriesSelector,
    per: int | None,
    total: bool,
    raw: bool = False,
) -> SeriesSet:
    if per is not None and per < 1:
        raise InvalidInput("per must be a positive number", [FieldError("per", "positive", per)])
    granularity, as_of = selector.granularity, selector.as_of
    meta = series_meta(session, selector, codes)
    # Core execution on the connection: the ORM result machinery costs more than the query.
    observations = _observations(list(meta), selector.start, selector.end, as_of)
    rows = session.connection().execute(observations).all()
    cells, skipped = _aggregate(rows, meta, granularity)
    shown = codes if codes is not None else sorted({state for state, _ in meta.values()})

    def read(state: str, part: Cells, states: list[str], synthetic: bool) -> SeriesRead:
        build = SeriesRead.model_construct if raw else SeriesRead
        return build(
            state=state,
            disease=selector.disease,
            metric=selector.metric,
            classification=selector.classification,
            area=selector.area,
            age_group=selector.age_group,
            sex=selector.sex,
            granularity=granularity,
            synthetic=synthetic,
            as_of=as_of,
            per=per,
            skipped_coarser=sum(skipped.get(s, 0) for s in states),
            points=_points(part, states, per, raw),
        )

    synthetic_of = {state: False for state in shown}
    for state, synthetic in meta.values():
        synthetic_of[state] = synthetic_of.get(state, False) or synthetic
    result = [read(state, cells.get(state, {}), [state], synthetic_of[state]) for state in shown]
    total_read = None
    if total:
        total_read = read(
            TOTAL, _merged([cells.get(s, {}) for s in shown]), shown, any(synthetic_of.values())
        )
    build_set = SeriesSet.model_construct if raw else SeriesSet
    return build_set(
        series=result, total=total_read, population_source=POPULATION_SOURCE if per else None
    )


class Identity(NamedTuple):
    """A stored series: its state and the selector's identity fields (``IDENTITY``)."""

    state: str
    disease: str
    metric: str
    classification: str
    area: str
    age_group: str
    sex: str


def identities(session: Session, *, principal: Principal) -> list[Identity]:
    """Every stored series, so a face offering wildcards (SDMX keys) knows what they cover."""
    authorize(principal, Action.READ_MEMBERS)
    query = select(Series.state_iso3, *(getattr(Series, name) for name in IDENTITY)).order_by(
        Series.state_iso3, *(getattr(Series, name) for name in IDENTITY)
    )
    return [Identity(*row) for row in session.execute(query.distinct())]


def totals(
    session: Session, *, principal: Principal, selector: SeriesSelector, per: int | None = None
) -> SeriesRead:
    """Return the organization-wide total over every state that reported the series."""
    authorize(principal, Action.READ_PARTNERS)
    # Partners read totals only: a total of named states would be members' data.
    selector.refuse(["states"], N_("the organization-wide total is over every state"))
    result = _series_set(session, None, selector, per, True)
    assert result.total is not None
    return result.total


def increases(
    session: Session,
    *,
    principal: Principal,
    selector: SeriesSelector,
    weeks: int = 4,
    until: date | None = None,
    limit: int = 10,
) -> list[IncreaseRead]:
    """Rank states by the rise of their last ``weeks`` weeks over the ``weeks`` before."""
    authorize(principal, Action.READ_MEMBERS)
    if not 1 <= weeks <= 52:
        raise InvalidInput("weeks must be 1 to 52", [FieldError("weeks", "out of range", weeks)])
    selector.refuse(
        ["states", "granularity", "start", "end"],
        N_("increases rank every state over whole ISO weeks ending with until"),
    )
    meta = series_meta(session, selector, None)
    if not meta:
        return []
    if until is None:
        last = session.execute(
            select(func.max(Observation.period_end)).where(
                Observation.series_id.in_(list(meta)),
                Observation.superseded_at.is_(None),
                Observation.withdrawn.is_(False),
            )
        ).scalar_one()
        if last is None:
            return []
        until = last
    recent_end = until - timedelta(days=(until.isoweekday() % 7))  # the Sunday ending a week
    recent_start = recent_end - timedelta(days=7 * weeks - 1)
    previous_start = recent_start - timedelta(days=7 * weeks)
    window = replace(selector, start=previous_start, end=recent_end)
    result = _series_set(session, None, window, None, False)
    ranked = []
    for item in result.series:
        recent = sum(p.value or 0 for p in item.points if p.period_start >= recent_start)
        previous = sum(p.value or 0 for p in item.points if p.period_start < recent_start)
        if recent <= previous:
            continue
        ranked.append(
            IncreaseRead(
                state=item.state,
                recent=recent,
                previous=previous,
                change=recent - previous,
                ratio=round(recent / previous, 3) if previous else None,
                recent_start=recent_start,
                recent_end=recent_end,
                synthetic=item.synthetic,
            )
        )
    ranked.sort(key=lambda r: (-r.change, r.state))
    return ranked[:limit]


def strata(
    session: Session, *, principal: Principal, selector: SeriesSelector
) -> list[SeriesSelector]:
    """The selector of every stored series of the selection, whatever its stratum.

    A stratified export (FHIR MeasureReport stratifiers) shows each classification, age group
    and sex a state reported; the selector names one of each, so this lists the others that
    share its disease, metric and area, in the order of their codes.
    """
    codes = _readable_states(session, principal, selector)
    query = (
        select(Series.classification, Series.age_group, Series.sex)
        .where(
            Series.state_iso3.in_(codes),
            Series.disease == selector.disease,
            Series.metric == selector.metric,
            Series.area == selector.area,
        )
        .distinct()
    )
    found = sorted(tuple(row) for row in session.execute(query))
    return [replace(selector, classification=c, age_group=a, sex=s) for c, a, s in found]
