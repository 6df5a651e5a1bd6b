"""The rules of situation reports: gathering a week (``content``), rendering and storing.

Interfaces import this package and call its functions.
"""

from epibridge.reports.service.quarterly import build_quarterly
from epibridge.reports.service.reports import (
    FORMATS,
    TOPIC,
    Rendered,
    build,
    find,
    get,
    list_,
    store,
    to_read,
)
from epibridge.reports.service.weekly import WeeklyResult, generate_weekly

__all__ = [
    "FORMATS",
    "TOPIC",
    "Rendered",
    "WeeklyResult",
    "build",
    "build_quarterly",
    "find",
    "generate_weekly",
    "get",
    "list_",
    "store",
    "to_read",
]
