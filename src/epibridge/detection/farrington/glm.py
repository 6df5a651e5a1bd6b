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
cell with the direct transcription of ``glm.fit`` in :func:`_fit_reference`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from epibridge.detection.farrington.layout import Layout

EPS = np.finfo(np.float64).eps
#: Linear predictors outside this range leave the fast path: below it R's clamp
#: ``mu >= eps`` (eta < -36.04) may bite, above it ``exp`` may overflow.
_ETA_SAFE = (-30.0, 600.0)


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
        mu = _linkinv(eta)
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


def _linkinv(eta: np.ndarray) -> np.ndarray:
    """R's log-link inverse and ``mu.eta``: ``pmax(exp(eta), .Machine$double.eps)``."""
    with np.errstate(over="ignore"):
        return np.maximum(np.exp(eta), EPS)


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
    fit = _finish(
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


def _finish(
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


def _fit_reference(
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
    mu = _linkinv(eta)
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
        new_mu = _linkinv(new_eta)
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
    return _finish(
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
