"""The dataflow, its data structure definition and code lists, as plain values.

One dataflow, ``EPI_OBS``: the epidemic database's series (``GET /api/v1/data/series``),
one observation per state, identity and period. The agency is the organization's code from
its profile (``SCO``), ``EPIBRIDGE`` when that is not an SDMX identifier. The code lists of
states, diseases, areas and age groups are read from the profile and the stored series, so
they list what a key can name; the others are the closed vocabularies of ``epidata.codes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pycountry
from sqlalchemy.orm import Session

from epibridge import i18n
from epibridge.epidata import queries
from epibridge.epidata.codes import CLASSIFICATIONS, METRICS, areas_of
from epibridge.errors import NotFound
from epibridge.gateways.sdmx import codes
from epibridge.members import service as members
from epibridge.notifications.diseases import DISEASES, UNKNOWN, disease_name
from epibridge.security import Principal

FLOW, VERSION, SCHEME = "EPI_OBS", "1.0", "CS_EPI"
DEFAULT_AGENCY = "EPIBRIDGE"
TIME = "TIME_PERIOD"
MEASURE = "OBS_VALUE"
Names = dict[str, str]


@dataclass(frozen=True)
class Code:
    id: str
    names: Names


@dataclass(frozen=True)
class Codelist:
    id: str
    name: str
    codes: list[Code]


@dataclass(frozen=True)
class Component:
    """A dimension or attribute: its concept (same id) and code list (None: free text)."""

    id: str
    name: str
    codelist: str | None
    #: Attributes only: "series" (attached to the series key) or "obs" (to each value).
    attached: str = "series"


DIMENSIONS: tuple[Component, ...] = (
    Component("FREQ", "Frequency", "CL_FREQ"),
    Component("REF_AREA", "Member state (ISO 3166-1 alpha-3)", "CL_STATE"),
    Component("AREA", "Subnational area (ISO 3166-2); _Z: the whole state", "CL_AREA"),
    Component("DISEASE", "Disease (ICD-10, without the dot)", "CL_DISEASE"),
    Component("METRIC", "What is counted", "CL_METRIC"),
    Component("CLASSIFICATION", "Case classification", "CL_CLASSIFICATION"),
    Component("AGE", "Age group", "CL_AGE"),
    Component("SEX", "Sex", "CL_SEX"),
)
ATTRIBUTES: tuple[Component, ...] = (
    Component("UNIT_MEASURE", "Unit of measure", "CL_UNIT_MEASURE"),
    Component("SYNTHETIC", "Synthetic demo data (never real surveillance)", "CL_SYNTHETIC"),
    Component("OBS_STATUS", "Observation status", "CL_OBS_STATUS", attached="obs"),
)
CONCEPTS: tuple[tuple[str, str], ...] = (
    *((c.id, c.name) for c in DIMENSIONS),
    (TIME, "Time period (2024-W05, 2024-01, 2024-01-15)"),
    (MEASURE, "Observation value: the sum of the reported values"),
    *((c.id, c.name) for c in ATTRIBUTES),
)
KEY_DIMENSIONS: tuple[str, ...] = tuple(c.id for c in DIMENSIONS)

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")


@dataclass(frozen=True)
class Structures:
    """Everything the structure routes and the data writers need, read once per request."""

    agency: str
    codelists: dict[str, Codelist] = field(default_factory=dict)

    @property
    def dsd_urn(self) -> str:
        return (
            "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure="
            f"{self.agency}:{FLOW}({VERSION})"
        )


def agency(session: Session) -> str:
    """The organization's code when it is an SDMX agency id, else ``EPIBRIDGE``."""
    try:
        code = members.get_organization(session).code
    except NotFound:
        return DEFAULT_AGENCY
    return code if _ID.fullmatch(code) else DEFAULT_AGENCY


def _translated(msgid: str) -> Names:
    return {lang: i18n.message(msgid, None, lang) for lang in i18n.LANGUAGES}


