"""Thresholds, p-values and exceedance scores (``algo.farrington.threshold.*``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats
from scipy.special import ndtr, ndtri

_EXPONENT: dict[str, float] = {"none": 1.0, "1/2": 0.5, "2/3": 2.0 / 3.0}
#: R's discrete quantile functions search with ``p * (1 - 64 * DBL_EPSILON)`` for
#: left continuity; reproduced so that boundary cases round the same way.
_FUZZ = 1.0 - 64.0 * np.finfo(np.float64).eps


def delta(
    mu: np.ndarray, se: np.ndarray, phi: np.ndarray, powertrans: str, alpha: float, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Farrington (1996): normal approximation on the power-transformed scale.

    ``mu``/``se`` are on the response scale. Returns ``(upper, pvalue, score)``.
    """
    e = _EXPONENT[powertrans]
    z = float(ndtri(1.0 - alpha))
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = phi + se**2 / mu
        if powertrans == "none":
            sd = np.sqrt(mu * tau)
        elif powertrans == "1/2":
            sd = np.sqrt(0.25 * tau)
        else:
            sd = np.sqrt(4.0 / 9.0 * mu ** (1.0 / 3.0) * tau)
        lo = (mu**e - z * sd) ** (1.0 / e)
        hi = (mu**e + z * sd) ** (1.0 / e)
        # sort(c(lo, hi), na.last = FALSE)[2]: the larger one, NA only if both are
        upper = np.fmax(lo, hi)
        diff = y**e - mu**e
        pvalue = np.where(sd > 0, ndtr(-diff / sd), np.where(diff < 0, 1.0, 0.0))
        pvalue = np.where(np.isnan(sd) | np.isnan(diff), np.nan, pvalue)
        score = (y - mu) / (upper - mu)
    return upper, pvalue, score


def _discrete_quantile(
    p: float, ppf: Callable[..., np.ndarray], cdf: Callable[..., np.ndarray], *params: np.ndarray
) -> np.ndarray:
    """Smallest integer ``q`` with ``cdf(q) >= p`` (fuzzed like R), from scipy's guess."""
    target = p * _FUZZ
    q = np.asarray(ppf(p, *params), dtype=np.float64)
    q = np.where(np.isfinite(q), q, np.nan)
    for _ in range(4):
        down = (q >= 1) & (cdf(q - 1, *params) >= target)
        up = cdf(q, *params) < target
        if not (down.any() or up.any()):
            break
        q = np.where(down, q - 1, np.where(up, q + 1, q))
    return q


def noufaily(
    eta: np.ndarray,
    se_eta: np.ndarray,
    phi: np.ndarray,
    method: str,
    alpha: float,
    y: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Noufaily et al. (2013): negative-binomial quantile at ``mu0``.

    ``mu0 = exp(eta)`` (nbPlugin) or ``exp`` of the ``1 - alpha`` quantile of
    ``eta`` (muan). The score is computed against ``eta`` (link scale) as the
    package does. Returns ``(upper, pvalue, score, mu0)``.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if method == "nbPlugin":
            mu0 = np.exp(eta)
        else:
            mu0 = np.exp(eta + se_eta * float(ndtri(1.0 - alpha)))
        finite = np.isfinite(mu0)
        over = finite & (phi > 1)
        pois = finite & ~(phi > 1)
        size = np.where(over, mu0 / (phi - 1.0), 1.0)
        prob = np.where(over, 1.0 / phi, 0.5)
        lam = np.where(pois, mu0, 1.0)
        q_nb = _discrete_quantile(1.0 - alpha, stats.nbinom.ppf, stats.nbinom.cdf, size, prob)
        q_po = _discrete_quantile(1.0 - alpha, stats.poisson.ppf, stats.poisson.cdf, lam)
        upper = np.where(over, q_nb, np.where(pois, q_po, np.nan))
        p_nb = stats.nbinom.sf(y - 1.0, size, prob)
        p_po = stats.poisson.sf(y - 1.0, lam)
        pvalue = np.where(over, p_nb, np.where(pois, p_po, np.nan))
        score = (y - eta) / (upper - eta)
    upper = np.where(np.isnan(phi), np.nan, upper)
    return upper, pvalue, score, mu0
