"""epibridge detection against R surveillance on the same synthetic workload.

Workload (synthetic): weekly series of 10 years, negative-binomial counts with
a yearly seasonality and a series-specific level, fixed seed; the last 52 weeks
are monitored. For ``noufaily`` (farringtonFlexible with Noufaily et al. 2013
settings) and ``ears-c1`` (earsC C1, baseline 7, alpha 0.001) it:

1. runs ``Rscript`` (R surveillance from Debian's r-cran-surveillance, installed
   with apt-get when missing) and ``epibridge detect file`` as whole processes,
   start-up included;
2. times the computation alone inside each process (R: ``system.time`` around
   the call; Python: the clock around ``run_batch``, all local cores);
3. checks that the alarms agree exactly and upper bounds to 1e-6 relative;
4. prints seconds and ratios, and epibridge's throughput (series/s) on
   100,000 series locally and on a two-worker Dask ``LocalCluster``.

Run: ``.venv/bin/python benchmarks/detection.py [--skip-100k]``. The machine
is often shared, so both wall-clock and CPU seconds are printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

START = np.datetime64("2014-01-06")  # a Monday; ISO week 2 of 2014
METHODS = ("noufaily", "ears-c1")

R_SCRIPT = r"""
suppressPackageStartupMessages(library(surveillance))
args <- commandArgs(trailingOnly = TRUE)
method <- args[1]; input <- args[2]; output <- args[3]; timing <- args[4]
d <- read.csv(input, colClasses = c("character", "character", "numeric"))
ids <- unique(d$series_id)
n <- nrow(d) / length(ids)
obs <- matrix(d$count, nrow = n)  # rows are grouped by series, in date order
colnames(obs) <- ids
x <- sts(observed = obs, start = c(2014, 2), frequency = 52)
range <- (n - 51):n
t0 <- proc.time()
if (method == "noufaily") {
  res <- farringtonFlexible(x, control = list(
    range = range, b = 5, w = 3, reweight = TRUE, weightsThreshold = 2.58,
    alpha = 0.01, trend = TRUE, pThresholdTrend = 0.05, limit54 = c(5, 4),
    powertrans = "2/3", noPeriods = 10, pastWeeksNotIncluded = 26,
    thresholdMethod = "nbPlugin", populationOffset = FALSE,
    fitFun = "algo.farrington.fitGLM.flexible"))
} else {
  res <- earsC(x, control = list(range = range, method = "C1", baseline = 7,
                                 minSigma = 0, alpha = 0.001))
}
el <- proc.time() - t0
writeLines(sprintf("%.6f %.6f", el[["elapsed"]], el[["user.self"]] + el[["sys.self"]]), timing)
ub <- upperbound(res); al <- alarms(res)
out <- data.frame(series_id = rep(ids, each = length(range)),
                  week = rep(range, times = length(ids)),
                  upperbound = as.vector(ub), alarm = as.integer(as.vector(al)))
write.csv(out, output, row.names = FALSE, na = "NA")
"""


def workload(n_series: int, years: int = 10, seed: int = 20261122) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic negative-binomial weekly counts with yearly seasonality (fixed seed)."""
    rng = np.random.default_rng(seed)
    n_time = 52 * years
    t = np.arange(n_time)
    level = rng.uniform(1.0, 50.0, size=(n_series, 1))
    amplitude = rng.uniform(0.2, 0.8, size=(n_series, 1))
    phase = rng.uniform(0.0, 2.0 * np.pi, size=(n_series, 1))
    mean = level * np.exp(amplitude * np.sin(2.0 * np.pi * t / 52.0 + phase))
    size = 5.0
    counts = rng.negative_binomial(size, size / (size + mean)).astype(np.float64)
    return counts, START + 7 * t


def write_input(counts: np.ndarray, dates: np.ndarray, path: Path) -> list[str]:
    ids = [f"synthetic-{i:05d}" for i in range(counts.shape[0])]
    n_time = dates.size
    pl.DataFrame(
        {
            "series_id": np.repeat(np.asarray(ids, dtype=object), n_time),
            "date": np.tile(dates.astype(str), len(ids)),
            "count": counts.astype(np.int64).ravel(),
        }
    ).write_csv(path)
    return ids


