"""Short-term forecasts 1–H periods ahead from the nowcast-corrected recent periods.

The model is a random walk on ``log(1 + y)``: the median stays at the last period's
nowcast, and the spread grows with the horizon from three sources, added as variances on
the log scale:

* the nowcast's own uncertainty about the last period (from its 5–95% interval, read as
  ±1.645 standard deviations of a normal on the log scale);
* the recent volatility: ``h × s²``, ``s²`` the sample variance of the week-to-week
  changes of ``log(1 + y)`` over the last ``window`` corrected periods;
* counting noise: ``1 / (1 + level)``, the delta-method variance of ``log(1 + Y)`` for a
  Poisson count at that level, so a quiet series still has a non-zero spread.

Why this model: it is the "baseline" of the US and European COVID-19 Forecast Hubs — no
trend to extrapolate wildly from a few noisy, partly nowcast periods, robust for the small
counts of rare diseases, and the model the skill of anything richer is judged against.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from epibridge.nowcasting import QUANTILES

#: Corrected periods whose changes give the recent volatility.
DEFAULT_WINDOW = 8
#: ±z of the 5–95% interval, to read the nowcast's spread back as a standard deviation.
_Z90 = float(ndtri(0.95))


def random_walk_forecast(
    corrected: np.ndarray,
    last_quantiles: np.ndarray | None = None,
    horizons: int = 4,
    window: int = DEFAULT_WINDOW,
    levels: tuple[float, ...] = QUANTILES,
) -> np.ndarray:
    """``(S, H, Q)`` forecast quantiles of periods ``T … T + H - 1``.

    ``corrected`` is ``(S, T)``: the nowcast (observed where complete). ``last_quantiles``,
    ``(S, Q)`` at the 5% and 95% levels of ``levels``, is the last period's nowcast
    interval; without it the last value is taken as known. Series whose last period is
    NaN forecast NaN; fewer than three finite recent values give zero volatility.
    """
    y = np.asarray(corrected, dtype=np.float64)
    recent = np.log1p(y[:, -window:])
    changes = np.diff(recent, axis=1)
    finite = np.isfinite(changes)
    n = finite.sum(axis=1)
    mean = np.where(finite, changes, 0.0).sum(axis=1) / np.maximum(n, 1)
    squares = np.where(finite, (changes - mean[:, None]) ** 2, 0.0).sum(axis=1)
    volatility = np.where(n >= 2, squares / np.maximum(n - 1, 1), 0.0)
    level = y[:, -1]
    base = np.log1p(level)
    nowcast_var = np.zeros_like(level)
    if last_quantiles is not None:
        lo = levels.index(0.05)
        hi = levels.index(0.95)
        width = np.log1p(last_quantiles[:, hi]) - np.log1p(last_quantiles[:, lo])
        nowcast_var = np.nan_to_num((width / (2 * _Z90)) ** 2)
    h = np.arange(1, horizons + 1)[None, :]
    var = nowcast_var[:, None] + h * volatility[:, None] + 1.0 / (1.0 + level[:, None])
    z = ndtri(np.asarray(levels))
    log_q = base[:, None, None] + np.sqrt(var)[..., None] * z[None, None, :]
    return np.maximum(np.expm1(log_q), 0.0)
