"""An SDMX data query (flow, key, periods) read as series selectors, and its answer.

The key has one position per dimension, in the DSD's order, separated by dots; an empty
position is a wildcard and ``+`` joins several codes (``W.KAZ+UZB._Z.J11.CASES._T._T._T``,
``W..._Z.J11.CASES...``); ``all`` (or no key) is every series. A wildcard stands for what
the database holds (``queries.identities``), and each identity read becomes one
``SeriesSelector`` read by ``queries.series``: the numbers are exactly those of
``GET /api/v1/data/series`` for the same selection. A wildcard frequency is every frequency
(the series are aggregated to days, ISO weeks and months alike); a series with no period at a
frequency (weekly data read by day) is left out.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from epibridge.epidata import queries
from epibridge.epidata.schemas import PointRead, SeriesRead
from epibridge.epidata.selector import SeriesSelector
from epibridge.errors import DomainError, FieldError, NotFound
from epibridge.gateways.sdmx import codes
from epibridge.gateways.sdmx.model import DIMENSIONS, FLOW, KEY_DIMENSIONS, VERSION
from epibridge.i18n import N_
from epibridge.security import Principal

_VALUES = {
    "FREQ": codes.frequency_value,
    "REF_AREA": codes.state_value,
    "AREA": codes.area_value,
    "DISEASE": codes.disease_value,
    "METRIC": codes.metric_value,
    "CLASSIFICATION": codes.classification_value,
    "AGE": codes.age_value,
    "SEX": codes.sex_value,
}
Wanted = list[frozenset[str] | None]


class BadQuery(DomainError):
    """SDMX REST's "400 Syntax error": a key, period or parameter that cannot be read."""

    status = 400
    kind = "bad-request"


@dataclass(frozen=True)
class Found:
    """One series of the answer: its frequency code and what ``queries.series`` read."""

    frequency: str
    series: SeriesRead


def check_flow(flow_ref: str, agency: str) -> None:
    """Accept ``EPI_OBS``, ``AGENCY,EPI_OBS`` or ``AGENCY,EPI_OBS,VERSION`` (or ``latest``)."""
    parts = [p.strip() for p in flow_ref.split(",")]
    if len(parts) == 1:
        parts = [agency, *parts]
    if len(parts) == 2:
        parts.append("latest")
    ok = (
        len(parts) == 3
        and parts[0] in (agency, "all", "*")
        and parts[1] == FLOW
        and parts[2] in (VERSION, "latest", "*")
    )
    if not ok:
        raise NotFound(
            N_("no dataflow {flow}: this service has {known}"),
            [FieldError("flowRef", N_("unknown dataflow"), flow_ref)],
            params={"flow": flow_ref, "known": f"{agency},{FLOW},{VERSION}"},
        )


def parse_key(key: str | None) -> Wanted:
    """The codes each position names (None: every code), or a 400 naming the dimension."""
    text = (key or "").strip()
    if text.lower() in ("", "all", "*"):
        return [None] * len(KEY_DIMENSIONS)
    positions = text.split(".")
    if len(positions) != len(KEY_DIMENSIONS):
        raise BadQuery(
            N_("the key has {count} positions; it needs {needed}: {dimensions}"),
            [FieldError("key", N_("{needed} dot-separated positions"), key, params=_shape())],
            params={"count": len(positions), **_shape()},
        )
    wanted: Wanted = []
    for dimension, position in zip(KEY_DIMENSIONS, positions, strict=True):
        if not position:
            wanted.append(None)
            continue
        found = position.upper().split("+")
        bad = [code for code in found if not code or _VALUES[dimension](code) is None]
        if bad:
            raise BadQuery(
                N_("{code} is not a code of {dimension}"),
                [FieldError(f"key.{dimension}", N_("unknown code"), bad[0])],
                params={"code": repr(bad[0]), "dimension": dimension},
            )
        wanted.append(frozenset(found))
    return wanted


def _shape() -> dict[str, object]:
    return {"needed": len(KEY_DIMENSIONS), "dimensions": ".".join(KEY_DIMENSIONS)}


_PERIOD = re.compile(r"(\d{4})(?:-(?:(\d{2})(?:-(\d{2}))?|Q([1-4])|W(\d{2})|S([12])))?")


def period_bound(text: str | None, name: str, *, last: bool) -> date | None:
    """The first (or ``last``) day of an SDMX period: 2024, 2024-S1, 2024-Q1, 2024-01,
    2024-W05 or 2024-01-15."""
    if text is None or not text.strip():
        return None
    found = _PERIOD.fullmatch(text.strip())
    try:
        if found is None:
            raise ValueError(text)
        return _bounds(found, last)
    except ValueError:
        raise BadQuery(
            N_(
                "{name} must be an SDMX period such as 2024, 2024-Q1, 2024-01, 2024-W05 or "
                "2024-01-15"
            ),
            [FieldError(name, N_("not an SDMX period"), text)],
            params={"name": name},
        ) from None


