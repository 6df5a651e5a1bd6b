"""What a batched quasi-Poisson fit starts from and ends with, as R's ``glm.fit`` has them.

The fast path (``glm``) and the cell-by-cell transcription (``glm_reference``) share these:
the start values, the link's inverse with R's clamp, the final state (``GlmFit``) and how it
is finished (residual df and Pearson dispersion), so both report exactly the same state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = np.finfo(np.float64).eps


def linkinv(eta: np.ndarray) -> np.ndarray:
    """R's log-link inverse and ``mu.eta``: ``pmax(exp(eta), .Machine$double.eps)``."""
    with np.errstate(over="ignore"):
        return np.maximum(np.exp(eta), EPS)


@dataclass(frozen=True)
class StartValues:
    """Per-cell quantities of ``y`` that the first iteration and the deviance need.

    From R's start ``eta = log(y + 0.1)``, ``mu = exp(eta)``: ``g = mu * eta + y - mu``
    (so that ``prior * g`` is ``w * z``), ``d0`` the unit deviance at the start,
    ``ylogy = y log(y) - y`` (0 log 0 = 0) the constant part of the deviance.
    Computed once per time point and gathered, not once per cell.
    """

    mu0: np.ndarray
    g: np.ndarray
    d0: np.ndarray
    ylogy: np.ndarray

    @staticmethod
    def of(y: np.ndarray) -> StartValues:
        """For counts without NaN (absent cells carry weight 0 and any finite count)."""
        eta = np.log(y + 0.1)
        mu = linkinv(eta)
        ylog = np.where(y > 0, y, 1.0)
        logy = np.log(ylog)
        return StartValues(
            mu0=mu,
            g=mu * eta + y - mu,
            d0=y * (logy - np.log(mu)) - (y - mu),
            ylogy=y * logy - y,
        )

    def take(self, cols: np.ndarray) -> StartValues:
        return StartValues(
            self.mu0[:, cols], self.g[:, cols], self.d0[:, cols], self.ylogy[:, cols]
        )


@dataclass(frozen=True)
class GlmFit:
    """State of ``n`` fitted problems as R reports it; cell arrays are ``(width, n)``.

    Coefficients are per level (``beta``, ``(L, n)``) and for ``wtime``
    (``trend``, NaN without). The unscaled covariance ``(X'WX)^-1`` is kept as
    the pieces the package uses: level variances, trend-level covariances and
    the trend variance; all are 0 for a level without data (R's aliased
    coefficient).
    """

    beta: np.ndarray  # (L, n)
    trend: np.ndarray  # (n,)
    var_level: np.ndarray  # (L, n)
    cov_trend_level: np.ndarray  # (L, n)
    var_trend: np.ndarray  # (n,)
    mu: np.ndarray  # (width, n) fitted means
    w_work: np.ndarray  # (width, n) working weights of the last iteration
    dispersion: np.ndarray  # (n,) Pearson estimate, NaN when no residual df
    df_residual: np.ndarray  # (n,)
    converged: np.ndarray  # (n,) bool
    exact: np.ndarray  # (n,) bool: fitted cell by cell (mu may be clamped)
    with_trend: bool


def finish(
    y: np.ndarray,
    prior: np.ndarray,
    coef: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    mu: np.ndarray,
    w_work: np.ndarray,
    empty: np.ndarray,
    converged: np.ndarray,
    exact: np.ndarray,
    trend: bool,
) -> GlmFit:
    """Residual df and the Pearson dispersion of the final state."""
    rank = empty.shape[0] - empty.sum(axis=0) + (1 if trend else 0)
    df = (prior > 0).sum(axis=0) - rank
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        resid = y - mu
        resid /= mu
        # absent cells have w_work == 0 and a finite residual, so they add 0
        resid *= resid
        resid *= w_work
        pearson = np.add.reduce(resid, axis=0)
        dispersion = np.where(df > 0, pearson / np.maximum(df, 1), np.nan)
    beta, trend_coef, var_l, cov_tl, var_t = coef
    return GlmFit(
        beta,
        trend_coef,
        var_l,
        cov_tl,
        var_t,
        mu,
        w_work,
        dispersion,
        df,
        converged,
        exact,
        trend,
    )
