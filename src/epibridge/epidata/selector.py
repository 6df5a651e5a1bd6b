"""Which series a request is about, aggregated how, over which range, as known when: one value.

States, disease, metric, classification, area, age group, sex, granularity, start, end and
as-of used to travel as nine loose arguments through every face and service, and one copy
lost a field (the curve page's CSV exported ``all`` whatever classification the page showed).
Each face now parses its input into one ``SeriesSelector`` once (``api.selector`` for query
strings, ``web.data_pages`` for the curve page's query, ``cli_selector`` for command options)
and the services take it whole. A selector that exists has been checked, so no service checks
its fields again; the states are only split here, since knowing them takes the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import MISSING, dataclass, fields, replace
from datetime import UTC, date, datetime
from typing import Any, get_type_hints

from epibridge.epidata.codes import AGE_GROUP_PATTERN, CLASSIFICATIONS, METRICS, SEXES, Granularity
from epibridge.errors import FieldError, InvalidInput, reason_of
from epibridge.i18n import N_
from epibridge.notifications.diseases import validate_disease_code

GRANULARITIES: tuple[str, ...] = ("day", "week", "month")
#: What identifies a series besides its state (``epidata_series`` columns).
IDENTITY: tuple[str, ...] = ("disease", "metric", "classification", "area", "age_group", "sex")
#: How the series is read: periods, range and the moment whose knowledge is shown.
VIEW: tuple[str, ...] = ("granularity", "start", "end", "as_of")
#: Every field, named as the faces name it (``state`` in a query, ``--state`` on the command line).
FIELDS: tuple[str, ...] = ("state", *IDENTITY, *VIEW)

#: What each field means, said once for every face: the query parameters' descriptions (the
#: OpenAPI document) and the command options' help are these. The state reads one or many.
HELP: dict[str, str] = {
    "states": "ISO3 code(s) of the state(s): repeat or comma-separate.",
    "state": "ISO3 code of the state.",
    "disease": "ICD-10 code, e.g. J11, A00, U07.1.",
    "metric": "cases, deaths, hospitalisations, tests, ...",
    "classification": "suspected, probable, confirmed or all.",
    "area": "ISO 3166-2 code; empty for the whole state.",
    "age_group": "e.g. 0-4, 65+; empty for all ages.",
    "sex": "female, male, unknown; empty for everyone.",
    "start": "First day of the range (YYYY-MM-DD).",
    "end": "Last day of the range (YYYY-MM-DD).",
    "as_of": "Show what was known at this moment (ISO timestamp, UTC if no offset).",
}
#: A field without a default: the faces make it required.
REQUIRED = MISSING

_AGE_GROUP = re.compile(AGE_GROUP_PATTERN)
Problem = tuple[str, FieldError]


@dataclass(frozen=True)
class SeriesSelector:
    """One series per state of ``states``; the empty text/None fields mean "all" / unbounded."""

    disease: str
    states: tuple[str, ...] = ()
    metric: str = "cases"
    classification: str = "all"
    area: str = ""
    age_group: str = ""
    sex: str = ""
    granularity: Granularity = "week"
    start: date | None = None
    end: date | None = None
    as_of: datetime | None = None

    def __post_init__(self) -> None:
        problems = [
            *_identity_problems(self),
            *_view_problems(self.granularity, self.start, self.end, self.as_of),
        ]
        if problems:
            detail = (
                problems[0][0] if len(problems) == 1 else N_("the series selection is not valid")
            )
            raise InvalidInput(detail, [error for _, error in problems])
        states = tuple(
            code.strip() for value in self.states for code in str(value).split(",") if code.strip()
        )
        normal = {
            "states": states,
            "disease": validate_disease_code(self.disease),
            "area": self.area.strip().upper(),
            "sex": self.sex.lower(),
        }
        if self.as_of is not None and self.as_of.tzinfo is None:
            normal["as_of"] = self.as_of.replace(tzinfo=UTC)  # a moment without offset is UTC
        for name, value in normal.items():
            object.__setattr__(self, name, value)

    def for_state(self, state: str) -> SeriesSelector:
        """The same series of one state (a per-state read of a multi-state selection)."""
        return replace(self, states=(state,))

    def one_state(self) -> str:
        """The state of a selection that reads exactly one (history, thresholds, R_t)."""
        if len(self.states) != 1:
            raise InvalidInput(
                "name exactly one state",
                [FieldError("state", "exactly one state", ",".join(self.states) or None)],
            )
        return self.states[0]

    def refuse(self, names: Iterable[str], reason: str) -> None:
        """Fail naming each of ``names`` that is set: a field a query cannot use is not dropped."""
        defaults = {f.name: f.default for f in fields(self)}
        wrong = [
            FieldError(_face_name(name), reason, _shown(getattr(self, name)))
            for name in names
            if getattr(self, name) != defaults[name]
        ]
        if wrong:
            raise InvalidInput(reason, wrong)


def default_of(name: str) -> Any:
    """The field's default (``REQUIRED`` for the disease), as a face offers it when not given."""
    return {f.name: f.default for f in fields(SeriesSelector)}[name]


