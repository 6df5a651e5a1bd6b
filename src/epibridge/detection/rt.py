"""Time-varying reproduction number R_t (Cori et al. 2013), as EpiEstim 2.2.4 ``estimate_R``.

Reference: A. Cori, N. M. Ferguson, C. Fraser, S. Cauchemez, "A new framework and software to
estimate time-varying reproduction numbers during epidemics", *American Journal of Epidemiology*
178(9):1505-1512, 2013; R package EpiEstim 2.2-4 (``estimate_R``, ``discr_si``,
``overall_infectivity``, ``posterior_from_si_distr``). The numbers are checked against
EpiEstim's own output in ``tests/fixtures/surveillance/epiestim/``.

Why reimplement rather than call R: detection functions must run in a Dask worker, a test or a
benchmark with nothing but NumPy/SciPy. Methods covered: ``parametric_si`` (gamma serial interval
given by mean and standard deviation, discretised as EpiEstim's ``discr_si``) and
``non_parametric_si`` (a discrete serial interval given). The model, per window ``[t_s, t_e]``:

* total infectiousness ``Lambda_t = sum_k w_k I_{t-k}`` (``w_0 = 0``, all cases count);
* posterior of R over the window: Gamma with shape ``a = a_prior + sum I_t`` and scale
  ``b = 1 / (1/b_prior + sum Lambda_t)``, prior Gamma with mean ``mean_prior`` and sd ``std_prior``;
* like EpiEstim, a window whose end is not later than the serial interval's mean gives ``NaN``.

EpiEstim treats the cases of day 1 as imported; they enter ``Lambda`` but never the numerator
because windows start on day 2 or later, so no special case is needed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = ["QUANTILES", "RtEstimate", "discr_si", "estimate_r"]

QUANTILES: tuple[float, ...] = (0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975)
"""Posterior quantiles reported, as EpiEstim's ``Quantile.0.025(R)`` .. ``Quantile.0.975(R)``."""

_SI_SUM_TOLERANCE = 0.01  # EpiEstim: abs(sum(si_distr) - 1) > 0.01 is an error

Method = Literal["parametric_si", "non_parametric_si"]


def discr_si(k: ArrayLike, mu: float, sigma: float) -> NDArray[np.float64]:
    """Discretise a gamma serial interval (mean ``mu``, sd ``sigma``, shifted by one day).

    Same formula as EpiEstim's ``discr_si`` (Cori et al. 2013, web appendix 11): the probability
    mass at ``k`` of a gamma distribution of ``1 + Gamma`` integrated against a triangular kernel.
    """
    if not mu > 1:
        raise ValueError(f"the serial interval mean must be > 1 (got {mu})")
    if not sigma > 0:
        raise ValueError(f"the serial interval standard deviation must be > 0 (got {sigma})")
    k = np.asarray(k, dtype=float)
    shape = ((mu - 1) / sigma) ** 2
    scale = sigma**2 / (mu - 1)

    def cdf(x: NDArray[np.float64], a: float) -> NDArray[np.float64]:
        # The gamma CDF itself (what scipy.stats.gamma.cdf computes, without importing
        # scipy.stats, which costs a second at every CLI start); zero below zero.
        return special.gammainc(a, np.maximum(x, 0.0) / scale)

    res = k * cdf(k, shape) + (k - 2) * cdf(k - 2, shape) - 2 * (k - 1) * cdf(k - 1, shape)
    res += shape * scale * (2 * cdf(k - 1, shape + 1) - cdf(k - 2, shape + 1) - cdf(k, shape + 1))
    return np.maximum(res, 0.0)


@dataclass(frozen=True, slots=True)
class RtEstimate:
    """Posterior summaries per window; time indices are 1-based days, as in EpiEstim."""

    t_start: NDArray[np.int64]
    t_end: NDArray[np.int64]
    mean: NDArray[np.float64]
    std: NDArray[np.float64]
    quantiles: NDArray[np.float64]
    """Shape (windows, len(QUANTILES)); column 3 is the median."""
    si_distr: NDArray[np.float64]
    """The serial interval used, ``k = 0 .. len-1`` (EpiEstim's ``res$si_distr``)."""
    mean_si: float
    std_si: float

    @property
    def median(self) -> NDArray[np.float64]:
        return self.quantiles[:, QUANTILES.index(0.5)]

    def columns(self) -> dict[str, NDArray[np.float64] | NDArray[np.int64]]:
        """Return the columns under EpiEstim's ``res$R`` names, for export and comparison."""
        out: dict[str, NDArray[np.float64] | NDArray[np.int64]] = {
            "t_start": self.t_start,
            "t_end": self.t_end,
            "Mean(R)": self.mean,
            "Std(R)": self.std,
        }
        for i, q in enumerate(QUANTILES):
            out["Median(R)" if q == 0.5 else f"Quantile.{q:g}(R)"] = self.quantiles[:, i]
        return out


