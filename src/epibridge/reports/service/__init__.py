"""The rules of situation reports: gathering a week (``content``), rendering and storing.

Interfaces import this package and call its functions.
"""

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

__all__ = ["FORMATS", "TOPIC", "Rendered", "build", "find", "get", "list_", "store", "to_read"]