def type_of(name: str) -> Any:
    """The field's type (``str``, ``date | None``, the granularity's ``Literal``, ...)."""
    return get_type_hints(SeriesSelector)[name]


def granularity_help(choices: Iterable[str] = GRANULARITIES) -> str:
    """The granularity's description, listing the periods a face offers."""
    *others, last = choices
    return f"{', '.join(others)} or {last} (weeks are ISO weeks)."


def _face_name(name: str) -> str:
    return "state" if name == "states" else name


def _shown(value: object) -> object:
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


_UNKNOWN = {"metric": N_("unknown metric"), "classification": N_("unknown classification")}
_NOT_A_DATE = {"start": N_("start must be a date"), "end": N_("end must be a date")}


def _identity_problems(selector: SeriesSelector) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(selector.states, str) or not all(isinstance(s, str) for s in selector.states):
        problems.append((N_("states must be ISO3 codes"), FieldError("state", "ISO3 codes")))
    try:
        validate_disease_code(selector.disease)
    except ValueError as exc:
        problems.append((reason_of(exc), FieldError("disease", reason_of(exc), selector.disease)))
    for name, allowed in (("metric", METRICS), ("classification", CLASSIFICATIONS)):
        value = getattr(selector, name)
        if value not in allowed:
            error = FieldError(name, N_("one of {choices}"), value, params={"choices": allowed})
            problems.append((_UNKNOWN[name], error))
    if selector.age_group and not _AGE_GROUP.fullmatch(selector.age_group):
        reason = N_("an age group such as 0-4, 65+ or <1 (empty: all ages)")
        problems.append(
            (N_("unknown age_group"), FieldError("age_group", reason, selector.age_group))
        )
    if selector.sex and selector.sex.lower() not in SEXES:
        error = FieldError(
            "sex", N_("one of {choices} (empty: everyone)"), selector.sex, params={"choices": SEXES}
        )
        problems.append((N_("unknown sex"), error))
    return problems


def _view_problems(granularity: str, start: object, end: object, as_of: object) -> list[Problem]:
    problems: list[Problem] = []
    if granularity not in GRANULARITIES:
        error = FieldError(
            "granularity", N_("one of {choices}"), granularity, params={"choices": GRANULARITIES}
        )
        problems.append((N_("unknown granularity"), error))
    for name, value in (("start", start), ("end", end)):
        if value is not None and not _is_day(value):
            problems.append((_NOT_A_DATE[name], FieldError(name, "a date YYYY-MM-DD", value)))
    if _is_day(start) and _is_day(end) and end < start:  # type: ignore[operator]
        problems.append((N_("end is before start"), FieldError("end", "before start", str(end))))
    if as_of is not None and not isinstance(as_of, datetime):
        problems.append(
            (N_("as_of must be a moment"), FieldError("as_of", "an ISO timestamp", as_of))
        )
    return problems


def _is_day(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)