def ensure_r() -> str:
    """Path of Rscript with surveillance loadable, installing Debian's package if needed."""

    def ok() -> bool:
        rscript = shutil.which("Rscript")
        if rscript is None:
            return False
        probe = subprocess.run(
            [rscript, "-e", "suppressPackageStartupMessages(library(surveillance))"],
            capture_output=True,
        )
        return probe.returncode == 0

    if not ok():
        if os.geteuid() != 0:
            sys.exit(
                "R surveillance is missing; run as root or: apt-get install r-cran-surveillance"
            )
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        print("installing r-cran-surveillance with apt-get ...", flush=True)
        subprocess.run(["apt-get", "update"], check=True, env=env, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "r-cran-surveillance"],
            check=True,
            env=env,
            capture_output=True,
        )
        if not ok():
            sys.exit("R surveillance still cannot be loaded after installation")
    version = subprocess.run(
        ["Rscript", "-e", 'cat(as.character(packageVersion("surveillance")))'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"R surveillance {version}")
    return shutil.which("Rscript") or "Rscript"


def run_r(rscript: str, method: str, work: Path, inp: Path) -> tuple[float, float, float, Path]:
    """(whole-process wall s, in-process wall s, in-process CPU s, output path)."""
    script = work / "bench.R"
    script.write_text(R_SCRIPT)
    out, timing = work / f"r_{method}.csv", work / f"r_{method}.time"
    t0 = time.perf_counter()
    subprocess.run([rscript, str(script), method, str(inp), str(out), str(timing)], check=True)
    whole = time.perf_counter() - t0
    elapsed, cpu = (float(v) for v in timing.read_text().split())
    return whole, elapsed, cpu, out


def run_cli(
    method: str, work: Path, inp: Path, monitor_from: str, kernel_dir: Path | None = None
) -> tuple[float, Path]:
    """Wall seconds of ``epibridge detect file``; ``kernel_dir``: an empty one forces the
    first-run build of the C kernel (the default cache is warm after any earlier run)."""
    exe = Path(sys.executable).parent / "epibridge"
    out = work / f"epibridge_{method}.csv"
    cmd = [str(exe), "detect", "file", str(inp), "--method", method, "--frequency", "52"]
    cmd += ["--monitor-from", monitor_from, "--output", str(out)]
    env = dict(os.environ)
    if kernel_dir is not None:
        env["EPIBRIDGE_KERNEL_DIR"] = str(kernel_dir)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env)
    return time.perf_counter() - t0, out


def kernel_state() -> str:
    """Which farringtonFlexible path runs here (see epibridge.detection.farrington.native)."""
    from epibridge.detection.farrington import native

    return "NumPy path (no C compiler)" if native.load() is None else "C kernel (kernel.c)"


def in_process(
    method: str, counts: np.ndarray, dates: np.ndarray, monitor_from: str, **kw: object
) -> tuple[float, float]:
    """(wall s, CPU s of all threads) of one ``run_batch`` call."""
    from epibridge.detection.engine import run_batch

    w0, c0 = time.perf_counter(), time.process_time()
    run_batch(method, counts, dates, monitor_from, {}, **kw)  # type: ignore[arg-type]
    return time.perf_counter() - w0, time.process_time() - c0


def compare(ours: Path, r_out: Path, ids: list[str], n_time: int) -> tuple[int, int, float]:
    """(alarms compared, alarms differing, largest relative upper-bound difference)."""
    a = pl.read_csv(ours)
    r = pl.read_csv(r_out, null_values="NA", schema_overrides={"series_id": pl.Utf8})
    if a.height != r.height:
        raise SystemExit(f"row counts differ: epibridge {a.height}, R {r.height}")
    # both are ordered series by series, monitored weeks in order
    if a["series_id"].to_list() != r["series_id"].to_list():
        raise SystemExit("series order differs between epibridge and R outputs")
    alarm_a = a["alarm"].fill_null(-1).to_numpy()
    alarm_r = r["alarm"].fill_null(-1).to_numpy()
    ua = a["upperbound"].cast(pl.Float64).to_numpy()
    ur = r["upperbound"].cast(pl.Float64).to_numpy()
    na_a, na_r = np.isnan(ua), np.isnan(ur)
    if not np.array_equal(na_a, na_r):
        raise SystemExit(f"NA pattern of upperbound differs at {np.sum(na_a != na_r)} points")
    both = ~na_a
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(ua[both] - ur[both]) / np.maximum(np.abs(ur[both]), 1e-300)
    rel = np.where(ur[both] == 0, np.abs(ua[both]), rel)
    return alarm_a.size, int(np.sum(alarm_a != alarm_r)), float(rel.max() if rel.size else 0.0)


