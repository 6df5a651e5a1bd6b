"""Figures of the situation dashboard: the main diseases' last weeks and their trend per state,
a disease's rate per 100,000 per state, and which states reported each week.

The rules are here, once, so the page only draws: which diseases are "main", what a trend is,
which weeks count, and when a state "reported". All of it reads the epidemic database over
the day's window, so a past day shows the weeks before it.

- The figures are the database's current values (revisions included) for the weeks up to the
  day, as the event part of the dashboard shows events as they are now known.
- The series read are whole-state cases of the classification ``all`` (every case, whatever
  its classification: what the demo and most states send), aggregated to ISO weeks by
  ``queries.series``.
- The window is the ``WEEKS`` ISO weeks ending with the week of the day.
- A week without a reported value is missing, never zero: means, trends and rates use the weeks
  that have a value, and a state with none has no trend and no rate.
- Trend: the mean of the values reported in the last ``TREND_WEEKS`` weeks against that of the
  ``TREND_WEEKS`` weeks before; up or down when they differ by more than ``TREND_CHANGE`` of the
  earlier mean and by at least ``TREND_MIN`` case a week (one or two cases more is no trend).
- Rate: the mean weekly count of the last ``TREND_WEEKS`` weeks per 100,000 inhabitants, with
  the shipped UN World Population Prospects 2024 figure of the day's year (``population``).
- Reporting completeness, as DHIS2's reporting rate: a member state reported a week when the
  database holds a value (not an empty "not reported" row) of any series of that state whose
  period overlaps the week; the share is over the member states of the day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from epibridge.epidata import queries
from epibridge.epidata.models import Observation, Series
from epibridge.epidata.population import SOURCE as POPULATION_SOURCE
from epibridge.epidata.population import population
from epibridge.epidata.selector import SeriesSelector
from epibridge.members import service as members
from epibridge.security import Action, Principal, authorize

WEEKS = 12
TREND_WEEKS = 4
TREND_CHANGE = 0.2
TREND_MIN = 1.0
MAIN_DISEASES = 4
RATE_PER = 100_000
METRIC, CLASSIFICATION = "cases", "all"


class Trend(StrEnum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"
    UNKNOWN = "unknown"  # fewer than one reported week on either side


@dataclass(frozen=True)
class DiseaseWeeks:
    """One disease of one state over the window: a value per week (None: not reported)."""

    disease: str
    values: list[int | None]
    recent: float | None
    previous: float | None
    trend: Trend
    synthetic: bool


@dataclass(frozen=True)
class StateRate:
    """The rate disease in one state: mean weekly cases of the last weeks per 100,000."""

    rate: float | None
    mean: float | None
    weeks_reported: int
    population: int | None
    population_year: int | None


@dataclass(frozen=True)
class StateFigures:
    state: str
    diseases: list[DiseaseWeeks]  # in the order of ``Overview.diseases``
    reported: list[bool]  # per week of the window
    rate: StateRate


@dataclass(frozen=True)
class Overview:
    day: date
    weeks: list[date]  # the Mondays of the window, oldest first; the last is the day's week
    diseases: list[str]  # the main diseases, most cases first
    rate_disease: str | None
    states: list[StateFigures]  # the member states of the day, by ISO3 code
    reported_share: list[float | None]  # per week; None when there is no member state
    synthetic: bool
    population_source: str = POPULATION_SOURCE

    @property
    def recent_weeks(self) -> list[date]:
        return self.weeks[-TREND_WEEKS:]


def diseases_with_data(session: Session, *, principal: Principal) -> list[str]:
    """The disease codes with at least one reported value, for pickers: only what can be drawn."""
    authorize(principal, Action.READ_MEMBERS)
    has_value = (
        select(Observation.series_id)
        .where(
            Observation.series_id == Series.id,
            Observation.value.is_not(None),
            Observation.superseded_at.is_(None),
        )
        .exists()
    )
    query = select(Series.disease).where(has_value).distinct().order_by(Series.disease)
    return list(session.execute(query).scalars())


def window(day: date, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the ``weeks`` ISO weeks ending with the week of ``day``."""
    monday = day - timedelta(days=day.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def mean(values: Sequence[int | None]) -> float | None:
    """The mean of the reported values; None when none is reported."""
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def trend(values: Sequence[int | None]) -> tuple[float | None, float | None, Trend]:
    """(recent mean, previous mean, trend) of a window's weekly values; see the module's rule."""
    recent = mean(values[-TREND_WEEKS:])
    previous = mean(values[-2 * TREND_WEEKS : -TREND_WEEKS])
    if recent is None or previous is None:
        return recent, previous, Trend.UNKNOWN
    change = recent - previous
    if abs(change) < TREND_MIN or abs(change) <= TREND_CHANGE * previous:
        return recent, previous, Trend.FLAT
    return recent, previous, Trend.UP if change > 0 else Trend.DOWN


def overview(
    session: Session,
    *,
    principal: Principal,
    on: date,
    disease: str | None = None,
    weeks: int = WEEKS,
) -> Overview:
    """The dashboard's figures for the day ``on``; ``disease`` is the one the rates are of.

    Without ``disease`` the rates are of the first main disease.
    """
    authorize(principal, Action.READ_MEMBERS)
    mondays = window(on, weeks)
    first, last = mondays[0], mondays[-1] + timedelta(days=6)
    states = [s.iso3 for s in members.members_on(session, on=on)]
    main = _main_diseases(session, states, first, last)
    rate_disease = SeriesSelector(disease).disease if disease else (main[0] if main else None)
    weekly: dict[str, dict[str, tuple[list[int | None], bool]]] = {}
    for code in dict.fromkeys([*main, *([rate_disease] if rate_disease else [])]):
        weekly[code] = _weekly(session, principal, states, code, mondays)
    reported, reported_synthetic = _reported(session, states, mondays)
    figures = []
    for state in states:
        rows = []
        for code in main:
            values, synthetic = weekly[code].get(state, ([None] * weeks, False))
            recent, previous, direction = trend(values)
            rows.append(DiseaseWeeks(code, values, recent, previous, direction, synthetic))
        rate_values = (
            weekly[rate_disease].get(state, ([None] * weeks, False))[0] if rate_disease else []
        )
        figures.append(
            StateFigures(
                state=state,
                diseases=rows,
                reported=[monday in reported.get(state, set()) for monday in mondays],
                rate=_rate(state, rate_values[-TREND_WEEKS:], on.year),
            )
        )
    synthetic = reported_synthetic or any(
        synthetic for by_state in weekly.values() for _, synthetic in by_state.values()
    )
    shares = [
        sum(f.reported[i] for f in figures) / len(figures) if figures else None
        for i in range(weeks)
    ]
    return Overview(on, mondays, main, rate_disease, figures, shares, synthetic)


def _whole_state_cases() -> list[ColumnElement[bool]]:
    return [
        Series.metric == METRIC,
        Series.classification == CLASSIFICATION,
        Series.area == "",
        Series.age_group == "",
        Series.sex == "",
    ]


def _main_diseases(session: Session, states: list[str], first: date, last: date) -> list[str]:
    """The diseases with the most cases in the window over the member states (ties by code)."""
    total = func.sum(Observation.value)
    query = (
        select(Series.disease, total)
        .join(Observation, Observation.series_id == Series.id)
        .where(
            *_whole_state_cases(),
            Series.state_iso3.in_(states),
            Observation.period_start >= first,
            Observation.period_end <= last,
            Observation.superseded_at.is_(None),
        )
        .group_by(Series.disease)
        .having(total > 0)
        .order_by(total.desc(), Series.disease)
        .limit(MAIN_DISEASES)
    )
    return [row[0] for row in session.execute(query)]


def _weekly(
    session: Session,
    principal: Principal,
    states: list[str],
    disease: str,
    mondays: list[date],
) -> dict[str, tuple[list[int | None], bool]]:
    """Per state, the disease's weekly values on the window (None: not reported), and synthetic."""
    if not states:
        return {}
    selector = SeriesSelector(
        disease,
        states=tuple(states),
        metric=METRIC,
        classification=CLASSIFICATION,
        granularity="week",
        start=mondays[0],
        end=mondays[-1] + timedelta(days=6),
    )
    found = queries.series(session, principal=principal, selector=selector)
    out = {}
    for item in found.series:
        by_week = {p.period_start: p.value for p in item.points}
        out[item.state] = ([by_week.get(m) for m in mondays], item.synthetic)
    return out


def _reported(
    session: Session, states: list[str], mondays: list[date]
) -> tuple[dict[str, set[date]], bool]:
    """The weeks each state reported a value for (any series), and whether any is synthetic."""
    first, last = mondays[0], mondays[-1] + timedelta(days=6)
    query = (
        select(
            Series.state_iso3, Observation.period_start, Observation.period_end, Series.synthetic
        )
        .join(Observation, Observation.series_id == Series.id)
        .where(
            Series.state_iso3.in_(states),
            Observation.value.is_not(None),
            Observation.period_start <= last,
            Observation.period_end >= first,
            Observation.superseded_at.is_(None),
        )
        .distinct()
    )
    reported: dict[str, set[date]] = {}
    synthetic = False
    for state, start, end, is_synthetic in session.execute(query):
        synthetic = synthetic or bool(is_synthetic)
        weeks = reported.setdefault(state, set())
        weeks.update(m for m in mondays if start <= m + timedelta(days=6) and end >= m)
    return reported, synthetic


def _rate(state: str, values: list[int | None], year: int) -> StateRate:
    average = mean(values)
    found = population(state, year)
    rate = None
    if average is not None and found is not None:
        rate = average * RATE_PER / found[0]
    return StateRate(
        rate=rate,
        mean=average,
        weeks_reported=sum(v is not None for v in values),
        population=found[0] if found else None,
        population_year=found[1] if found else None,
    )
