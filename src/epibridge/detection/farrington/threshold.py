"""Thresholds, p-values and exceedance scores (``algo.farrington.threshold.*``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special
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


def _walk_quantile(
    target: float,
    q: np.ndarray,
    cdf_q: np.ndarray,
    pmf_q: np.ndarray,
    ratio_up: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Smallest integer ``k >= 0`` with ``cdf(k) >= target``, walking from a nearby ``q``.

    ``cdf_q``/``pmf_q`` are the cdf and pmf at ``q``; ``ratio_up(k, sel)`` is
    ``pmf(k + 1) / pmf(k)`` for the elements ``sel``. Neighbouring cdf values
    come from adding or removing pmf terms, exact to a few ulps next to the
    quantile. NaN parameters give NaN.
    """
    q, c, f = q.copy(), cdf_q.copy(), pmf_q.copy()
    bad = ~(np.isfinite(q) & np.isfinite(c) & np.isfinite(f))
    act = np.flatnonzero(~bad)
    with np.errstate(divide="ignore", invalid="ignore"):
        while act.size:
            qa, ca, fa = q[act], c[act], f[act]
            up = ca < target
            down = ~up & (qa >= 1) & (ca - fa >= target)
            moving = up | down
            if not moving.any():
                break
            act, qa, ca, fa, up = act[moving], qa[moving], ca[moving], fa[moving], up[moving]
            f_up = fa * ratio_up(qa, act)
            f_down = fa / ratio_up(np.maximum(qa - 1.0, 0.0), act)
            c[act] = np.where(up, ca + f_up, ca - fa)
            f[act] = np.where(up, f_up, f_down)
            q[act] = np.where(up, qa + 1.0, qa - 1.0)
    q[bad] = np.nan
    return q


def _nb_quantile(p: float, size: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """``qnbinom(p, size, prob)`` with R's fuzz, from a Cornish-Fisher start."""
    target = p * _FUZZ
    z = float(ndtri(p))
    mean = size * (1.0 - prob) / prob
    sd = np.sqrt(mean / prob)
    skew = (2.0 - prob) / np.sqrt(size * (1.0 - prob))
    q = np.maximum(np.floor(mean + sd * (z + skew * (z * z - 1.0) / 6.0)), 0.0)
    cdf = special.betainc(size, q + 1.0, prob)
    log_pmf = (
        special.gammaln(q + size)
        - special.gammaln(size)
        - special.gammaln(q + 1.0)
        + size * np.log(prob)
        + q * np.log1p(-prob)
    )
    return _walk_quantile(
        target,
        q,
        cdf,
        np.exp(log_pmf),
        lambda k, i: (k + size[i]) / (k + 1.0) * (1.0 - prob[i]),
    )


def _pois_quantile(p: float, lam: np.ndarray) -> np.ndarray:
    """``qpois(p, lambda)`` with R's fuzz, from a Cornish-Fisher start."""
    target = p * _FUZZ
    z = float(ndtri(p))
    sd = np.sqrt(lam)
    q = np.maximum(np.floor(lam + sd * z + (z * z - 1.0) / 6.0), 0.0)
    cdf = special.gammaincc(q + 1.0, lam)
    pmf = np.exp(q * np.log(lam) - lam - special.gammaln(q + 1.0))
    return _walk_quantile(target, q, cdf, pmf, lambda k, i: lam[i] / (k + 1.0))


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
    package does. Returns ``(upper, pvalue, score, mu0)``. Uses the special
    functions directly: ``scipy.stats``' quantile functions cost more than the
    whole GLM fit here.
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
        upper = np.full(eta.shape, np.nan)
        pvalue = np.full(eta.shape, np.nan)
        if over.any():
            sz, pr, yo = size[over], prob[over], y[over]
            upper[over] = _nb_quantile(1.0 - alpha, sz, pr)
            # P(Y >= y) = I_{1-prob}(y, size), R's pbeta(prob, size, y, lower = FALSE)
            tail = special.betainc(np.maximum(yo, 1.0), sz, (phi[over] - 1.0) / phi[over])
            pvalue[over] = np.where(yo >= 1, tail, 1.0)
        if pois.any():
            la, yp = lam[pois], y[pois]
            upper[pois] = _pois_quantile(1.0 - alpha, la)
            pvalue[pois] = np.where(yp >= 1, special.gammainc(np.maximum(yp, 1.0), la), 1.0)
        pvalue = np.where(np.isnan(y), np.nan, pvalue)
        score = (y - eta) / (upper - eta)
    upper = np.where(np.isnan(phi), np.nan, upper)
    return upper, pvalue, score, mu0