def _bounds(found: re.Match[str], last: bool) -> date:
    year = int(found[1])
    month, day, quarter, week, half = found.groups()[1:]
    if week:
        monday = date.fromisocalendar(year, int(week), 1)
        return monday + timedelta(days=6) if last else monday
    if day:
        return date(year, int(month), int(day))
    if month or quarter or half:
        if month:
            first, months = int(month), 1
        elif quarter:
            first, months = (int(quarter) - 1) * 3 + 1, 3
        else:
            first, months = (int(half) - 1) * 6 + 1, 6
        if not 1 <= first <= 12:
            raise ValueError(month)
        end_month = first + months - 1
        if last:
            return date(year, end_month, calendar.monthrange(year, end_month)[1])
        return date(year, first, 1)
    return date(year, 12, 31) if last else date(year, 1, 1)


def time_period(point: PointRead, frequency: str) -> str:
    """The point's TIME_PERIOD as SDMX writes it: 2024-W05, 2024-01 or 2024-01-15."""
    start = point.period_start
    if frequency == "W":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if frequency == "M":
        return f"{start:%Y-%m}"
    return start.isoformat()


def series_key(found: Found) -> dict[str, str]:
    """The series' code for each key dimension, in the DSD's order."""
    item = found.series
    return {
        "FREQ": found.frequency,
        "REF_AREA": item.state,
        **_identity_codes(
            disease=item.disease,
            metric=item.metric,
            classification=item.classification,
            area=item.area,
            age_group=item.age_group,
            sex=item.sex,
        ),
    }


def key_of(selector: SeriesSelector) -> str:
    """The SDMX key of a selector's series, its states joined with ``+`` (the curve page's
    download links)."""
    identity = _identity_codes(
        disease=selector.disease,
        metric=selector.metric,
        classification=selector.classification,
        area=selector.area,
        age_group=selector.age_group,
        sex=selector.sex,
    )
    frequency = codes.GRANULARITY_CODES[selector.granularity]
    return ".".join([frequency, "+".join(selector.states), *identity.values()])


def _identity_codes(
    *, area: str, disease: str, metric: str, classification: str, age_group: str, sex: str
) -> dict[str, str]:
    return {
        "AREA": codes.area_code(area),
        "DISEASE": codes.disease_code(disease),
        "METRIC": metric.upper(),
        "CLASSIFICATION": codes.classification_code(classification),
        "AGE": codes.age_code(age_group),
        "SEX": codes.SEX_CODES[sex],
    }


def _matches(wanted: Wanted, identity: queries.Identity) -> bool:
    fields = identity._asdict()
    found = {"REF_AREA": fields.pop("state"), **_identity_codes(**fields)}
    return all(
        want is None or found[dimension.id] in want
        for dimension, want in zip(DIMENSIONS, wanted, strict=True)
        if dimension.id != "FREQ"
    )


def read(
    session: Session,
    *,
    principal: Principal,
    key: str | None,
    start_period: str | None = None,
    end_period: str | None = None,
) -> list[Found]:
    """The series a key selects over the periods; a 404 when none has a value there."""
    wanted = parse_key(key)
    start = period_bound(start_period, "startPeriod", last=False)
    end = period_bound(end_period, "endPeriod", last=True)
    if start and end and end < start:
        raise BadQuery(
            N_("endPeriod is before startPeriod"),
            [FieldError("endPeriod", N_("before startPeriod"), end_period)],
        )
    states: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for identity in queries.identities(session, principal=principal):
        if _matches(wanted, identity):
            states[tuple(identity[1:])].append(identity.state)
    frequencies = sorted(wanted[0] or codes.FREQUENCIES, key=list(codes.FREQUENCIES).index)
    out: list[Found] = []
    for frequency in frequencies:
        for (disease, metric, classification, area, age, sex), chosen in states.items():
            selector = SeriesSelector(
                states=tuple(chosen),
                disease=disease,
                metric=metric,
                classification=classification,
                area=area,
                age_group=age,
                sex=sex,
                granularity=codes.FREQUENCIES[frequency],  # type: ignore[arg-type]
                start=start,
                end=end,
            )
            result = queries.series(session, principal=principal, selector=selector)
            out += [Found(frequency, item) for item in result.series if item.points]
    if not out:
        raise NotFound(
            N_("no results: no stored series matches the key over these periods"),
            [FieldError("key", N_("no results"), key or "all")],
        )
    return out
