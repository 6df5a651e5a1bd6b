"""``epibridge detect``: run a detection method on a CSV of counts."""

from __future__ import annotations

import importlib
import sys
from collections.abc import MutableMapping
from datetime import datetime
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from epibridge.detection.csvio import InputError, read_series, result_frame, write_results
from epibridge.detection.engine import SCHEDULER_ENV, run_batch


class _DetectGroup(TyperGroup):
    """``detect file`` needs no database; the stored-data commands (run, schedule, signals,
    confirm, dismiss in ``cli_system``) import SQLAlchemy and the domain models, so they
    are imported only when one of them is looked up, keeping ``detect file`` quick to start.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._own: dict[str, click.Command] = {}
        self._system_loaded = False
        super().__init__(**kwargs)

    @property  # type: ignore[override]
    def commands(self) -> MutableMapping[str, click.Command]:
        self._load_system()
        return self._own

    @commands.setter
    def commands(self, value: MutableMapping[str, click.Command]) -> None:
        self._own = dict(value)

    def _load_system(self) -> None:
        if not self._system_loaded:
            self._system_loaded = True
            system = importlib.import_module("epibridge.detection.cli_system")
            for name, cmd in typer.main.get_group(system.app).commands.items():
                self._own.setdefault(name, cmd)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        self._own[name or cmd.name or ""] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self._own:
            self._load_system()
        return self._own.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_system()
        return list(self._own)


app = typer.Typer(
    help=(
        "Outbreak detection on weekly, monthly or daily counts: EARS C1/C2/C3 and "
        "Farrington/Noufaily (farringtonFlexible), reproducing R surveillance 1.20.3."
    ),
    no_args_is_help=True,
    cls=_DetectGroup,
)


@app.callback()
def detect() -> None:
    """Outbreak detection reproducing R surveillance 1.20.3 (earsC, farringtonFlexible)."""


class Method(StrEnum):
    ears_c1 = "ears-c1"
    ears_c2 = "ears-c2"
    ears_c3 = "ears-c3"
    farrington = "farrington"
    noufaily = "noufaily"


class Frequency(StrEnum):
    weekly = "52"
    monthly = "12"
    daily = "365"


class PowerTrans(StrEnum):
    two_thirds = "2/3"
    half = "1/2"
    none = "none"


class ThresholdMethod(StrEnum):
    delta = "delta"
    nb_plugin = "nbPlugin"
    muan = "muan"


class ReferenceBy(StrEnum):
    index = "index"
    date = "date"


class EngineChoice(StrEnum):
    local = "local"
    dask = "dask"


_FARRINGTON_FLAGS = {
    "b": "--b",
    "w": "--w",
    "reweight": "--reweight/--no-reweight",
    "weightsThreshold": "--weights-threshold",
    "trend": "--trend/--no-trend",
    "pThresholdTrend": "--p-threshold-trend",
    "noPeriods": "--no-periods",
    "pastWeeksNotIncluded": "--past-weeks-not-included",
    "powertrans": "--powertrans",
    "thresholdMethod": "--threshold-method",
    "reference_by": "--reference-by",
}


def _method_options(method: Method, given: dict[str, Any]) -> dict[str, Any]:
    """Options that were given, checked against what the method accepts."""
    given = {k: (v.value if isinstance(v, Enum) else v) for k, v in given.items() if v is not None}
    if method.value.startswith("ears-"):
        wrong = [flag for name, flag in _FARRINGTON_FLAGS.items() if name in given]
        if wrong:
            raise InputError(f"option {wrong[0]} does not apply to method {method.value}")
    elif "baseline" in given:
        raise InputError(f"option --baseline does not apply to method {method.value}")
    return given


def _fail(message: str) -> typer.Exit:
    # Escaped: a message may hold brackets Rich would take for markup ("epibridge[dask]").
    Console(stderr=True).print(f"[bold red]Error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code=2)


@app.command("file")
def detect_file(
    input_csv: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT.csv", help="CSV with columns series_id,date,count (ISO dates)."
        ),
    ],
    method: Annotated[Method, typer.Option(help="Detection method.")],
    frequency: Annotated[Frequency, typer.Option(help="Periods per year of the series.")],
    monitor_from: Annotated[
        datetime,
        typer.Option(formats=["%Y-%m-%d"], help="First date to monitor (YYYY-MM-DD)."),
    ],
    output: Annotated[Path, typer.Option(metavar="OUTPUT.csv", help="Where to write results.")],
    alpha: Annotated[
        float | None,
        typer.Option(help="One-sided level; default 0.001 (C1/C2), 0.025 (C3), 0.01 (Farrington)."),
    ] = None,
    b: Annotated[int | None, typer.Option("--b", help="Years back (default 5).")] = None,
    w: Annotated[int | None, typer.Option("--w", help="Half window width (default 3).")] = None,
    reweight: Annotated[
        bool | None, typer.Option("--reweight/--no-reweight", help="Down-weight past outbreaks.")
    ] = None,
    weights_threshold: Annotated[
        float | None, typer.Option(help="Anscombe residual threshold (1; Noufaily 2.58).")
    ] = None,
    trend: Annotated[
        bool | None, typer.Option("--trend/--no-trend", help="Allow a linear time trend.")
    ] = None,
    p_threshold_trend: Annotated[
        float | None, typer.Option(help="p-value below which the trend is kept (0.05).")
    ] = None,
    no_periods: Annotated[
        int | None, typer.Option("--no-periods", help="Seasonal blocks (1; Noufaily 10).")
    ] = None,
    past_weeks_not_included: Annotated[
        int | None, typer.Option(help="Recent periods left out of the fit (w; Noufaily 26).")
    ] = None,
    powertrans: Annotated[
        PowerTrans | None, typer.Option(help="Power transformation for the delta threshold.")
    ] = None,
    baseline: Annotated[int | None, typer.Option(help="EARS baseline length (default 7).")] = None,
    threshold_method: Annotated[
        ThresholdMethod | None,
        typer.Option(
            help="Overrides the method's default (farrington: delta, noufaily: nbPlugin)."
        ),
    ] = None,
    reference_by: Annotated[
        ReferenceBy | None,
        typer.Option(help="Reference weeks by row index (default) or by calendar date."),
    ] = None,
    engine: Annotated[EngineChoice, typer.Option(help="Where to compute.")] = EngineChoice.local,
    scheduler: Annotated[
        str | None,
        typer.Option(envvar=SCHEDULER_ENV, help="Dask scheduler address for --engine dask."),
    ] = None,
) -> None:
    """Run one method on every series of INPUT.csv and write OUTPUT.csv.

    OUTPUT.csv has the columns series_id,date,observed,expected,upperbound,alarm
    for every monitored date (on or after --monitor-from) of every series; alarm
    is 0/1. A missing or undefined value (a missing count, or a threshold R
    leaves NA, e.g. under the limit54 rule) is an EMPTY cell. In INPUT.csv a
    count may be empty or NA (missing), and periods absent from a series are
    treated as missing. Bad input exits with code 2 and names the line and column.
    """
    freq = int(frequency.value)
    try:
        options = _method_options(
            method,
            {
                "alpha": alpha,
                "b": b,
                "w": w,
                "reweight": reweight,
                "weightsThreshold": weights_threshold,
                "trend": trend,
                "pThresholdTrend": p_threshold_trend,
                "noPeriods": no_periods,
                "pastWeeksNotIncluded": past_weeks_not_included,
                "powertrans": powertrans,
                "baseline": baseline,
                "thresholdMethod": threshold_method,
                "reference_by": reference_by,
            },
        )
        batches = read_series(input_csv, freq)
    except InputError as exc:
        raise _fail(str(exc)) from None
    frames = []
    total = sum(len(batch.series_ids) for batch in batches)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not (sys.stderr.isatty() or sys.stdout.isatty()),
        transient=True,
    ) as bar:
        task = bar.add_task(f"{method.value}", total=total)
        for batch in batches:
            try:
                res = run_batch(
                    method.value,
                    batch.counts,
                    batch.dates,
                    monitor_from.date(),
                    options,
                    engine.value,
                    scheduler,
                    freq=freq,
                    progress=lambda n: bar.advance(task, n),
                )
            except ValueError as exc:
                ids = ", ".join(batch.series_ids[:3]) + (
                    ", ..." if len(batch.series_ids) > 3 else ""
                )
                raise _fail(f"series {ids}: {exc}") from None
            frames.append(result_frame(batch, res))
    write_results(frames, output)