def _plain(*pairs: tuple[str, str]) -> list[Code]:
    return [Code(code, {"en": name}) for code, name in pairs]


_METRIC_NAMES = {
    "cases": "Cases",
    "deaths": "Deaths",
    "hospitalisations": "Hospitalisations",
    "tests": "Tests",
    "positive_tests": "Positive tests",
    "vaccinations": "Vaccinations",
}
_CLASSIFICATION_NAMES = {
    "all": "All cases",
    "confirmed": "Confirmed",
    "probable": "Probable",
    "suspected": "Suspected",
}


def _fixed() -> list[Codelist]:
    """The code lists that do not depend on the database."""
    return [
        Codelist("CL_FREQ", "Frequency", _plain(("D", "Daily"), ("W", "Weekly"), ("M", "Monthly"))),
        Codelist(
            "CL_METRIC",
            "Metrics",
            [Code(m.upper(), _translated(_METRIC_NAMES.get(m, m))) for m in METRICS],
        ),
        Codelist(
            "CL_CLASSIFICATION",
            "Case classifications",
            [
                Code(codes.classification_code(c), _translated(_CLASSIFICATION_NAMES[c]))
                for c in CLASSIFICATIONS
            ],
        ),
        Codelist(
            "CL_SEX",
            "Sex",
            _plain(("F", "Female"), ("M", "Male"), ("_U", "Unknown"), ("_T", "Total")),
        ),
        Codelist("CL_UNIT_MEASURE", "Units of measure", _plain(("NUMBER", "Number"))),
        Codelist(
            "CL_SYNTHETIC",
            "Data origin",
            _plain(("Y", "Synthetic demo data, not real surveillance"), ("N", "Reported data")),
        ),
        Codelist(
            "CL_OBS_STATUS",
            "Observation status",
            _plain(("A", "Normal value"), ("M", "Missing value: nothing reported")),
        ),
    ]


def _area_name(code: str) -> str:
    found = pycountry.subdivisions.get(code=code)
    return found.name if found is not None else code


def read(session: Session, *, principal: Principal, on: date) -> Structures:
    """The structures as of ``on``: the profile's states and the series stored then."""
    stored = queries.identities(session, principal=principal)
    states = members.list_states(session, on=on)
    known = {item.state.iso3 for item in states}
    state_codes = [Code(s.state.iso3, dict(s.state.names)) for s in states]
    state_codes += [Code(code, {"en": code}) for code in sorted({r[0] for r in stored} - known)]
    areas = {area for item in states for area in areas_of(item.state.iso3)}
    areas |= {r.area for r in stored if r.area}
    diseases = [*sorted({*DISEASES, *(r.disease for r in stored)} - {UNKNOWN}), UNKNOWN]
    ages = sorted({r.age_group for r in stored if r.age_group}, key=_age_order)
    lists = [
        *_fixed(),
        Codelist("CL_STATE", "States", state_codes),
        Codelist(
            "CL_AREA",
            "Areas",
            [Code("_Z", {"en": "Not applicable: the whole state"})]
            + [Code(a, {"en": _area_name(a)}) for a in sorted(areas)],
        ),
        Codelist(
            "CL_DISEASE",
            "Diseases (ICD-10)",
            [
                Code(
                    codes.disease_code(d),
                    {lang: f"{d} {disease_name(d, lang) or ''}".strip() for lang in i18n.LANGUAGES},
                )
                for d in diseases
            ],
        ),
        Codelist(
            "CL_AGE",
            "Age groups (years)",
            [Code("_T", {"en": "All ages"})] + [Code(codes.age_code(a), {"en": a}) for a in ages],
        ),
    ]
    return Structures(agency(session), {c.id: c for c in lists})


def _age_order(age_group: str) -> tuple[int, str]:
    digits = re.match(r"\D*(\d+)", age_group)
    return (int(digits[1]) if digits else 0, age_group)
