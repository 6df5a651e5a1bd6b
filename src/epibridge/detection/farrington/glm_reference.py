"""R's ``glm.fit`` transcribed cell by cell (clamp included): what the fast path cannot take.

``glm.fit_quasipoisson`` hands it the problems whose linear predictor comes near R's clamp
``pmax(exp(eta), .Machine$double.eps)`` or overflows; ``tests/detection/test_glm.py`` holds
the fast path to it.
"""

from __future__ import annotations

import numpy as np

from epibridge.detection.farrington.glm_state import GlmFit, finish, linkinv
from epibridge.detection.farrington.layout import Layout


def fit_reference(
    y_cells: np.ndarray,
    prior_cells: np.ndarray,
    lay: Layout,
    trend: bool,
    maxit: int,
    epsilon: float,
) -> GlmFit:
    """``glm.fit`` transcribed cell by cell (clamp included), for what the fast path cannot take."""
    y, prior = y_cells.T, prior_cells.T
    n, width = y.shape
    n_levels = lay.n_levels
    level = np.broadcast_to(lay.level, (n, width))
    t = np.broadcast_to(lay.t.T, (n, width)) if trend else None
    off = 1 if trend else 0
    p = n_levels + off
    ylog = np.where(y > 0, y, 1.0)

    def deviance(mu: np.ndarray, rows: np.ndarray) -> np.ndarray:
        yy = y[rows]
        return np.sum(2.0 * prior[rows] * (yy * np.log(ylog[rows] / mu) - (yy - mu)), axis=1)

    eta = np.log(y + 0.1)
    mu = linkinv(eta)
    devold = deviance(mu, np.arange(n))
    converged = np.zeros(n, dtype=bool)
    beta = np.zeros((n, p))
    cov = np.zeros((n, p, p))
    w_work = np.zeros_like(y)
    empty = np.zeros((n, n_levels), dtype=bool)
    act = np.arange(n)
    for _ in range(maxit):
        la, ea, ma = level[act], eta[act], mu[act]
        z = ea + (y[act] - ma) / ma
        w = prior[act] * ma
        flat = (np.arange(act.size)[:, None] * n_levels + la).ravel()

        def gsum(v: np.ndarray, size: int = act.size, flat: np.ndarray = flat) -> np.ndarray:
            return np.bincount(flat, weights=v.ravel(), minlength=size * n_levels).reshape(
                size, n_levels
            )

        d = gsum(w)
        rz = gsum(w * z)
        emp = d == 0.0
        a = np.zeros((act.size, p, p))
        idx = np.arange(off, p)
        a[:, idx, idx] = np.where(emp, 1.0, d)
        if t is not None:
            ta = t[act]
            wt = w * ta
            c = gsum(wt)
            a[:, 0, 0] = np.sum(wt * ta, axis=1)
            a[:, 0, 1:] = c
            a[:, 1:, 0] = c
            rhs = np.concatenate([np.sum(wt * z, axis=1)[:, None], rz], axis=1)
        else:
            rhs = rz
        inv = np.linalg.inv(a)
        inv[:, off:, :][emp] = 0.0
        inv.transpose(0, 2, 1)[:, off:, :][emp] = 0.0
        new_beta = np.einsum("nij,nj->ni", inv, rhs)
        new_eta = np.take_along_axis(new_beta[:, off:], la, axis=1)
        if t is not None:
            new_eta += new_beta[:, :1] * t[act]
        new_mu = linkinv(new_eta)
        dev = deviance(new_mu, act)
        beta[act], cov[act], w_work[act], empty[act] = new_beta, inv, w, emp
        eta[act], mu[act] = new_eta, new_mu
        with np.errstate(invalid="ignore"):
            done = np.abs(dev - devold[act]) / (np.abs(dev) + 0.1) < epsilon
        converged[act[done]] = True
        devold[act] = dev
        act = act[~done]
        if act.size == 0:
            break
    diag = np.diagonal(cov, axis1=1, axis2=2)
    coef = (
        beta[:, off:].T.copy(),
        beta[:, 0].copy() if trend else np.full(n, np.nan),
        diag[:, off:].T.copy(),
        cov[:, 0, 1:].T.copy() if trend else np.zeros((n_levels, n)),
        cov[:, 0, 0].copy() if trend else np.zeros(n),
    )
    return finish(
        y_cells,
        prior_cells,
        coef,
        np.ascontiguousarray(mu.T),
        np.ascontiguousarray(w_work.T),
        empty.T,
        converged,
        np.ones(n, dtype=bool),
        trend,
    )
