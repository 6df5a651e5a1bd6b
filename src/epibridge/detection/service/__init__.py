"""Detection in the system, split by concern; import the functions from here.

``series`` reading series as known at a moment and the methods each takes, ``runs`` the runs
over the epidemic database, ``signals`` storing and deciding signals, ``rt`` the reproduction
number of a stored series.
"""

from epibridge.detection.service.rt import series_rt
from epibridge.detection.service.runs import run, take_in_submissions
from epibridge.detection.service.series import series_thresholds
from epibridge.detection.service.signals import (
    confirm,
    decisions,
    dismiss,
    get,
    list_signals,
    to_read,
)

__all__ = [
    "confirm",
    "decisions",
    "dismiss",
    "get",
    "list_signals",
    "run",
    "series_rt",
    "series_thresholds",
    "take_in_submissions",
    "to_read",
]