def throughput(method: str, n_series: int) -> None:
    from dask.distributed import LocalCluster

    counts, dates = workload(n_series, seed=7)
    monitor_from = str(dates[-52])
    wall, cpu = in_process(method, counts, dates, monitor_from)
    print(
        f"  {method:9s} local ({os.cpu_count()} cores):  {n_series / wall:10,.0f} series/s "
        f"({wall:.1f} s wall, {cpu:.1f} s CPU)"
    )
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        wall, _ = in_process(
            method, counts, dates, monitor_from, engine="dask",
            scheduler=cluster.scheduler_address, chunk_size=1024,
        )  # fmt: skip
    print(
        f"  {method:9s} dask LocalCluster (2 workers): {n_series / wall:10,.0f} series/s "
        f"({wall:.1f} s wall)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--skip-100k", action="store_true", help="skip the 100,000-series runs")
    parser.add_argument("--big", type=int, default=100_000, help="series for the throughput runs")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    args = parser.parse_args()

    rscript = ensure_r()
    print(f"epibridge farringtonFlexible: {kernel_state()}")
    counts, dates = workload(args.series)
    monitor_from = str(dates[-52])
    print(
        f"workload (synthetic): {args.series} weekly series x {dates.size} weeks, "
        f"monitoring the last 52 (from {monitor_from}); load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="epibridge-bench-") as tmp:
        work = Path(tmp)
        inp = work / "input.csv"
        ids = write_input(counts, dates, inp)
        for method in args.methods:
            r_whole, r_wall, r_cpu, r_out = run_r(rscript, method, work, inp)
            first = None
            if method == "noufaily":
                first, _ = run_cli(method, work, inp, monitor_from, work / "fresh-kernel-dir")
            e_whole, e_out = run_cli(method, work, inp, monitor_from)
            in_process(method, counts, dates, monitor_from)  # warm caches and lazy imports
            runs = [in_process(method, counts, dates, monitor_from) for _ in range(3)]
            e_wall, e_cpu = sorted(runs)[1]
            n, differ, rel = compare(e_out, r_out, ids, dates.size)
            print(
                f"\n{method}: alarms identical: {differ == 0} ({n} points, {differ} differ); "
                f"largest relative upper-bound difference {rel:.2e}"
            )
            print(
                f"  whole process  R {r_whole:9.3f} s   epibridge {e_whole:7.3f} s   "
                f"ratio {r_whole / e_whole:8.1f}x"
            )
            if first is not None:
                print(
                    f"  (first run on a machine, C kernel compiled: epibridge {first:.3f} s, "
                    f"ratio {r_whole / first:.1f}x)"
                )
            print(
                f"  in-process     R {r_wall:9.3f} s   epibridge {e_wall:7.4f} s   "
                f"ratio {r_wall / e_wall:8.1f}x   (wall, median of 3)"
            )
            print(
                f"  in-process CPU R {r_cpu:9.3f} s   epibridge {e_cpu:7.4f} s   "
                f"ratio {r_cpu / e_cpu:8.1f}x   (CPU seconds, all threads)"
            )
            if differ:
                raise SystemExit(f"{method}: {differ} alarms differ from R")
            if rel > 1e-6:
                raise SystemExit(f"{method}: upper bounds differ from R by {rel:.2e} relative")
    if not args.skip_100k:
        print(f"\nthroughput on {args.big:,} synthetic series (10 years, last 52 weeks monitored):")
        for method in args.methods:
            throughput(method, args.big)


if __name__ == "__main__":
    main()
