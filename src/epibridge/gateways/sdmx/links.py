"""The SDMX downloads of a series the browser shows: the same selection, as /api/sdmx data."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from epibridge.epidata.selector import SeriesSelector
from epibridge.gateways.sdmx.model import FLOW
from epibridge.gateways.sdmx.query import key_of


def sdmx_links(selector: SeriesSelector) -> dict[str, str]:
    """SDMX-CSV and SDMX-ML links of the selector's counts; none for an as-of view, which an
    SDMX query cannot say."""
    if selector.as_of is not None or not selector.states:
        return {}
    base = f"/api/sdmx/data/{FLOW}/{quote(key_of(selector), safe='.+_-')}"
    periods = {
        name: day.isoformat()
        for name, day in (("startPeriod", selector.start), ("endPeriod", selector.end))
        if day is not None
    }
    return {
        label: f"{base}?{urlencode({**periods, 'format': fmt})}"
        for label, fmt in (("SDMX-CSV", "sdmx-csv"), ("SDMX-ML", "structurespecific"))
    }
