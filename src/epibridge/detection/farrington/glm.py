"""Batched quasi-Poisson GLM (log link) fitted exactly as R's ``glm.fit`` does.

Every problem is ``response ~ wtime + seasgroups`` (or without ``wtime``) on
its own rows. The factor is coded as one indicator per level without an
intercept, which spans the same space as R's treatment coding, so fitted
values, predictions, dispersion and the ``wtime`` test are the same. ``wtime``
is centred on the prediction time, which changes only the level coefficients
and keeps the normal equations well conditioned.

R's iteration is reproduced step for step (start ``mu = y + 0.1``, deviance
criterion ``|dev - devold| / (|dev| + 0.1) < 1e-8``, at most 25 iterations) and
so is the state it reports at the end: working weights and the QR (here the
inverse cross-product) from the *last* iteration, fitted values from the
update after it. Matching that state is what makes dispersion, hat values and
standard errors agree with R to ~1e-12 rather than ~1e-5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class GlmFit:
    """State of ``n`` fitted problems; ``p = n_levels (+1 with trend)`` coefficients.

    With a trend, coefficient 0 is ``wtime`` and ``1 + l`` is level ``l``;
    without, coefficient ``l`` is level ``l``.
    """

    beta: np.ndarray  # (n, p)
    mu: np.ndarray  # (n, width) fitted means
    w_work: np.ndarray  # (n, width) working weights of the last iteration
    cov_unscaled: np.ndarray  # (n, p, p) (X'WX)^-1, zero rows/cols for empty levels
    dispersion: np.ndarray  # (n,) Pearson estimate, NaN when no residual df
    df_residual: np.ndarray  # (n,)
    converged: np.ndarray  # (n,) bool
    with_trend: bool


def _linkinv(eta: np.ndarray) -> np.ndarray:
    """R's log-link inverse and ``mu.eta``: ``pmax(exp(eta), .Machine$double.eps)``."""
    with np.errstate(over="ignore"):
        return np.maximum(np.exp(eta), EPS)


def _deviance(y: np.ndarray, ylog: np.ndarray, mu: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Quasi-Poisson deviance ``2 * wt * (y * log(y / mu) - (y - mu))``, ``0 * log`` = 0.

    ``ylog`` is ``y`` where ``y > 0`` and 1 elsewhere, so ``y * log(ylog / mu)``
    is R's ``y * log(ifelse(y == 0, 1, y / mu))``.
    """
    return np.sum(2.0 * prior * (y * np.log(ylog / mu) - (y - mu)), axis=1)


def _group_sums(values: np.ndarray, flat_level: np.ndarray, n: int, n_levels: int) -> np.ndarray:
    return np.bincount(flat_level, weights=values.ravel(), minlength=n * n_levels).reshape(
        n, n_levels
    )


def _cross_products(
    w: np.ndarray, z: np.ndarray, t: np.ndarray | None, flat_level: np.ndarray, n_levels: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X'WX`` and ``X'Wz`` from group sums (the indicator columns are disjoint)."""
    n = w.shape[0]
    d = _group_sums(w, flat_level, n, n_levels)
    rz = _group_sums(w * z, flat_level, n, n_levels)
    empty = d == 0.0
    if t is None:
        a = np.zeros((n, n_levels, n_levels))
        diag = np.where(empty, 1.0, d)
        a[:, np.arange(n_levels), np.arange(n_levels)] = diag
        return a, rz, empty
    p = n_levels + 1
    a = np.zeros((n, p, p))
    wt = w * t
    c = _group_sums(wt, flat_level, n, n_levels)
    a[:, 0, 0] = np.sum(wt * t, axis=1)
    a[:, 0, 1:] = c
    a[:, 1:, 0] = c
    idx = np.arange(1, p)
    a[:, idx, idx] = np.where(empty, 1.0, d)
    rhs = np.concatenate([np.sum(wt * z, axis=1)[:, None], rz], axis=1)
    return a, rhs, empty


def fit_quasipoisson(
    y: np.ndarray,
    prior: np.ndarray,
    level: np.ndarray,
    n_levels: int,
    t: np.ndarray | None,
    maxit: int = 25,
    epsilon: float = 1e-8,
) -> GlmFit:
    """Fit all problems at once; rows with ``prior == 0`` are absent (R drops them).

    ``y`` must be 0 (not NaN) on absent rows. ``t`` is the centred ``wtime`` or
    ``None`` for the model without trend.
    """
    n, _width = y.shape
    off = 0 if t is None else 1
    p = n_levels + off
    ylog = np.where(y > 0, y, 1.0)
    eta = np.log(y + 0.1)
    mu = _linkinv(eta)
    devold = _deviance(y, ylog, mu, prior)
    converged = np.zeros(n, dtype=bool)
    beta = np.zeros((n, p))
    cov = np.zeros((n, p, p))
    w_work = np.zeros_like(y)
    empty = np.zeros((n, n_levels), dtype=bool)
    act = np.arange(n)  # problems still iterating; converged ones are frozen as R leaves them
    for _ in range(maxit):
        ya, pa, la, ea, ma = y[act], prior[act], level[act], eta[act], mu[act]
        ta = None if t is None else t[act]
        z = ea + (ya - ma) / ma  # mu.eta(eta) == linkinv(eta) for the log link
        w = pa * ma  # prior * mu.eta^2 / variance(mu)
        flat_level = (np.arange(act.size)[:, None] * n_levels + la).ravel()
        a, rhs, emp = _cross_products(w, z, ta, flat_level, n_levels)
        inv = np.linalg.inv(a)
        inv[:, off:, :][emp] = 0.0
        inv.transpose(0, 2, 1)[:, off:, :][emp] = 0.0
        new_beta = np.einsum("nij,nj->ni", inv, rhs)
        new_eta = np.take_along_axis(new_beta[:, off:], la, axis=1)
        if ta is not None:
            new_eta += new_beta[:, :1] * ta
        new_mu = _linkinv(new_eta)
        dev = _deviance(ya, ylog[act], new_mu, pa)
        beta[act], cov[act], w_work[act], empty[act] = new_beta, inv, w, emp
        eta[act], mu[act] = new_eta, new_mu
        with np.errstate(invalid="ignore"):
            done = np.abs(dev - devold[act]) / (np.abs(dev) + 0.1) < epsilon
        converged[act[done]] = True
        devold[act] = dev
        act = act[~done]
        if act.size == 0:
            break
    rank = p - empty.sum(axis=1)
    df = (prior > 0).sum(axis=1) - rank
    resid = (y - mu) / mu
    pearson = np.sum(np.where(w_work > 0, w_work * resid**2, 0.0), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        dispersion = np.where(df > 0, pearson / np.maximum(df, 1), np.nan)
    return GlmFit(beta, mu, w_work, cov, dispersion, df, converged, t is not None)


def hat_values(fit: GlmFit, level: np.ndarray, t: np.ndarray | None) -> np.ndarray:
    """Diagonal of the hat matrix of the final weighted fit (``hatvalues(glm)``)."""
    off = 1 if fit.with_trend else 0
    diag = np.diagonal(fit.cov_unscaled, axis1=1, axis2=2)[:, off:]
    q = np.take_along_axis(diag, level, axis=1)
    if t is not None and fit.with_trend:
        cross = np.take_along_axis(fit.cov_unscaled[:, 0, 1:], level, axis=1)
        q = q + 2.0 * cross * t + fit.cov_unscaled[:, :1, 0] * t * t
    h = fit.w_work * q
    return np.where(h > 1.0 - 10.0 * EPS, 1.0, h)
