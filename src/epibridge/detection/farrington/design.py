"""Which past time points enter the GLM at each monitored point, and with which block.

This mirrors ``algo.farrington.referencetimepoints``, ``blocks`` and
``algo.farrington.data.glm`` of surveillance 1.20.3. The design depends only on
the time axis, so it is built once and shared by every series of a batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Design:
    """Baseline rows for each monitored point, padded to a common width.

    ``rows``/``level``/``wtime`` are ``(n_monitored, width)``; ``valid`` marks real
    entries. ``level`` is 0-based (R's ``seasgroups`` minus 1); the current
    window has level ``n_levels - 1``. ``wtime`` is R's time covariate (row
    number in index mode, periods since the first baseline date in date mode).
    """

    rows: np.ndarray
    level: np.ndarray
    wtime: np.ndarray
    valid: np.ndarray
    n_levels: int
    # date mode only: the time covariate of each monitored point is relative to the
    # first *non-missing* baseline date (R drops NA rows before predicting).
    dates_days: np.ndarray | None
    period_days: float


def _years_back(day: np.datetime64, b: int) -> np.ndarray:
    """``seq(day, by = "-1 year", length.out = b + 1)``; Feb 29 rolls over to Mar 1 like R."""
    month = day.astype("datetime64[M]")
    offset = (day - month.astype("datetime64[D]")).astype(np.int64)
    months = month - 12 * np.arange(b + 1)
    return months.astype("datetime64[D]") + offset * _DAY


def _weekday(days: np.ndarray) -> np.ndarray:
    """``format(x, "%w")``: 0 = Sunday (1970-01-01 was a Thursday)."""
    return (days.astype("datetime64[D]").astype(np.int64) + 4) % 7


def _same_weekday(ref: np.ndarray, day: np.datetime64) -> np.ndarray:
    """Move each reference date to the nearest date with the weekday of ``day``."""
    a = ref - (_weekday(ref) - _weekday(np.array([day]))[0]) * _DAY
    b = a + np.where(a > ref, -7, 7) * _DAY
    use_b = np.abs((a - ref).astype(np.int64)) > np.abs((b - ref).astype(np.int64))
    return np.where(use_b, b, a)


def reference_rows(k: int, b: int, freq: int, dates: np.ndarray | None) -> np.ndarray:
    """Row of time ``k`` and of its ``b`` reference points, newest first."""
    if dates is None:
        return k - freq * np.arange(b + 1)
    ref = _years_back(dates[k], b)
    if freq == 52:
        ref = _same_weekday(ref, dates[k])
    rows = np.searchsorted(dates, ref)
    found = (rows < dates.size) & (dates[np.minimum(rows, dates.size - 1)] == ref)
    if not found.all():
        raise ValueError(
            f"Some reference time points did not exist at {dates[k]}: farringtonFlexible "
            f"needs b={b} years of history before each monitored date; decrease 'b' or "
            "start monitoring later."
        )
    return rows


def _history_message(k: int, b: int, freq: int, w: int) -> str:
    need = b * freq + w
    return (
        f"farringtonFlexible needs b*freq + w = {need} time points of history before each "
        f"monitored point (b={b}, freq={freq}, w={w}), but the monitored point at index {k} "
        f"has only {k}; decrease b or w, or start monitoring later"
    )


def _block_labels(
    k: int, ref: np.ndarray, w: int, p: int, n_time: int, past_excluded: int
) -> np.ndarray:
    """R's ``blocks()`` followed by dropping the last ``pastWeeksNotIncluded`` points.

    Written as R does it (later assignments overwrite earlier ones) so that odd
    settings with overlapping windows keep R's semantics; 0 means "not used".
    """
    lab = np.zeros(n_time + w + 1, dtype=np.int64)
    lab[k - w : k + 1] = p
    for i in range(1, ref.size):
        ref_i = ref[i]
        lab[ref_i - w : ref_i + w + 1] = p
        if p == 1:
            continue
        period = ref[i - 1] - 2 * w - 1 - ref_i
        if period < p - 1:
            raise ValueError(
                f"noPeriods={p} is too large: only {period} time points lie between two "
                f"reference windows, fewer than the {p - 1} blocks requested (R would build "
                "overlapping blocks here)"
            )
        sizes = np.full(p - 1, period // (p - 1))
        sizes[: period % (p - 1)] += 1
        starts = ref_i + w + 1 + np.concatenate([[0], np.cumsum(sizes)])
        for j in range(p - 1):
            lab[starts[j] : starts[j + 1]] = j + 1
    lab[max(k - past_excluded, 0) : k + 1] = 0
    return lab[:n_time]


def build_design(
    monitor: np.ndarray,
    n_time: int,
    freq: int,
    b: int,
    w: int,
    noPeriods: int,
    pastWeeksNotIncluded: int,
    dates: np.ndarray | None = None,
) -> Design:
    """Baseline design for every monitored point (``dates`` given = R's date mode)."""
    if dates is not None:
        dates = np.asarray(dates, dtype="datetime64[D]")
        if dates.size != n_time or dates.size < 2:
            raise ValueError("date mode needs one date per time point (at least two)")
        if np.any(np.diff(dates) <= np.timedelta64(0, "D")):
            raise ValueError("dates must be strictly increasing")
    per_point: list[tuple[np.ndarray, np.ndarray]] = []
    for k in monitor.tolist():
        ref = reference_rows(k, b, freq, dates)
        if ref[-1] - w < 0:
            raise ValueError(_history_message(k, b, freq, w))
        if pastWeeksNotIncluded > k:
            raise ValueError(
                f"pastWeeksNotIncluded={pastWeeksNotIncluded} reaches before the start of the "
                f"series at index {k}"
            )
        lab = _block_labels(k, ref, w, noPeriods, n_time, pastWeeksNotIncluded)
        rows = np.flatnonzero(lab)
        per_point.append((rows, lab[rows] - 1))
    width = max(r.size for r, _ in per_point)
    shape = (len(per_point), width)
    rows = np.zeros(shape, dtype=np.int64)
    level = np.zeros(shape, dtype=np.int64)
    valid = np.zeros(shape, dtype=bool)
    for i, (r, g) in enumerate(per_point):
        rows[i, : r.size] = r
        level[i, : r.size] = g
        valid[i, : r.size] = True
    if dates is None:
        return Design(rows, level, (rows + 1).astype(np.float64), valid, noPeriods, None, 1.0)
    days = dates.astype(np.int64).astype(np.float64)
    period = days[1] - days[0]
    wtime = (days[rows] - days[rows[:, :1]]) / period
    return Design(rows, level, wtime, valid, noPeriods, days, period)
