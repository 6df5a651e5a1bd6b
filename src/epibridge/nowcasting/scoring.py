"""Scores of quantile forecasts: weighted interval score, central coverage, bias.

Quantiles sit on the last axis at ``levels`` (default ``QUANTILES``), symmetric around a
median at 0.5. The WIS is Bracher et al. (2021)'s, with the canonical weights
``w_0 = 1/2`` for the median and ``α_k / 2`` for the central ``1 - α_k`` interval:
``WIS = (w_0 |y - m| + Σ_k α_k/2 · IS_{α_k}) / (K + 1/2)``, equal to ``scoringrules``'s
``weighted_interval_score`` (tested). A point forecast (all quantiles equal, as the naive
"latest as reported") scores its absolute error. Bias is scoringutils' quantile bias in
``[-1, 1]``: positive when the forecast is too high. Targets or forecasts that are NaN
score NaN and are left out of means.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from epibridge.nowcasting import QUANTILES


def _central_pairs(levels: tuple[float, ...]) -> tuple[int, list[tuple[int, int, float]]]:
    lv = np.round(np.asarray(levels), 10)
    median = np.flatnonzero(lv == 0.5)
    if median.size != 1:
        raise ValueError("quantile levels need the median (0.5)")
    pairs = []
    for i, low in enumerate(lv):
        if low < 0.5:
            upper = np.flatnonzero(lv == np.round(1 - low, 10))
            if upper.size != 1:
                raise ValueError(f"quantile level {low} has no symmetric partner")
            pairs.append((i, int(upper[0]), float(2 * low)))
    return int(median[0]), pairs


def interval_score(y: np.ndarray, lower: np.ndarray, upper: np.ndarray, alpha: float) -> np.ndarray:
    """Interval score of the central ``1 - alpha`` interval."""
    below = np.maximum(lower - y, 0.0)
    above = np.maximum(y - upper, 0.0)
    return (upper - lower) + (2.0 / alpha) * (below + above)


def weighted_interval_score(
    y: np.ndarray, quantiles: np.ndarray, levels: tuple[float, ...] = QUANTILES
) -> np.ndarray:
    """WIS of each forecast (module docstring); shape of ``y``."""
    median, pairs = _central_pairs(levels)
    total = 0.5 * np.abs(y - quantiles[..., median])
    for lo, hi, alpha in pairs:
        total = total + alpha / 2 * interval_score(y, quantiles[..., lo], quantiles[..., hi], alpha)
    return total / (len(pairs) + 0.5)


def coverage(
    y: np.ndarray, quantiles: np.ndarray, central: float, levels: tuple[float, ...] = QUANTILES
) -> np.ndarray:
    """1.0 where ``y`` lies in the central ``central`` interval (bounds included), else 0.0."""
    _, pairs = _central_pairs(levels)
    for lo, hi, alpha in pairs:
        if np.isclose(1 - alpha, central):
            inside = (y >= quantiles[..., lo]) & (y <= quantiles[..., hi])
            unknown = np.isnan(y) | np.isnan(quantiles[..., lo]) | np.isnan(quantiles[..., hi])
            return np.where(unknown, np.nan, inside.astype(float))
    raise ValueError(f"no central {central:.0%} interval among the quantile levels")


def quantile_bias(
    y: np.ndarray, quantiles: np.ndarray, levels: tuple[float, ...] = QUANTILES
) -> np.ndarray:
    """scoringutils' bias: ``1 - 2 max{τ: q_τ <= y}`` below the median.

    Above it ``1 - 2 min{τ: q_τ >= y}``; 0 at the median, ±1 outside every quantile.
    """
    lv = np.asarray(levels)
    median = quantiles[..., _central_pairs(levels)[0]]
    yy = y[..., np.newaxis]
    below_level = np.max(np.where(quantiles <= yy, lv, 0.0), axis=-1)
    above_level = np.min(np.where(quantiles >= yy, lv, 1.0), axis=-1)
    bias = np.where(y < median, 1 - 2 * below_level, 1 - 2 * above_level)
    bias = np.where(y == median, 0.0, bias)
    return np.where(np.isnan(y) | np.isnan(quantiles).any(axis=-1), np.nan, bias)


@dataclass(frozen=True)
class Scores:
    """Per-forecast scores, all of one shape; NaN where there was nothing to score."""

    wis: np.ndarray
    coverage_50: np.ndarray
    coverage_90: np.ndarray
    bias: np.ndarray

    def summary(self, axis: int | tuple[int, ...] | None = None) -> dict[str, np.ndarray | float]:
        """Means over ``axis`` (all by default) of the scored forecasts, and how many there were."""
        with warnings.catch_warnings():  # an empty slice's mean is NaN by design here
            warnings.simplefilter("ignore", RuntimeWarning)
            out: dict[str, np.ndarray | float] = {
                name: np.nanmean(getattr(self, name), axis=axis)
                for name in ("wis", "coverage_50", "coverage_90", "bias")
            }
        out["n"] = np.sum(~np.isnan(self.wis), axis=axis)
        return out


def score(y: np.ndarray, quantiles: np.ndarray, levels: tuple[float, ...] = QUANTILES) -> Scores:
    """All scores of quantile forecasts against targets ``y``."""
    wis = weighted_interval_score(y, quantiles, levels)
    return Scores(
        wis=wis,
        coverage_50=coverage(y, quantiles, 0.5, levels),
        coverage_90=coverage(y, quantiles, 0.9, levels),
        bias=quantile_bias(y, quantiles, levels),
    )


def point_quantiles(point: np.ndarray, levels: tuple[float, ...] = QUANTILES) -> np.ndarray:
    """A point forecast as degenerate quantiles (the naive baseline)."""
    return np.repeat(point[..., np.newaxis], len(levels), axis=-1)
