/* farringtonFlexible's GLM fits, one problem at a time (see native.py).
 *
 * A transcription of the NumPy path (glm.py: _fit_fast, _solve, _unsafe; glm_state.py: finish;
 * fit.py: _fit_glm, anscombe_weights; glm.py: hat_values, mu_power) for one
 * problem: the same operations in the same order (sums row after row, products
 * grouped as NumPy groups them, exp(b t) from the same two tables), so results
 * agree with the NumPy path to the last bit or two. Every problem's ~240 cells sit
 * in small buffers that stay in L1 cache instead of ~150 passes over
 * (cells x problems) arrays in memory.
 *
 * Compile with -ffp-contract=off (no fused multiply-add: NumPy rounds every
 * product) and without -ffast-math. Problems whose linear predictor leaves the
 * safe range are flagged (OUT_FALLBACK) and refitted by the NumPy path, whose exact
 * fallback transcribes R's glm.fit cell by cell.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define ETA_LO (-30.0) /* glm._ETA_SAFE */
#define ETA_HI 600.0
#define BLOCK 16 /* layout._BLOCK */
#define EPS 2.220446049250313e-16
#define POWER (-1.0 / 6.0) /* mu^(-1/6) in the Anscombe residual */

/* columns of `out`, as native.py names them */
enum { OUT_ETA, OUT_VAR, OUT_TREND, OUT_VAR_TREND, OUT_DF, OUT_SD, OUT_PHI, OUT_CONV,
       OUT_YMAX, OUT_FALLBACK, N_OUT };
/* fields of a `grid` cell (one cache line) and rows of the per-problem cell buffer */
enum { F_Y, F_MU0, F_G, F_D0, F_YLOGY, F_Y23, F_PRESENT, N_GRID, N_FIELDS = 8 };

typedef struct {   /* the shared time axis and exp(b t) tables (Layout.exp_bt) */
    int table;
    const int64_t *q, *sidx;
    const double *hi_t;
    int64_t n_hi;
    double *hi_buf, lo_buf[BLOCK];
} Axis;

typedef struct {   /* per-level vectors of one fit */
    double *a, *vl, *ctl, *m_prev, *p_l, *py_l, *d, *r, *c, *m, *s0, *s1, *s2, *lo, *hi;
    char *empty;
    int64_t n;
} Levels;

typedef struct {   /* scalar results of one fit (glm.GlmFit for one problem) */
    double b, var_t, df, disp;
    int converged, unsafe;
} Fit;

static void exp_bt(double b, const double *restrict t, int64_t width, Axis *restrict ax,
                   double *restrict out) {
    if (ax->table) {
        for (int64_t i = 0; i < ax->n_hi; i++) ax->hi_buf[i] = exp(ax->hi_t[i] * b);
        for (int i = 0; i < BLOCK; i++) ax->lo_buf[i] = exp((double)i * b);
        for (int64_t k = 0; k < width; k++) out[k] = ax->hi_buf[ax->q[k]] * ax->lo_buf[ax->sidx[k]];
    } else {
        for (int64_t k = 0; k < width; k++) out[k] = exp(t[k] * b);
    }
}

/* glm._solve: [[s, c'], [c, diag(d)]] [b; a] = [r0; r], with the inverse's pieces */
static void solve(Levels *v, int trend, double s, double r0, double *b, double *var_t) {
    int64_t n = v->n;
    for (int64_t l = 0; l < n; l++)
        if (v->empty[l]) { v->d[l] = 1.0; v->r[l] = 0.0; }
    if (!trend) {
        for (int64_t l = 0; l < n; l++) {
            v->a[l] = v->r[l] / v->d[l];
            v->vl[l] = v->empty[l] ? 0.0 : 1.0 / v->d[l];
            v->ctl[l] = 0.0 * v->d[l];
        }
        *b = NAN;
        *var_t = 0.0;
        return;
    }
    double cu = 0.0, ur = 0.0;
    for (int64_t l = 0; l < n; l++) {
        if (v->empty[l]) v->c[l] = 0.0;
        double u = v->c[l] / v->d[l];
        cu = l == 0 ? v->c[l] * u : cu + v->c[l] * u;
    }
    double vt = 1.0 / (s - cu);
    for (int64_t l = 0; l < n; l++) {
        double u = v->c[l] / v->d[l];
        ur = l == 0 ? u * v->r[l] : ur + u * v->r[l];
    }
    double bb = (r0 - ur) * vt;
    for (int64_t l = 0; l < n; l++) {
        double u = v->c[l] / v->d[l];
        v->a[l] = (v->r[l] - v->c[l] * bb) / v->d[l];
        v->ctl[l] = v->empty[l] ? 0.0 : -u * vt;
        v->vl[l] = v->empty[l] ? 0.0 : 1.0 / v->d[l] + u * u * vt;
    }
    *b = bb;
    *var_t = vt;
}

