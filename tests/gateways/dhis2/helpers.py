"""A small SYNTHETIC DHIS2 mapping for KAZ and data value sets built on it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from epibridge.db import write_session
from epibridge.gateways.dhis2 import service
from tests.helpers import OPERATOR

#: UIDs in DHIS2's shape (11 characters, a letter first); synthetic, not from a real instance.
CASES, DEATHS = "fbfJHSPpUQD", "cYeuwXTCPkU"
CONFIRMED, SUSPECTED_MALE = "HllvX50cXC0", "PT59n8BQbqM"
WHOLE, ALMATY = "ImspTQPwCqd", "O6uvpzGd5pu"

MAPPING: dict[str, Any] = {
    "id_scheme": "UID",
    "data_elements": {
        CASES: {"disease": "J11", "metric": "cases"},
        DEATHS: {"disease": "J11", "metric": "deaths"},
    },
    "category_option_combos": {
        CONFIRMED: {"classification": "confirmed", "age_group": "", "sex": ""},
        SUSPECTED_MALE: {"classification": "suspected", "age_group": "15-49", "sex": "male"},
    },
    "org_units": {WHOLE: "", ALMATY: "KZ-75"},
}


def load(sessions: sessionmaker[Session], state: str = "KAZ") -> None:
    with write_session(sessions) as session:
        service.load_mapping(session, principal=OPERATOR, state=state, document=MAPPING)


def value(element: str, period: str, unit: str, combo: str, amount: object) -> dict[str, Any]:
    return {
        "dataElement": element,
        "period": period,
        "orgUnit": unit,
        "categoryOptionCombo": combo,
        "attributeOptionCombo": "HllvX50cXC0",
        "value": amount,
    }
