"""A MeasureReport search answered as a FHIR ``searchset`` Bundle, paged with ``_count``.

The reports are computed from the series (``export.collect``) and paged by their position
(state, period start) with the project's cursor (``epibridge.paging``); the cursor travels in
the ``next`` link's ``_cursor`` parameter, which a FHIR client follows as it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from epibridge.epidata import queries
from epibridge.epidata.selector import SeriesSelector
from epibridge.gateways.fhir import codes, export
from epibridge.paging import decode_cursor, encode_cursor, malformed
from epibridge.security import Principal

Json = dict[str, Any]


def reports(
    session: Session, *, principal: Principal, selector: SeriesSelector
) -> list[export.Report]:
    """Every report of the selection: each stored stratum read through the series query."""
    readings = [
        (variant, queries.series(session, principal=principal, selector=variant))
        for variant in queries.strata(session, principal=principal, selector=selector)
    ]
    return export.collect(readings)


def _after(cursor: str | None) -> tuple[str, str] | None:
    position = decode_cursor(cursor)
    if position is None:
        return None
    after = position.get("after")
    if not (isinstance(after, list) and len(after) == 2 and all(isinstance(a, str) for a in after)):
        raise malformed(cursor)
    return after[0], after[1]


def bundle(
    session: Session,
    *,
    principal: Principal,
    selector: SeriesSelector,
    base: str,
    query: list[tuple[str, str]],
    count: int,
    cursor: str | None,
    now: datetime,
) -> Json:
    """The searchset: ``count`` reports after ``cursor``, with self and next links."""
    found = reports(session, principal=principal, selector=selector)
    after = _after(cursor)
    rest = [r for r in found if after is None or r.key > after]
    page, more = rest[:count], len(rest) > count
    url = f"{base}{codes.PREFIX}/MeasureReport"
    kept = [(k, v) for k, v in query if k != "_cursor"]
    links = [{"relation": "self", "url": f"{url}?{urlencode(query)}"}]
    if more:
        next_cursor = encode_cursor({"after": list(page[-1].key)})
        links.append(
            {"relation": "next", "url": f"{url}?{urlencode([*kept, ('_cursor', next_cursor)])}"}
        )
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": now.isoformat(timespec="seconds"),
        "total": len(found),
        "link": links,
        "entry": [
            {
                "fullUrl": f"{url}/{export.report_id(selector, r)}",
                "resource": export.measure_report(base, selector, r, now=now),
                "search": {"mode": "match"},
            }
            for r in page
        ],
    }