/* glm._unsafe: eta outside the range where exp needs no clamp or overflow guard */
static int unsafe(const Levels *v, double b, int trend) {
    for (int64_t l = 0; l < v->n; l++) {
        double e_lo, e_hi;
        if (v->empty[l]) continue;
        if (trend) {
            if (!isfinite(v->lo[l])) continue;
            double bl = b * v->lo[l], bh = b * v->hi[l];
            if (isnan(bl) || isnan(bh)) return 1;
            e_lo = v->a[l] + (bl < bh ? bl : bh);
            e_hi = v->a[l] + (bl < bh ? bh : bl);
        } else {
            e_lo = e_hi = v->a[l];
        }
        if (!(isfinite(e_lo) && isfinite(e_hi))) return 1;
        if (e_lo < ETA_LO || e_hi > ETA_HI) return 1;
    }
    return 0;
}

/* exp(b t) into `e_bt` and, per level, the sums of e, e t and e t t with e = exp(b t) * w
 * (Layout.exp_bt and Layout.moments in one pass). Each sum runs row after row as in NumPy;
 * two levels at a time so that their additions overlap. */
static inline void cell_moments(double eb, double wk, double tk, double *s) {
    double e = eb * wk, et = e * tk;
    s[0] += e;
    s[1] += et;
    s[2] += et * tk;
}

static void moments(double b, const double *restrict w, const double *restrict t,
                    const int64_t *bounds, int64_t n_lev, Axis *restrict ax,
                    double *restrict e_bt, Levels *v) {
    if (ax->table) {
        for (int64_t i = 0; i < ax->n_hi; i++) ax->hi_buf[i] = exp(ax->hi_t[i] * b);
        for (int i = 0; i < BLOCK; i++) ax->lo_buf[i] = exp((double)i * b);
    }
    const double *hi = ax->hi_buf, *lo = ax->lo_buf;
    const int64_t *q = ax->q, *sidx = ax->sidx;
    int table = ax->table;
#define EBT(k) (e_bt[k] = table ? hi[q[k]] * lo[sidx[k]] : exp(t[k] * b))
    for (int64_t l = 0; l < n_lev; l += 2) {
        int64_t i = bounds[l], i_end = bounds[l + 1];
        int64_t j = l + 1 < n_lev ? bounds[l + 1] : 0, j_end = l + 1 < n_lev ? bounds[l + 2] : 0;
        double sa[3] = {0.0, 0.0, 0.0}, sb[3] = {0.0, 0.0, 0.0};
        for (; i < i_end && j < j_end; i++, j++) {
            cell_moments(EBT(i), w[i], t[i], sa);
            cell_moments(EBT(j), w[j], t[j], sb);
        }
        for (; i < i_end; i++) cell_moments(EBT(i), w[i], t[i], sa);
        for (; j < j_end; j++) cell_moments(EBT(j), w[j], t[j], sb);
        v->s0[l] = sa[0]; v->s1[l] = sa[1]; v->s2[l] = sa[2];
        if (l + 1 < n_lev) { v->s0[l + 1] = sb[0]; v->s1[l + 1] = sb[1]; v->s2[l + 1] = sb[2]; }
    }
#undef EBT
}

/* glm._fit_fast + glm_state.finish for one problem with prior weights w.
 * Fills v, mu (fitted values) and ww (the working weights R reports). */
