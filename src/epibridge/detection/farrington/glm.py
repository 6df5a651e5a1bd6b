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

Speed comes from the model's structure. After the first iteration every fitted
value is ``exp(a_level + b * t)``, so the normal equations and the deviance
need only per-level sums of ``prior * exp(b t) * {1, t, t^2}`` plus constants
of the data; without a trend they need no cell-level work at all. The matrix
is an "arrow" (a diagonal block for the levels plus the trend row), solved in
closed form. Problems whose linear predictor comes near R's clamp
``pmax(exp(eta), .Machine$double.eps)`` (or overflow) are refitted cell by
cell with the direct transcription of ``glm.fit`` in ``glm_reference``. The
start values and the final state both paths share are in ``glm_state``.
"""

from __future__ import annotations

import numpy as np

from epibridge.detection.farrington.glm_reference import fit_reference as _fit_reference
from epibridge.detection.farrington.glm_state import EPS, GlmFit, StartValues, finish
from epibridge.detection.farrington.layout import Layout

__all__ = ["EPS", "GlmFit", "StartValues", "fit_quasipoisson", "hat_values", "mu_power"]

#: Linear predictors outside this range leave the fast path: below it R's clamp
#: ``mu >= eps`` (eta < -36.04) may bite, above it ``exp`` may overflow.
_ETA_SAFE = (-30.0, 600.0)


def _solve(
    d: np.ndarray,
    c: np.ndarray | None,
    s: np.ndarray | None,
    r: np.ndarray,
    r0: np.ndarray | None,
    empty: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Solve ``[[s, c'], [c, diag(d)]] [b; a] = [r0; r]`` per problem, with its inverse.

    Level arrays are ``(L, n)``. Empty levels get coefficient 0 and zero rows in
    the inverse, as the pivoted QR of R leaves an aliased column out.
    """
    d = np.where(empty, 1.0, d)
    r = np.where(empty, 0.0, r)
    n = d.shape[1]
    if c is None or s is None or r0 is None:
        return r / d, np.full(n, np.nan), np.where(empty, 0.0, 1.0 / d), 0.0 * d, np.zeros(n)
    c = np.where(empty, 0.0, c)
    u = c / d
    var_t = 1.0 / (s - np.sum(c * u, axis=0))
    b = (r0 - np.sum(u * r, axis=0)) * var_t
    a = (r - c * b) / d
    cov_tl = np.where(empty, 0.0, -u * var_t)
    var_l = np.where(empty, 0.0, 1.0 / d + u * u * var_t)
    return a, b, var_l, cov_tl, var_t


def _unsafe(
    a: np.ndarray, b: np.ndarray | None, lo: np.ndarray, hi: np.ndarray, empty: np.ndarray
) -> np.ndarray:
    """Problems whose ``eta`` leaves the range where ``exp`` needs no clamp or overflow guard."""
    if b is None:
        e_lo = e_hi = a
    else:
        bl, bh = b * lo, b * hi
        e_lo, e_hi = a + np.minimum(bl, bh), a + np.maximum(bl, bh)
    used = np.isfinite(lo) & ~empty
    bad = (e_lo < _ETA_SAFE[0]) | (e_hi > _ETA_SAFE[1]) | ~np.isfinite(e_lo) | ~np.isfinite(e_hi)
    return np.any(used & bad, axis=0)


def _first_step(
    y: np.ndarray,
    lay: Layout,
    wt: tuple[np.ndarray, ...],
    start: StartValues,
    empty: np.ndarray,
    trend: bool,
) -> tuple[
    tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    np.ndarray,
    np.ndarray,
    np.ndarray,
]:
    """The first IRLS solve (weights from ``mu0``), the trend sums and each level's t range.

    Without a trend, the trend sums are zeros and the t range is zero.
    """
    n = y.shape[1]
    d1, r1 = lay.level_dot(*wt, start.mu0), lay.level_dot(*wt, start.g)
    if not trend:
        sol = _solve(d1, None, None, r1, None, empty)
        zero_t = np.zeros((lay.n_levels, 1))
        return sol, np.zeros(n), zero_t, zero_t
    sol = _solve(
        d1,
        lay.level_dot(*wt, start.mu0, t_power=1),
        lay.total_dot(*wt, start.mu0, t_power=2),
        r1,
        lay.total_dot(*wt, start.g, t_power=1),
        empty,
    )
    lo, hi = lay.level_t_range()
    return sol, lay.total_dot(*wt, y, t_power=1), lo, hi


