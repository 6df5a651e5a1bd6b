"""Cells of many GLM problems laid out on one grid, with fast per-level sums.

All problems handed to the fitter together share which column belongs to
which ``seasgroups`` level (the design depends only on the time axis), so a
sum per level is ``np.add.reduceat`` over runs of equal level: no per-row
index arrays and no BLAS call, whose blocking would make a problem's result
depend on how many other problems share the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Width of the blocks ``exp(b * t)`` is assembled from on an integer time axis.
_BLOCK = 16


@dataclass(frozen=True)
class Layout:
    """Column structure shared by a batch of problems.

    ``level`` is ``(width,)`` (0-based ``seasgroups``); ``t`` is the centred
    time covariate, ``(1, width)`` when every problem has the same one (index
    mode) or ``(n, width)``.
    """

    level: np.ndarray
    n_levels: int
    t: np.ndarray
    _starts: np.ndarray = field(init=False, repr=False)
    _order: np.ndarray = field(init=False, repr=False)
    _bounds: np.ndarray = field(init=False, repr=False)
    _used: np.ndarray = field(init=False, repr=False)
    _simple: bool = field(init=False, repr=False)
    _t0: float | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        level = self.level
        starts = np.flatnonzero(np.concatenate([[True], level[1:] != level[:-1]]))
        run_level = level[starts]
        order = np.argsort(run_level, kind="stable")
        counts = np.bincount(run_level, minlength=self.n_levels)
        used = np.flatnonzero(counts)
        bounds = np.concatenate([[0], np.cumsum(counts[used])[:-1]])
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_order", order)
        object.__setattr__(self, "_bounds", bounds)
        object.__setattr__(self, "_used", used)
        simple = starts.size == self.n_levels and np.array_equal(run_level, np.arange(starts.size))
        object.__setattr__(self, "_simple", bool(simple))
        t = self.t
        t0: float | None = None
        if t.shape[0] == 1 and t.shape[1] > _BLOCK:
            row = t[0]
            if np.array_equal(row, row[0] + np.arange(row.size)):
                t0 = float(row[0])
        object.__setattr__(self, "_t0", t0)

    @property
    def width(self) -> int:
        return int(self.level.size)

    def subset(self, sel: np.ndarray) -> Layout:
        """The same columns for a subset of problems."""
        return self if self.t.shape[0] == 1 else Layout(self.level, self.n_levels, self.t[sel])

    def level_sums(self, x: np.ndarray) -> np.ndarray:
        """``(n, width)`` -> ``(n, n_levels)`` sums per level (0 for levels without columns)."""
        runs = np.add.reduceat(x, self._starts, axis=1)
        if self._simple:
            return runs
        per = np.add.reduceat(runs[:, self._order], self._bounds, axis=1)
        if self._used.size == self.n_levels:
            return per
        out = np.zeros((x.shape[0], self.n_levels))
        out[:, self._used] = per
        return out

    def spread(self, per_level: np.ndarray) -> np.ndarray:
        """``(n, n_levels)`` -> ``(n, width)``: each column gets its level's value."""
        return per_level[:, self.level]

    def exp_bt(self, b: np.ndarray, sel: np.ndarray | None = None) -> np.ndarray:
        """``exp(b * t)`` per problem and column.

        On a common integer time axis (index mode) this is the outer product
        of two small tables, ``exp(b (t0 + 16 q)) * exp(b s)``: one multiply per
        cell instead of an ``exp`` (which NumPy does not vectorise for float64
        without AVX-512). The two agree to a few units in the last place.
        """
        t = self.t if sel is None or self.t.shape[0] == 1 else self.t[sel]
        if self._t0 is None:
            with np.errstate(over="ignore"):
                return np.exp(b[:, None] * t)
        width = self.width
        q = -(-width // _BLOCK)
        with np.errstate(over="ignore"):
            hi = np.exp(b[:, None] * (self._t0 + _BLOCK * np.arange(q)))
            lo = np.exp(b[:, None] * np.arange(_BLOCK, dtype=np.float64))
        full = (hi[:, :, None] * lo[:, None, :]).reshape(b.size, q * _BLOCK)
        return full[:, :width]

    def t_for(self, sel: np.ndarray | None) -> np.ndarray:
        return self.t if sel is None or self.t.shape[0] == 1 else self.t[sel]

    def level_t_range(self) -> tuple[np.ndarray, np.ndarray]:
        """Smallest and largest ``t`` of each level (per problem when ``t`` is)."""
        n = self.t.shape[0]
        lo = np.full((n, self.n_levels), np.inf)
        hi = np.full((n, self.n_levels), -np.inf)
        for lvl in self._used.tolist():
            cols = self.level == lvl
            lo[:, lvl] = self.t[:, cols].min(axis=1)
            hi[:, lvl] = self.t[:, cols].max(axis=1)
        return lo, hi