static Fit irls(double *const *cell, const double *restrict t, const double *restrict w,
                int64_t width, const int64_t *bounds, int trend, int maxit, double epsilon,
                Axis *ax, Levels *v, double *restrict mu, double *restrict ww,
                double *restrict ebuf, double *restrict ebuf2, double *restrict tmp) {
    const double *restrict y = cell[F_Y], *restrict mu0 = cell[F_MU0], *restrict g = cell[F_G],
                 *restrict d0 = cell[F_D0], *restrict ylogy = cell[F_YLOGY];
    int64_t n_lev = v->n, n_pos = 0, n_empty = 0;
    double cnst = 0.0, devold = 0.0, s = 0.0, r0 = 0.0, py_t = 0.0, b, var_t;
    double *e_cur = ebuf, *e_prev = ebuf2;
    Fit f = {0.0, 0.0, 0.0, NAN, 0, 0};
    /* sums for the first iteration (from R's start mu = y + 0.1) and the deviance's
     * constants, in two passes so that every running sum stays in a register */
    for (int64_t l = 0; l < n_lev; l++) {
        double sp = 0.0, spy = 0.0, sd1 = 0.0, sr1 = 0.0;
        for (int64_t k = bounds[l]; k < bounds[l + 1]; k++) {
            double wk = w[k];
            n_pos += wk > 0.0;
            sp += wk;
            spy += wk * y[k];
            sd1 += wk * mu0[k];
            sr1 += wk * g[k];
            cnst += wk * ylogy[k];
            devold += wk * d0[k];
        }
        v->p_l[l] = sp; v->py_l[l] = spy; v->d[l] = sd1; v->r[l] = sr1; v->c[l] = 0.0;
        v->empty[l] = sp == 0.0;
        n_empty += v->empty[l];
    }
    if (trend) {
        for (int64_t l = 0; l < n_lev; l++) {
            double sc1 = 0.0, lo_l = INFINITY, hi_l = -INFINITY;
            for (int64_t k = bounds[l]; k < bounds[l + 1]; k++) {
                double wk = w[k], tk = t[k], wmu = wk * mu0[k];
                sc1 += wmu * tk;
                s += wmu * (tk * tk);
                r0 += (wk * g[k]) * tk;
                py_t += (wk * y[k]) * tk;
                lo_l = lo_l < tk ? lo_l : tk;
                hi_l = hi_l > tk ? hi_l : tk;
            }
            v->c[l] = sc1; v->lo[l] = lo_l; v->hi[l] = hi_l;
        }
    }
    solve(v, trend, s, r0, &b, &var_t);
    int first = 1;
    for (int it = 1; it <= maxit; it++) {
        double sa = 0.0, sm = 0.0, dev;
        if (unsafe(v, b, trend)) { f.unsafe = 1; return f; }
        if (trend) {
            moments(b, w, t, bounds, n_lev, ax, e_cur, v);
            for (int64_t l = 0; l < n_lev; l++) {
                v->m[l] = exp(v->a[l]);
                sa = l == 0 ? v->a[l] * v->py_l[l] : sa + v->a[l] * v->py_l[l];
                sm = l == 0 ? v->m[l] * v->s0[l] : sm + v->m[l] * v->s0[l];
            }
            dev = 2.0 * ((cnst - sa) - b * py_t + sm);
        } else {
            for (int64_t l = 0; l < n_lev; l++) {
                v->m[l] = exp(v->a[l]);
                v->s0[l] = v->p_l[l];
                sa = l == 0 ? v->a[l] * v->py_l[l] : sa + v->a[l] * v->py_l[l];
                sm = l == 0 ? v->m[l] * v->s0[l] : sm + v->m[l] * v->s0[l];
            }
            dev = 2.0 * ((cnst - sa) + sm);
        }
        if (!isfinite(dev)) { f.unsafe = 1; return f; }
        int done = fabs(dev - devold) / (fabs(dev) + 0.1) < epsilon;
        if (done || it == maxit) { f.converged = done; break; }
        devold = dev;
        first = 0;
        double sr0 = 0.0, sms2 = 0.0;
        for (int64_t l = 0; l < n_lev; l++) {
            v->d[l] = v->m[l] * v->s0[l];
            v->r[l] = v->d[l] * (v->a[l] - 1.0) + v->py_l[l];
            v->m_prev[l] = v->m[l];
            if (trend) {
                double ms2 = v->m[l] * v->s2[l], term;
                v->c[l] = v->m[l] * v->s1[l];
                v->r[l] += v->c[l] * b;
                term = v->c[l] * (v->a[l] - 1.0) + ms2 * b;
                sr0 = l == 0 ? term : sr0 + term;
                sms2 = l == 0 ? ms2 : sms2 + ms2;
            }
        }
        double *swap = e_prev;
        e_prev = e_cur;  /* exp(b t) of this iteration's b, which becomes pb */
        e_cur = swap;
        solve(v, trend, sms2, sr0 + py_t, &b, &var_t);
    }
    /* fitted values of the final update, exp(a + b t), and working weights of the last
     * iteration, exp(pa + pb t): both exps were taken in the last two iterations */
    for (int64_t l = 0; l < n_lev; l++) {
        double ea = v->m[l], ep = v->m_prev[l];
        int64_t lo = bounds[l], hi = bounds[l + 1];
        if (trend) {
            for (int64_t k = lo; k < hi; k++) mu[k] = ea * e_cur[k];
        } else {
            for (int64_t k = lo; k < hi; k++) mu[k] = ea;
        }
        if (first) {
            for (int64_t k = lo; k < hi; k++) ww[k] = mu0[k] * w[k];
        } else if (trend) {
            for (int64_t k = lo; k < hi; k++) ww[k] = ep * e_prev[k] * w[k];
        } else {
            for (int64_t k = lo; k < hi; k++) ww[k] = ep * w[k];
        }
    }
    for (int64_t k = 0; k < width; k++) {
        double res = (y[k] - mu[k]) / mu[k];
        tmp[k] = res * res * ww[k];
    }
    double pearson = 0.0;
    for (int64_t k = 0; k < width; k++) pearson += tmp[k];
    f.b = b;
    f.var_t = var_t;
    f.df = (double)(n_pos - (n_lev - n_empty + (trend ? 1 : 0)));
    f.disp = f.df > 0 ? pearson / (f.df > 1.0 ? f.df : 1.0) : NAN;
    return f;
}

