"""The identifiers and code systems the FHIR face writes and reads, said once for both ways.

Exports and imports must agree on every system URL, or a MeasureReport this server wrote
would not come back in. epibridge's own code systems (metric, classification, age group,
stratifier) live under this server's base, as canonical URLs of a server do; imports accept
them from any epibridge base (a report exported by another node), matched by their path.
"""

from __future__ import annotations

import re

FHIR_VERSION = "4.0.1"
MEDIA_TYPE = "application/fhir+json"
#: Where the routes live; canonical URLs are ``{base}{PREFIX}/...``.
PREFIX = "/api/fhir"

ICD10 = "http://hl7.org/fhir/sid/icd-10"
#: FHIR's own sex codes (female, male, unknown are epibridge's three).
GENDER = "http://hl7.org/fhir/administrative-gender"
ISO3166 = "urn:iso:std:iso:3166"
ISO3166_2 = "urn:iso:std:iso:3166:-2"
MEASURE_POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
#: FHIR's tag for test (not real) health data: how synthetic demo data is labelled.
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"

METRIC = "metric"
CLASSIFICATION = "classification"
AGE_GROUP = "age-group"
STRATIFIER = "stratifier"
TAG = "tag"

#: The stratifier code of each series field that strata differ in.
STRATA_FIELDS: dict[str, str] = {
    "classification": CLASSIFICATION,
    "age_group": AGE_GROUP,
    "sex": "sex",
}
FIELD_OF_STRATIFIER = {code: name for name, code in STRATA_FIELDS.items()}
#: The series the group's own count is (the strata of the others are these, one changed).
GROUP_DEFAULTS: dict[str, str] = {"classification": "all", "age_group": "", "sex": ""}


def system(base: str, name: str) -> str:
    """The canonical URL of epibridge's code system ``name`` on the server at ``base``."""
    return f"{base}{PREFIX}/CodeSystem/{name}"


def is_system(url: object, name: str) -> bool:
    """Whether ``url`` names epibridge's code system ``name`` (on any epibridge server)."""
    return isinstance(url, str) and url.endswith(f"{PREFIX}/CodeSystem/{name}")


def measure_url(base: str, disease: str, metric: str) -> str:
    """The canonical Measure of a disease's metric, e.g. ``{base}/api/fhir/Measure/J11-cases``."""
    return f"{base}{PREFIX}/Measure/{disease}-{metric}"


_UNSAFE_ID = re.compile(r"[^A-Za-z0-9.\-]")


def resource_id(*parts: str) -> str:
    """A FHIR id ([A-Za-z0-9-.]{1,64}) naming one report; parts are codes, so this is short."""
    return _UNSAFE_ID.sub("-", "-".join(p for p in parts if p))[:64]
