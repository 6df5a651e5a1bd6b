"""What every chart shares: the one escaping, the one axis, the colours of the printed ones.

A leaf of ``epibridge.charts`` (which re-exports all of it), so the web's curves and the
reports' printed charts import it without importing each other.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from datetime import date

Format = Callable[[float], str]
DateFormat = Callable[[date], str]

PALETTE = ("#1f5f99", "#9a4d00", "#2e7d32", "#8b1a1a", "#5b3f8c", "#00695c", "#6d4c41", "#455a64")
RISK_COLOURS = {"very_high": "#8b0000", "high": "#d7301f", "moderate": "#fc8d59", "low": "#fdcc8a"}
STATUS_COLOURS = {"member": "#1f5f99", "observer": "#6fa8dc"}
STATUS_COLOURS.update(dialogue_partner="#b9d4ec", partner="#b9d4ec")


def escape(value: object) -> str:
    """Text for SVG content and quoted attributes: ``& < > " '`` escaped."""
    return html.escape(str(value), quote=True)


def ticks(top: float, *, whole: bool = False) -> list[float]:
    """Round axis values from 0 to at or above ``top``: steps of 1, 2, 2.5 or 5 times 10ⁿ.

    Each label is the exact value of its grid line; ``whole`` keeps to whole steps, for counts.
    """
    if top <= 0:
        return [0.0, 1.0]
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    factors: tuple[float, ...] = (1, 2, 2.5, 5, 10)
    if whole and magnitude <= 1:
        magnitude, factors = 1, (1, 2, 5, 10)
    step = next(m * magnitude for m in factors if m * magnitude >= raw)
    return [i * step for i in range(int(top // step) + 2) if i * step < top + step]