static double at_least_one(double x) { return (isnan(x) || x > 1.0) ? x : 1.0; }

static void put(double *o, const Levels *v, Fit f, double sd, double disp, int conv) {
    o[OUT_ETA] = v->a[v->n - 1];
    o[OUT_VAR] = v->vl[v->n - 1];
    o[OUT_TREND] = f.b;
    o[OUT_VAR_TREND] = f.var_t;
    o[OUT_DF] = f.df;
    o[OUT_SD] = sd;
    o[OUT_PHI] = at_least_one(disp);
    o[OUT_CONV] = conv ? 1.0 : 0.0;
}

/* fit._fit_glm (first fit, Anscombe reweighting, second fit) for each problem of
 * `probs`. grid is (n_series, n_time, N_FIELDS); problem j is monitored point
 * j / n_series (row of `rows`: time index of each cell, cells sorted by level,
 * level l = cells bounds[l]..bounds[l+1]-1) of series j % n_series; t is
 * (width, t_cols) with t_cols 1 (shared) or one column per problem. out is
 * (n_probs, N_OUT). Returns 0, or -1 if memory ran out. */
int fit_problems(const double *grid, int64_t n_series, int64_t n_time, const int64_t *rows,
                 int64_t width, const int64_t *bounds, int64_t n_lev, const double *t,
                 int64_t t_cols, int table, const int64_t *q, const int64_t *sidx,
                 const double *hi_t, int64_t n_hi, const int64_t *probs, int64_t n_probs,
                 int trend, int reweight, double thr, int maxit, double epsilon, double *out) {
    int64_t n_buf = (N_GRID + 7) * width + 15 * n_lev + n_hi + 1;
    double *buf = malloc(sizeof(double) * n_buf);
    char *empty = malloc(n_lev + 1);
    if (!buf || !empty) { free(buf); free(empty); return -1; }
    double *cell[N_GRID], *p = buf;
    for (int f = 0; f < N_GRID; f++, p += width) cell[f] = p;
    double *restrict tt = p, *restrict w = p + width, *restrict mu = p + 2 * width,
           *restrict ww = p + 3 * width, *restrict ebuf = p + 4 * width,
           *restrict ebuf2 = p + 5 * width, *restrict tmp = p + 6 * width, *lv = p + 7 * width;
    Levels v = {lv, lv + n_lev, lv + 2 * n_lev, lv + 3 * n_lev, lv + 4 * n_lev, lv + 5 * n_lev,
                lv + 6 * n_lev, lv + 7 * n_lev, lv + 8 * n_lev, lv + 9 * n_lev, lv + 10 * n_lev,
                lv + 11 * n_lev, lv + 12 * n_lev, lv + 13 * n_lev, lv + 14 * n_lev, empty, n_lev};
    Axis ax = {table, q, sidx, hi_t, n_hi, lv + 15 * n_lev, {0}};
    for (int64_t ii = 0; ii < n_probs; ii++) {
        int64_t j = probs[ii], ik = j / n_series, js = j % n_series;
        const int64_t *row = rows + ik * width;
        double *o = out + ii * N_OUT, ymax = -INFINITY;
        for (int c = 0; c < N_OUT; c++) o[c] = NAN;
        const double *tk = t;
        for (int64_t k = 0; k < width; k++) {
            const double *src = grid + (js * n_time + row[k]) * N_FIELDS;
            for (int f = 0; f < N_GRID; f++) cell[f][k] = src[f];
            w[k] = src[F_PRESENT];
            if (w[k] > 0.0 && src[F_Y] > ymax) ymax = src[F_Y];
        }
        if (t_cols > 1) {
            for (int64_t k = 0; k < width; k++) tt[k] = t[k * t_cols + j];
            tk = tt;
        }
        o[OUT_YMAX] = ymax;
        o[OUT_FALLBACK] = 0.0;
        Fit f1 = irls(cell, tk, w, width, bounds, trend, maxit, epsilon, &ax, &v, mu, ww, ebuf, ebuf2, tmp);
        if (f1.unsafe) { o[OUT_FALLBACK] = 1.0; continue; }
        if (!reweight) { put(o, &v, f1, f1.disp, f1.disp, f1.converged); continue; }
        /* hat values and Anscombe residuals -> weights omega (fit.anscombe_weights) */
        double phi = at_least_one(f1.disp), total = 0.0, *term = tmp;
        if (trend) exp_bt(POWER * f1.b, tk, width, &ax, ebuf);
        for (int64_t l = 0; l < n_lev; l++) {
            double ea = exp(POWER * v.a[l]), vl = v.vl[l], c2 = 2.0 * v.ctl[l], vt = f1.var_t;
            const double *y23 = cell[F_Y23];
            int64_t lo = bounds[l], hi = bounds[l + 1];
            if (trend) {
                for (int64_t k = lo; k < hi; k++) {
                    double h = ww[k] * (vl + (c2 + vt * tk[k]) * tk[k]);
                    h = h > 1.0 - 10.0 * EPS ? 1.0 : h;
                    double s = 1.5 * (y23[k] * (ea * ebuf[k]) - sqrt(mu[k]));
                    s = s / sqrt(phi * (1.0 - h));
                    term[k] = s > thr ? 1.0 / (s * s) : 1.0;
                }
            } else {
                for (int64_t k = lo; k < hi; k++) {
                    double h = ww[k] * vl;
                    h = h > 1.0 - 10.0 * EPS ? 1.0 : h;
                    double s = 1.5 * (y23[k] * ea - sqrt(mu[k]));
                    s = s / sqrt(phi * (1.0 - h));
                    term[k] = s > thr ? 1.0 / (s * s) : 1.0;
                }
            }
        }
        int64_t n_pres = 0;
        for (int64_t k = 0; k < width; k++) {
            n_pres += w[k] > 0.0;
            total += w[k] > 0.0 ? term[k] : 0.0;
        }
        double gamma = (double)n_pres / total;
        for (int64_t k = 0; k < width; k++) w[k] = w[k] > 0.0 ? gamma * term[k] : 0.0;
        Fit f2 = irls(cell, tk, w, width, bounds, trend, maxit, epsilon, &ax, &v, mu, ww, ebuf, ebuf2, tmp);
        if (f2.unsafe) { o[OUT_FALLBACK] = 1.0; continue; }
        /* summary.glm's dispersion with the prior weights as working weights */
        for (int64_t k = 0; k < width; k++) {
            double res = (cell[F_Y][k] - mu[k]) / mu[k];
            tmp[k] = w[k] > 0.0 ? w[k] * (res * res) : 0.0;
        }
        total = 0.0;
        for (int64_t k = 0; k < width; k++) total += tmp[k];
        double sd = f2.df > 0 ? total / (f2.df > 1.0 ? f2.df : 1.0) : NAN;
        put(o, &v, f2, sd, f2.disp, f1.converged);
    }
    free(buf);
    free(empty);
    return 0;
}
