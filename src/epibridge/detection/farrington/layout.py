"""Cells of many GLM problems laid out on one grid, with fast per-level sums.

Arrays are ``(width, n)``: one row per baseline cell, one column per problem
(series x monitored point), so every elementwise step and every reduction runs
along long contiguous rows. All problems fitted together share which row
belongs to which ``seasgroups`` level (the design depends only on the time
axis), and rows are sorted by level, so a sum per level is a sum over a slice
of rows: no index arrays, no ``reduceat`` (slow on short segments) and no BLAS
call, whose blocking would make a problem's result depend on how many other
problems share the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Width of the blocks ``exp(b * t)`` is assembled from on an integer time axis.
_BLOCK = 16


@dataclass(frozen=True)
class Layout:
    """Row structure shared by a batch of problems.

    ``level`` is ``(width,)``, 0-based ``seasgroups``, sorted; ``t`` is the
    centred time covariate, ``(width, 1)`` when every problem has the same one
    (index mode) or ``(width, n)``.
    """

    level: np.ndarray
    n_levels: int
    t: np.ndarray
    _bounds: np.ndarray = field(init=False, repr=False)
    _hi_t: np.ndarray | None = field(init=False, repr=False)
    _q: np.ndarray | None = field(init=False, repr=False)
    _s: np.ndarray | None = field(init=False, repr=False)
    _powers: dict[int, np.ndarray] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        if np.any(np.diff(self.level) < 0):
            raise ValueError("layout rows must be sorted by level")
        bounds = np.searchsorted(self.level, np.arange(self.n_levels + 1))
        object.__setattr__(self, "_bounds", bounds)
        hi_t = q = s = None
        t = self.t
        if t.shape[1] == 1 and t.shape[0] > _BLOCK:
            col = t[:, 0]
            if np.all(col == np.round(col)):
                base = col.min()
                u = (col - base).astype(np.int64)
                q, s = u // _BLOCK, u % _BLOCK
                hi_t = base + _BLOCK * np.arange(q.max() + 1, dtype=np.float64)
        object.__setattr__(self, "_hi_t", hi_t)
        object.__setattr__(self, "_q", q)
        object.__setattr__(self, "_s", s)

    @property
    def level_sizes(self) -> np.ndarray:
        """Rows per level, ``(n_levels,)``."""
        return np.diff(self._bounds).astype(np.float64)

    @property
    def width(self) -> int:
        return int(self.level.size)

    @property
    def bounds(self) -> np.ndarray:
        """Row slice of each level: level ``l`` is rows ``bounds[l]:bounds[l + 1]``."""
        return self._bounds

    def exp_table(self) -> tuple[bool, np.ndarray, np.ndarray, np.ndarray]:
        """``(used, q, s, hi_t)`` of :meth:`exp_bt`'s two-table scheme, for the kernel."""
        if self._hi_t is None or self._q is None or self._s is None:
            none = np.zeros(0, dtype=np.int64)
            return False, none, none, np.zeros(0)
        return True, self._q, self._s, self._hi_t

    def t_of(self, cols: np.ndarray | None) -> np.ndarray:
        """``t`` for a subset of problems (columns)."""
        return self.t if cols is None or self.t.shape[1] == 1 else self.t[:, cols]

    def subset(self, cols: np.ndarray) -> Layout:
        """The same rows for a subset of problems."""
        return self if self.t.shape[1] == 1 else Layout(self.level, self.n_levels, self.t[:, cols])

    def level_sums(self, x: np.ndarray) -> np.ndarray:
        """``(width, n)`` -> ``(n_levels, n)`` sums per level (0 for levels without rows)."""
        return self.level_dot(x)

    def _t_power(self, power: int) -> np.ndarray:
        cached = self._powers.get(power)
        if cached is None:
            cached = self.t[:, 0] ** power if self.t.shape[1] == 1 else self.t**power
            self._powers[power] = cached
        return cached

    def _reduce(self, x: np.ndarray) -> np.ndarray:
        """Per-level sums of rows. ``np.add.reduce`` over the leading axis adds row after
        row for every column, so a problem's sum never depends on the batch around it
        (``einsum``, pairwise or BLAS reductions would)."""
        out = np.zeros((self.n_levels, x.shape[1]))
        bounds = self._bounds
        for lvl in range(self.n_levels):
            if bounds[lvl + 1] > bounds[lvl]:
                np.add.reduce(x[bounds[lvl] : bounds[lvl + 1]], axis=0, out=out[lvl])
        return out

    def _times_t(self, x: np.ndarray, power: int, out: np.ndarray | None) -> np.ndarray:
        tp = self._t_power(power)
        return np.multiply(x, tp[:, None] if tp.ndim == 1 else tp, out=out)

    def _product(self, arrays: tuple[np.ndarray, ...], t_power: int) -> np.ndarray:
        prod = arrays[0]
        for k, x in enumerate(arrays[1:]):
            prod = np.multiply(prod, x) if k == 0 else np.multiply(prod, x, out=prod)
        if t_power:
            prod = self._times_t(prod, t_power, None if prod is arrays[0] else prod)
        return prod

    def level_dot(self, *arrays: np.ndarray, t_power: int = 0) -> np.ndarray:
        """``sum over the rows of each level of prod(arrays) * t**t_power``, ``(n_levels, n)``."""
        return self._reduce(self._product(arrays, t_power))

    def total_dot(self, *arrays: np.ndarray, t_power: int = 0) -> np.ndarray:
        """``sum over all rows of prod(arrays) * t**t_power``, ``(n,)``."""
        return np.add.reduce(self._product(arrays, t_power), axis=0)

    def moments(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-level sums of ``x``, ``x t`` and ``x t^2`` with one scratch array."""
        s0 = self._reduce(x)
        buf = self._times_t(x, 1, None)
        s1 = self._reduce(buf)
        s2 = self._reduce(self._times_t(buf, 1, buf))
        return s0, s1, s2

    def spread(self, per_level: np.ndarray) -> np.ndarray:
        """``(n_levels, n)`` -> ``(width, n)``: each row gets its level's value."""
        return per_level[self.level]

    def exp_bt(self, b: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """``exp(b * t)`` per row and problem.

        On a common integer time axis (index mode) this is the product of two
        small tables, ``exp(b (t0 + 16 q)) * exp(b s)`` for ``t = t0 + 16 q + s``: a
        gather and a multiply per cell instead of an ``exp`` (which NumPy does not
        vectorise for float64 without AVX-512). Both agree to a few units in the
        last place.
        """
        with np.errstate(over="ignore"):
            if self._hi_t is None or self._q is None or self._s is None:
                return np.exp(self.t_of(cols) * b[None, :])
            hi = np.exp(self._hi_t[:, None] * b[None, :])
            lo = np.exp(np.arange(_BLOCK, dtype=np.float64)[:, None] * b[None, :])
        return hi[self._q] * lo[self._s]

    def level_t_range(self) -> tuple[np.ndarray, np.ndarray]:
        """Smallest and largest ``t`` of each level, ``(n_levels, 1 or n)``; +-inf if no rows."""
        m = self.t.shape[1]
        lo = np.full((self.n_levels, m), np.inf)
        hi = np.full((self.n_levels, m), -np.inf)
        b = self._bounds
        for lvl in range(self.n_levels):
            if b[lvl + 1] > b[lvl]:
                lo[lvl] = self.t[b[lvl] : b[lvl + 1]].min(axis=0)
                hi[lvl] = self.t[b[lvl] : b[lvl + 1]].max(axis=0)
        return lo, hi
