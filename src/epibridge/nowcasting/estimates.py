"""The nowcast a face shows: a method's estimates, with what is observed where a period is done.

Pure NumPy, like the methods it combines. A complete period (its delay-``D`` value known)
shows what is observed at the as-of moment, for the point and every quantile: nothing is left
to estimate there, and a revision after ``D`` is the data's last word.
"""

from __future__ import annotations

import numpy as np

from epibridge.nowcasting import bayes, intervals


def history_periods(max_delay: int, shown: int) -> int:
    """Periods read to nowcast the last ``shown``: enough past nowcast dates to calibrate on."""
    return shown + intervals.default_calibration(max_delay) + max_delay


def nowcast(
    values: np.ndarray, observed: np.ndarray, *, method: str = "chain-ladder"
) -> tuple[np.ndarray, np.ndarray]:
    """Point ``(S, T)`` and quantiles ``(S, T, Q)`` for triangles ``values`` ``(S, T, D + 1)``.

    ``chain-ladder``: the chain-ladder point with negative binomial quantiles calibrated on
    past nowcasts (``intervals``); ``bayes``: the truncation model's posterior mean and
    quantiles (``bayes``).
    """
    if method == "bayes":
        result = bayes.nowcast_bayes(values)
        point, quantiles = result.mean, result.quantiles
    else:
        fitted = intervals.nowcast_intervals(values)
        point, quantiles = fitted.fit.nowcast, fitted.quantiles
    complete = ~np.isnan(values[..., -1])
    point = np.where(complete, observed, point)
    quantiles = np.where(complete[..., None], observed[..., None], quantiles)
    return point, quantiles
