"""The model-selection logic of ``algo.farrington.glm`` / ``fitGLM.flexible``, batched.

Per problem: fit with trend (if asked); if that does not converge, without;
reweight once with Anscombe residuals; keep the trend only when it is
significant, ``b >= 3`` and the prediction does not extrapolate beyond the
largest baseline count, otherwise redo the whole fit without trend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import stdtr

from epibridge.detection.farrington.glm import (
    GlmFit,
    StartValues,
    fit_quasipoisson,
    hat_values,
    mu_power,
)
from epibridge.detection.farrington.layout import Layout


@dataclass(frozen=True)
class Prediction:
    """Final model outputs at the monitored point, one entry per problem."""

    eta: np.ndarray  # link-scale prediction
    se_eta: np.ndarray  # its standard error (raw dispersion, as predict.glm)
    phi: np.ndarray  # max(1, dispersion) of the final model
    trend_used: np.ndarray  # bool
    trend_coef: np.ndarray  # NaN when no trend
    ok: np.ndarray  # False where R returns NULL (no convergence) -> NA outputs


@dataclass(frozen=True)
class Problems:
    """Stacked GLM problems: one row per (series, monitored point), columns per ``layout``."""

    y: np.ndarray  # (width, n), finite (any value) on absent cells
    present: np.ndarray  # (width, n) bool: baseline cell with a count
    layout: Layout
    start: StartValues
    y23: np.ndarray  # (width, n) y ** (2/3), for the Anscombe residuals

    @property
    def n(self) -> int:
        return int(self.y.shape[1])

    def subset(self, cols: np.ndarray) -> Problems:
        return Problems(
            self.y[:, cols],
            self.present[:, cols],
            self.layout.subset(cols),
            self.start.take(cols),
            self.y23[:, cols],
        )


def anscombe_weights(
    pb: Problems, fit: GlmFit, phi: np.ndarray, h: np.ndarray, thr: float
) -> np.ndarray:
    """``algo.farrington.assign.weights(anscombe.residuals(m, phi), weightsThreshold)``."""
    mu = fit.mu
    with np.errstate(divide="ignore", invalid="ignore"):
        s = 1.5 * (pb.y23 * mu_power(fit, pb.layout, -1.0 / 6.0) - np.sqrt(mu))
        s = s / np.sqrt(phi * (1.0 - h))
        big = s > thr
        term = np.where(big, 1.0 / (s * s), 1.0)
        present = pb.present
        gamma = present.sum(axis=0) / np.sum(np.where(present, term, 0.0), axis=0)
        omega = gamma * term
    return np.where(present, omega, 0.0)


@dataclass(frozen=True)
class _Fitted:
    """A fitted formula plus the dispersion the package's later calls see.

    fitGLM.flexible overwrites ``model$weights`` (the working weights) with the
    prior weights ``omega`` after reweighting, so ``summary.glm`` and
    ``predict.glm`` on the returned model use ``sum(omega * r^2) / df`` with
    working residuals ``r = (y - mu) / mu``, not the Pearson dispersion that
    ``phi`` was computed from. This drives the trend test and every standard
    error, so it is reproduced on purpose.
    """

    fit: GlmFit
    phi: np.ndarray
    converged: np.ndarray
    summary_dispersion: np.ndarray


def _fit_glm(pb: Problems, trend: bool, reweight: bool, thr: float) -> _Fitted:
    """``algo.farrington.fitGLM.flexible`` for one formula (no fallback here)."""
    prior = pb.present.astype(np.float64)
    first = fit_quasipoisson(pb.y, prior, pb.layout, pb.start, trend)
    phi = np.maximum(first.dispersion, 1.0)
    if not reweight:
        return _Fitted(first, phi, first.converged, first.dispersion)
    h = hat_values(first, pb.layout)
    omega = anscombe_weights(pb, first, phi, h, thr)
    second = fit_quasipoisson(pb.y, omega, pb.layout, pb.start, trend)
    resid = (pb.y - second.mu) / second.mu
    df = second.df_residual
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.sum(np.where(omega > 0, omega * resid**2, 0.0), axis=0)
        disp = np.where(df > 0, total / np.maximum(df, 1), np.nan)
    return _Fitted(second, np.maximum(second.dispersion, 1.0), first.converged, disp)


def _predict(f: _Fitted, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Link prediction at the monitored point: ``wtime`` is 0 there after centring."""
    j = n_levels - 1
    eta = f.fit.beta[j]
    var = f.fit.var_level[j]
    with np.errstate(invalid="ignore"):
        se = np.sqrt(f.summary_dispersion * var)
    empty = var == 0.0
    return np.where(empty, np.nan, eta), np.where(empty, np.nan, se)


def _trend_pvalue(f: _Fitted) -> np.ndarray:
    """Two-sided t-test p-value of ``wtime`` as printed by ``summary.glm``."""
    fit = f.fit
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(f.summary_dispersion * fit.var_trend)
        tval = np.abs(fit.trend / se)
        df = np.where(fit.df_residual > 0, fit.df_residual, np.nan)
        return 2.0 * stdtr(df, -tval)


def fit_and_predict(
    pb: Problems,
    trend: bool,
    reweight: bool,
    weightsThreshold: float,
    pThresholdTrend: float,
    b: int,
) -> Prediction:
    """Final model and prediction for every problem (``algo.farrington.glm``)."""
    n = pb.n
    eta = np.full(n, np.nan)
    se = np.full(n, np.nan)
    phi = np.full(n, np.nan)
    coef = np.full(n, np.nan)
    used = np.zeros(n, dtype=bool)
    need_plain = np.ones(n, dtype=bool)
    if trend:
        ft = _fit_glm(pb, True, reweight, weightsThreshold)
        e_t, s_t = _predict(ft, pb.layout.n_levels)
        with np.errstate(over="ignore", invalid="ignore"):
            mu_t = np.maximum(np.exp(e_t), np.finfo(np.float64).eps)
            ymax = np.max(np.where(pb.present, pb.y, -np.inf), axis=0)
            keep = ft.converged & (b >= 3) & (_trend_pvalue(ft) < pThresholdTrend) & (mu_t <= ymax)
        eta[keep], se[keep], phi[keep] = e_t[keep], s_t[keep], ft.phi[keep]
        coef[keep] = ft.fit.trend[keep]
        used = keep
        need_plain = ~keep
    ok = used.copy()
    if need_plain.any():
        sel = np.flatnonzero(need_plain)
        fp = _fit_glm(pb.subset(sel), False, reweight, weightsThreshold)
        e_p, s_p = _predict(fp, pb.layout.n_levels)
        conv = fp.converged
        eta[sel] = np.where(conv, e_p, np.nan)
        se[sel] = np.where(conv, s_p, np.nan)
        phi[sel] = np.where(conv, fp.phi, np.nan)
        ok[sel] = conv
    return Prediction(eta, se, phi, used, coef, ok)
