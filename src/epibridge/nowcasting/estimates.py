"""The nowcast a face shows: the methods' estimates with what is observed where a period is done.

Pure NumPy, like the methods it combines. A complete period (its delay-``D`` value known)
shows what is observed at the as-of moment, for the point and every quantile: nothing is left
to estimate there, and a revision after ``D`` is the data's last word.
"""

from __future__ import annotations

import numpy as np

from epibridge.nowcasting import QUANTILES, chain_ladder


def _quantiles(values: np.ndarray, point: np.ndarray, method: str) -> np.ndarray:
    """``(S, T, Q)`` quantiles of each period's final count from ``method``."""
    try:
        from epibridge.nowcasting import intervals  # the other half of the package
    except ImportError:  # pragma: no cover - until the interval model is merged
        return np.full((*point.shape, len(QUANTILES)), np.nan)
    return np.asarray(intervals.quantiles(values, point), dtype=np.float64)


def nowcast(
    values: np.ndarray, observed: np.ndarray, *, method: str = "chain-ladder"
) -> tuple[np.ndarray, np.ndarray]:
    """Point ``(S, T)`` and quantiles ``(S, T, Q)`` for triangles ``values`` ``(S, T, D + 1)``."""
    point = chain_ladder.nowcast(values)
    quantiles = _quantiles(values, point, method)
    complete = ~np.isnan(values[..., -1])
    point = np.where(complete, observed, point)
    quantiles = np.where(complete[..., None], observed[..., None], quantiles)
    return point, quantiles
