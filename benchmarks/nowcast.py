"""Nowcasting speed and track record on SYNTHETIC reporting histories (no real data).

Workload (synthetic, fixed seeds; ``epibridge.nowcasting.synthetic``): weekly series, a
log random walk of about 80 cases a week with negative-binomial noise, each series with its
own known geometric delay distribution over ``D = 8`` weeks, varying week to week
(Dirichlet-multinomial). It prints:

1. chain ladder plus NB intervals (``nowcast_intervals``: the point nowcast, 21 past
   nowcast dates of calibration, the quantiles) on 1,000 / 5,000 / 10,000 series × 104
   weeks, in one call in process (wall and CPU seconds; goal: 10,000 under 5 s), and the
   10,000 again on the local engine (threads over chunks);
2. the Bayesian truncation model on 1,000 series;
3. a two-year backtest (104 weekly nowcast dates) of 1,000 series: chain ladder + NB
   intervals + 1-4-week forecasts against the naive "latest as reported", WIS, 50% and 90%
   coverage and bias; ``--bayes`` adds the Bayesian model's backtest.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/nowcast.py [--bayes]``. The machine is
often shared, so both wall-clock and CPU seconds are printed.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from epibridge.nowcasting.backtest import backtest
from epibridge.nowcasting.bayes import nowcast_bayes
from epibridge.nowcasting.engine import run_nowcast
from epibridge.nowcasting.intervals import nowcast_intervals
from epibridge.nowcasting.synthetic import synthetic_histories

MAX_DELAY = 8
WEEKS = 104


def _timed(label: str, fn: Callable[[], Any]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"  {label:<46} {wall:7.2f} s wall  {cpu:7.2f} s CPU")
    return result


def speed() -> None:
    print(f"SYNTHETIC weekly series × {WEEKS} weeks, D = {MAX_DELAY}: chain ladder + NB intervals")
    tri = synthetic_histories(10_000, WEEKS, MAX_DELAY, seed=1).known_at_end()
    for n in (1_000, 5_000, 10_000):
        part = np.ascontiguousarray(tri[:n])
        _timed(f"{n:>6} series, one call", lambda part=part: nowcast_intervals(part))
    _timed("10000 series, local engine (threads)", lambda: run_nowcast(tri))
    small = np.ascontiguousarray(tri[:1_000])
    _timed(" 1000 series, Bayesian truncation (400 draws)", lambda: nowcast_bayes(small))


def _print_summary(name: str, summary: dict[str, dict[str, float]]) -> None:
    print(f"  {name}")
    print(f"    {'':<16} {'WIS':>8} {'cover50':>8} {'cover90':>8} {'bias':>7} {'n':>9}")
    for kind in ("nowcast", "naive", "forecast", "forecast_naive"):
        s = summary[kind]
        print(
            f"    {kind:<16} {s['wis']:8.2f} {s['coverage_50']:8.3f} {s['coverage_90']:8.3f} "
            f"{s['bias']:7.3f} {int(s['n']):9d}"
        )
    gain = summary["nowcast"]["wis"] / summary["naive"]["wis"]
    fgain = summary["forecast"]["wis"] / summary["forecast_naive"]["wis"]
    print(f"    relative WIS (method / naive): nowcast {gain:.3f}, forecast {fgain:.3f}")


def track_record(with_bayes: bool) -> None:
    n_period = WEEKS + MAX_DELAY + 2 * (MAX_DELAY + 1) + 4
    history = synthetic_histories(1_000, n_period, MAX_DELAY, seed=2)
    lags = list(range(MAX_DELAY, MAX_DELAY + WEEKS))
    print(f"\nSYNTHETIC two-year backtest: 1000 series, {len(lags)} weekly nowcast dates")
    result = _timed(
        "chain ladder + NB intervals + forecasts", lambda: backtest(history.full, lags=lags)
    )
    _print_summary("chain ladder (NB intervals)", result.summary())
    by_delay = result.nowcast_scores.summary(axis=(0, 1))
    print(
        "    90% coverage by delay 0..7: " + " ".join(f"{c:.3f}" for c in by_delay["coverage_90"])
    )
    if with_bayes:
        bayes = _timed(
            "Bayesian truncation + forecasts",
            lambda: backtest(history.full, lags=lags, method="bayes"),
        )
        _print_summary("Bayesian truncation", bayes.summary())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bayes", action="store_true", help="also backtest the Bayesian model")
    args = parser.parse_args()
    speed()
    track_record(args.bayes)


if __name__ == "__main__":
    main()