def _final_means(
    lay: Layout,
    fin_a: np.ndarray,
    fin_b: np.ndarray,
    prev_a: np.ndarray,
    prev_b: np.ndarray,
    unsafe: np.ndarray,
    trend: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The fitted means and those of the step before (its weights), 1 for unsafe problems."""
    safe_a = np.where(unsafe, 0.0, fin_a)
    mu = lay.spread(np.exp(safe_a))
    mu_prev = lay.spread(np.exp(np.where(unsafe, 0.0, prev_a)))
    if trend:
        mu *= lay.exp_bt(np.where(unsafe, 0.0, fin_b))
        mu_prev *= lay.exp_bt(np.where(unsafe, 0.0, prev_b))
    return mu, mu_prev


def _fit_fast(
    y: np.ndarray,
    prior: np.ndarray,
    lay: Layout,
    start: StartValues,
    trend: bool,
    maxit: int,
    epsilon: float,
) -> tuple[GlmFit, np.ndarray]:
    """IRLS on per-level sufficient statistics; returns the fit and the unsafe problems."""
    n = y.shape[1]
    n_lev = lay.n_levels
    # weights of exactly 1 (a first fit without missing counts) need no multiplication
    wt: tuple[np.ndarray, ...] = () if np.all(prior == 1.0) else (prior,)
    p_l = lay.level_dot(*wt) if wt else np.repeat(lay.level_sizes[:, None], n, axis=1)
    empty = p_l == 0.0
    py_l = lay.level_dot(*wt, y)
    const = lay.total_dot(*wt, start.ylogy)
    devold = lay.total_dot(*wt, start.d0)
    sol, py_t, lo, hi = _first_step(y, lay, wt, start, empty, trend)

    fin_a = np.zeros((n_lev, n))
    fin_b = np.full(n, np.nan)
    fin_vl = np.zeros((n_lev, n))
    fin_ctl = np.zeros((n_lev, n))
    fin_vt = np.zeros(n)
    prev_a = np.zeros((n_lev, n))
    prev_b = np.zeros(n)
    first = np.zeros(n, dtype=bool)  # stopped after the first iteration: weights from mu0
    converged = np.zeros(n, dtype=bool)
    unsafe = np.zeros(n, dtype=bool)

    # Working set: problems computed each iteration. Finished ones stay in it (their
    # values are ignored) until compacting pays for the column gathers it costs.
    ws = np.arange(n)
    live = np.ones(n, dtype=bool)
    per_problem_t = lay.t.shape[1] > 1
    lw, wtw = lay, wt
    a, b, var_l, cov_tl, var_t = sol
    pa: np.ndarray | None = None
    pb: np.ndarray | None = None
    with np.errstate(all="ignore"):
        for it in range(1, maxit + 1):
            if trend:
                lo_w, hi_w = (lo[:, ws], hi[:, ws]) if per_problem_t else (lo, hi)
                bad = _unsafe(a, b, lo_w, hi_w, empty[:, ws])
            else:
                bad = _unsafe(a, None, lo, hi, empty[:, ws])
            m = np.exp(np.where(bad, 0.0, a))
            if trend:
                e = lw.exp_bt(np.where(bad, 0.0, b))
                if wtw:
                    e *= wtw[0]
                s0, s1, s2 = lw.moments(e)
                del e
                dev = const[ws] - np.sum(a * py_l[:, ws], axis=0) - b * py_t[ws]
                dev = 2.0 * (dev + np.sum(m * s0, axis=0))
            else:
                s0 = p_l[:, ws]
                dev = const[ws] - np.sum(a * py_l[:, ws], axis=0) + np.sum(m * s0, axis=0)
                dev = 2.0 * dev
            bad |= ~np.isfinite(dev)
            done = np.abs(dev - devold[ws]) / (np.abs(dev) + 0.1) < epsilon
            stop = live & (done | bad | (it == maxit))
            if stop.any():
                rows = ws[stop]
                fin_a[:, rows], fin_b[rows], fin_vl[:, rows] = a[:, stop], b[stop], var_l[:, stop]
                fin_ctl[:, rows], fin_vt[rows] = cov_tl[:, stop], var_t[stop]
                if pa is None:
                    first[rows] = True
                else:
                    prev_a[:, rows] = pa[:, stop]
                    prev_b[rows] = 0.0 if pb is None else pb[stop]
                converged[ws[stop & done & ~bad]] = True
                unsafe[ws[stop & bad]] = True
                live &= ~stop
            if not live.any():
                break
            devold[ws] = dev
            d = m * s0
            r = d * (a - 1.0) + py_l[:, ws]
            pa = a
            if trend:
                c = m * s1
                ms2 = m * s2
                r += c * b
                r0 = np.sum(c * (a - 1.0) + ms2 * b, axis=0) + py_t[ws]
                pb = b
                a, b, var_l, cov_tl, var_t = _solve(d, c, np.sum(ms2, axis=0), r, r0, empty[:, ws])
            else:
                a, b, var_l, cov_tl, var_t = _solve(d, None, None, r, None, empty[:, ws])
            if live.sum() < 0.75 * ws.size:
                keep = np.flatnonzero(live)
                ws = ws[keep]
                wtw = tuple(w[:, keep] for w in wtw)
                lw = lay.subset(ws)
                a, b, var_l = a[:, keep], b[keep], var_l[:, keep]
                cov_tl, var_t = cov_tl[:, keep], var_t[keep]
                pa = pa[:, keep]
                pb = None if pb is None else pb[keep]
                live = np.ones(keep.size, dtype=bool)

    mu, mu_prev = _final_means(lay, fin_a, fin_b, prev_a, prev_b, unsafe, trend)
    w_work = np.where(first, start.mu0, mu_prev)
    if wt:
        w_work *= prior
    fit = finish(
        y,
        prior,
        (fin_a, fin_b, fin_vl, fin_ctl, fin_vt),
        mu,
        w_work,
        empty,
        converged,
        np.zeros(n, dtype=bool),
        trend,
    )
    return fit, unsafe


def fit_quasipoisson(
    y: np.ndarray,
    prior: np.ndarray,
    lay: Layout,
    start: StartValues,
    trend: bool,
    maxit: int = 25,
    epsilon: float = 1e-8,
) -> GlmFit:
    """Fit all problems (columns); cells with ``prior == 0`` are absent (R drops them).

    ``y`` must be finite on absent cells (any value: their weight is 0).
    """
    fit, unsafe = _fit_fast(y, prior, lay, start, trend, maxit, epsilon)
    if not unsafe.any():
        return fit
    sel = np.flatnonzero(unsafe)
    ref = _fit_reference(y[:, sel], prior[:, sel], lay.subset(sel), trend, maxit, epsilon)
    merged = {}
    for name in GlmFit.__dataclass_fields__:
        if name == "with_trend":
            continue
        arr = np.array(getattr(fit, name), copy=True)
        arr[..., sel] = getattr(ref, name)
        merged[name] = arr
    return GlmFit(with_trend=trend, **merged)


def hat_values(fit: GlmFit, lay: Layout) -> np.ndarray:
    """Diagonal of the hat matrix of the final weighted fit (``hatvalues(glm)``)."""
    q = lay.spread(fit.var_level)
    if fit.with_trend:
        t = lay.t
        q = q + (2.0 * lay.spread(fit.cov_trend_level) + fit.var_trend * t) * t
    h = fit.w_work * q
    return np.where(h > 1.0 - 10.0 * EPS, 1.0, h)


def mu_power(fit: GlmFit, lay: Layout, power: float) -> np.ndarray:
    """``mu ** power`` from the coefficients (``exp(power * eta)``) where the fit was fast."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = lay.spread(np.exp(power * np.where(fit.exact, 0.0, fit.beta)))
        if fit.with_trend:
            out = out * lay.exp_bt(power * np.where(fit.exact, 0.0, fit.trend))
    if fit.exact.any():
        cols = np.flatnonzero(fit.exact)
        out[:, cols] = fit.mu[:, cols] ** power
    return out