def _incidence(incidence: ArrayLike) -> NDArray[np.float64]:
    inc = np.asarray(incidence, dtype=float)
    if inc.ndim != 1:
        raise ValueError(f"incidence must be one-dimensional, got shape {inc.shape}")
    if not np.all(np.isfinite(inc)):
        raise ValueError("incidence must not contain NaN or infinite values")
    if np.any(inc < 0):
        first = int(np.flatnonzero(inc < 0)[0]) + 1
        raise ValueError(f"incidence must be non-negative (day {first} is {inc[first - 1]:g})")
    return inc


def _windows(
    n: int, t_start: ArrayLike | None, t_end: ArrayLike | None
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    if (t_start is None) != (t_end is None):
        raise ValueError("give both t_start and t_end, or neither")
    if t_start is None:
        if n < 8:
            raise ValueError(f"incidence has {n} days; the default weekly windows need at least 8")
        starts = np.arange(2, n - 5, dtype=np.int64)
        return starts, starts + 6
    starts = np.atleast_1d(np.asarray(t_start, dtype=np.int64))
    ends = np.atleast_1d(np.asarray(t_end, dtype=np.int64))
    if starts.shape != ends.shape or starts.ndim != 1 or starts.size == 0:
        raise ValueError("t_start and t_end must be non-empty sequences of the same length")
    if np.any(starts < 2):
        raise ValueError("t_start must be >= 2: day 1 has no past to be infected from")
    if np.any(ends < starts):
        raise ValueError("every t_end must be >= its t_start")
    if np.any(ends > n):
        raise ValueError(f"t_end must be <= {n}, the number of days of incidence")
    return starts, ends


def _serial_interval(
    method: Method,
    n: int,
    mean_si: float | None,
    std_si: float | None,
    si_distr: ArrayLike | None,
) -> NDArray[np.float64]:
    if method == "parametric_si":
        if mean_si is None or std_si is None:
            raise ValueError("method parametric_si needs mean_si and std_si")
        if si_distr is not None:
            raise ValueError("method parametric_si takes mean_si/std_si, not si_distr")
        # EpiEstim discretises k = 0 .. T-1 and pads a zero for k = T
        return np.concatenate([discr_si(np.arange(n), mean_si, std_si), [0.0]])
    if method != "non_parametric_si":
        raise ValueError(f"unknown method {method!r}; use parametric_si or non_parametric_si")
    if si_distr is None:
        raise ValueError("method non_parametric_si needs si_distr")
    w = np.asarray(si_distr, dtype=float)
    if w.ndim != 1 or w.size < 2:
        raise ValueError("si_distr must be a one-dimensional array of at least 2 values")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("si_distr must contain finite, non-negative probabilities")
    if w[0] != 0:
        raise ValueError(
            f"si_distr[0] must be 0 (no one infects on the day they fall ill), got {w[0]}"
        )
    if abs(w.sum() - 1) > _SI_SUM_TOLERANCE:
        raise ValueError(f"si_distr must sum to 1 (within {_SI_SUM_TOLERANCE}), got {w.sum():.6g}")
    if w.size < n + 1:
        w = np.concatenate([w, np.zeros(n + 1 - w.size)])
    return w


def estimate_r(
    incidence: ArrayLike,
    *,
    method: Method,
    mean_si: float | None = None,
    std_si: float | None = None,
    si_distr: ArrayLike | None = None,
    t_start: ArrayLike | None = None,
    t_end: ArrayLike | None = None,
    mean_prior: float = 5.0,
    std_prior: float = 5.0,
) -> RtEstimate:
    """Estimate R_t over sliding windows (default: weekly, ``t_start = 2 .. T-6``)."""
    inc = _incidence(incidence)
    n = inc.size
    starts, ends = _windows(n, t_start, t_end)
    if not (mean_prior > 0 and std_prior > 0):
        raise ValueError("mean_prior and std_prior must be > 0")
    w = _serial_interval(method, n, mean_si, std_si, si_distr)

    k = np.arange(w.size)
    si_mean = float(np.sum(w * k))
    si_std = float(np.sqrt(np.sum(w * k**2) - si_mean**2))

    # Lambda_t for t = 1..n (0-based index t-1): sum_{j=0}^{t-1} w_j I_{t-j}
    lam = np.convolve(inc, w[:n])[:n]
    cum_i = np.concatenate([[0.0], np.cumsum(inc)])
    cum_l = np.concatenate([[0.0], np.cumsum(lam)])
    sum_i = cum_i[ends] - cum_i[starts - 1]
    sum_l = cum_l[ends] - cum_l[starts - 1]

    a_prior = (mean_prior / std_prior) ** 2
    b_prior = std_prior**2 / mean_prior
    shape = a_prior + sum_i
    scale = 1.0 / (1.0 / b_prior + sum_l)
    defined = ends > si_mean  # EpiEstim leaves windows ending before the mean SI undefined
    shape = np.where(defined, shape, np.nan)
    scale = np.where(defined, scale, np.nan)

    # The gamma quantile function (scipy.stats.gamma.ppf's own formula).
    quantiles = special.gammaincinv(shape[:, None], np.asarray(QUANTILES)[None, :]) * scale[:, None]
    return RtEstimate(
        t_start=starts,
        t_end=ends,
        mean=shape * scale,
        std=np.sqrt(shape) * scale,
        quantiles=quantiles,
        si_distr=w,
        mean_si=si_mean,
        std_si=si_std,
    )
