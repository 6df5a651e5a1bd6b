"""The model-selection logic of ``algo.farrington.glm`` / ``fitGLM.flexible``, batched.

Per problem: fit with trend (if asked); if that does not converge, without;
reweight once with Anscombe residuals; keep the trend only when it is
significant, ``b >= 3`` and the prediction does not extrapolate beyond the
largest baseline count, otherwise redo the whole fit without trend.
"""

from __future__ import annotations

from collections.abc import Callable
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


@dataclass(frozen=True)
class FormulaFit:
    """What the model selection needs of one fitted formula, one entry per problem.

    ``eta``/``var`` are the coefficient of the current window's level and its
    unscaled variance: with ``wtime`` centred on the monitored point, that is the
    link-scale prediction there. Both the NumPy path (:func:`numpy_fitter`) and
    the compiled kernel produce it.
    """

    eta: np.ndarray
    var: np.ndarray
    trend: np.ndarray  # NaN without trend
    var_trend: np.ndarray
    df_residual: np.ndarray
    summary_dispersion: np.ndarray
    phi: np.ndarray
    converged: np.ndarray  # bool
    ymax: np.ndarray  # largest baseline count (-inf if none), for the extrapolation check

    @staticmethod
    def of(f: _Fitted, pb: Problems) -> FormulaFit:
        fit = f.fit
        j = pb.layout.n_levels - 1
        return FormulaFit(
            fit.beta[j],
            fit.var_level[j],
            fit.trend,
            fit.var_trend,
            fit.df_residual.astype(np.float64),
            f.summary_dispersion,
            f.phi,
            f.converged,
            np.max(np.where(pb.present, pb.y, -np.inf), axis=0),
        )


#: Fits one formula (``trend`` or not) for the given problems (all when ``None``).
FormulaFitter = Callable[[np.ndarray | None, bool], FormulaFit]


def numpy_fitter(pb: Problems, reweight: bool, weightsThreshold: float) -> FormulaFitter:
    """The batched NumPy path as a :data:`FormulaFitter`."""

    def fit(cols: np.ndarray | None, trend: bool) -> FormulaFit:
        sub = pb if cols is None else pb.subset(cols)
        return FormulaFit.of(_fit_glm(sub, trend, reweight, weightsThreshold), sub)

    return fit


def _predict(f: FormulaFit) -> tuple[np.ndarray, np.ndarray]:
    """Link prediction at the monitored point: ``wtime`` is 0 there after centring."""
    with np.errstate(invalid="ignore"):
        se = np.sqrt(f.summary_dispersion * f.var)
    empty = f.var == 0.0
    return np.where(empty, np.nan, f.eta), np.where(empty, np.nan, se)


def _trend_pvalue(f: FormulaFit) -> np.ndarray:
    """Two-sided t-test p-value of ``wtime`` as printed by ``summary.glm``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(f.summary_dispersion * f.var_trend)
        tval = np.abs(f.trend / se)
        df = np.where(f.df_residual > 0, f.df_residual, np.nan)
        return 2.0 * stdtr(df, -tval)


def fit_and_predict(
    fit: FormulaFitter,
    n: int,
    trend: bool,
    pThresholdTrend: float,
    b: int,
) -> Prediction:
    """Final model and prediction for each of the ``n`` problems (``algo.farrington.glm``)."""
    eta = np.full(n, np.nan)
    se = np.full(n, np.nan)
    phi = np.full(n, np.nan)
    coef = np.full(n, np.nan)
    used = np.zeros(n, dtype=bool)
    need_plain = np.ones(n, dtype=bool)
    if trend:
        ft = fit(None, True)
        e_t, s_t = _predict(ft)
        with np.errstate(over="ignore", invalid="ignore"):
            mu_t = np.maximum(np.exp(e_t), np.finfo(np.float64).eps)
            significant = _trend_pvalue(ft) < pThresholdTrend
            keep = ft.converged & (b >= 3) & significant & (mu_t <= ft.ymax)
        eta[keep], se[keep], phi[keep] = e_t[keep], s_t[keep], ft.phi[keep]
        coef[keep] = ft.trend[keep]
        used = keep
        need_plain = ~keep
    ok = used.copy()
    if need_plain.any():
        sel = np.flatnonzero(need_plain)
        fp = fit(None if sel.size == n else sel, False)
        e_p, s_p = _predict(fp)
        conv = fp.converged
        eta[sel] = np.where(conv, e_p, np.nan)
        se[sel] = np.where(conv, s_p, np.nan)
        phi[sel] = np.where(conv, fp.phi, np.nan)
        ok[sel] = conv
    return Prediction(eta, se, phi, used, coef, ok)
