"""``epibridge detect file``: output contract, parity on a fixture, bad input -> exit 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from epibridge.detection.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "surveillance"
COLUMNS = ["series_id", "date", "observed", "expected", "upperbound", "alarm"]
runner = CliRunner()


def _input_from_fixture(tmp_path: Path, *series_ids: str) -> Path:
    frames = [
        pl.read_csv(FIXTURES / "series" / f"{sid}.csv").select("series_id", "date", "count")
        for sid in series_ids
    ]
    path = tmp_path / "input.csv"
    pl.concat(frames).write_csv(path)
    return path


def _invoke(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, ["file", *args])
    return result.exit_code, result.output


def _run(inp: Path, out: Path, *extra: str) -> pl.DataFrame:
    code, output = _invoke([str(inp), "--output", str(out), *extra])
    assert code == 0, output
    return pl.read_csv(out, infer_schema=False)


def _floats(col: pl.Series) -> np.ndarray:
    return np.array([np.nan if v in (None, "") else float(v) for v in col.to_list()])


@pytest.mark.parametrize(
    ("series_id", "method", "reference", "extra"),
    [
        ("shadar", "farrington", "farrington_original", []),
        (
            "stsNewport",
            "noufaily",
            "farrington_noufaily_nbPlugin_datemode",
            ["--reference-by", "date"],
        ),
        ("shadar", "noufaily", "farrington_noufaily_muan", ["--threshold-method", "muan"]),
        ("abattoir", "ears-c3", "earsC_C3", ["--alpha", "0.001"]),
    ],
)
def test_fixture_run_matches_r(
    tmp_path: Path, series_id: str, method: str, reference: str, extra: list[str]
) -> None:
    ref = pl.read_csv(FIXTURES / "results" / series_id / f"{reference}.csv", infer_schema=False)
    inp = _input_from_fixture(tmp_path, series_id)
    freq = "52"
    got = _run(
        inp,
        tmp_path / "out.csv",
        "--method", method, "--frequency", freq, "--monitor-from", ref["date"][0], *extra,
    )  # fmt: skip
    assert got.columns == COLUMNS
    assert got["date"].to_list() == ref["date"].to_list()
    assert got["observed"].to_list() == ref["observed"].to_list()
    np.testing.assert_array_equal(_floats(got["alarm"]), _floats(ref["alarm"].replace("NA", "")))
    want_ub = _floats(ref["upperbound"].replace("NA", ""))
    np.testing.assert_array_equal(np.isnan(_floats(got["upperbound"])), np.isnan(want_ub))
    np.testing.assert_allclose(_floats(got["upperbound"]), want_ub, rtol=1e-6)
    if "expected" in ref.columns:
        want = _floats(ref["expected"].replace("NA", ""))
        np.testing.assert_allclose(_floats(got["expected"]), want, rtol=1e-6)


def test_several_series_and_lengths_in_one_file(tmp_path: Path) -> None:
    inp = _input_from_fixture(tmp_path, "shadar", "influMen_meningococcus", "ha_pank")
    got = _run(
        inp, tmp_path / "out.csv",
        "--method", "ears-c1", "--frequency", "52", "--monitor-from", "2006-01-02",
    )  # fmt: skip
    assert got["series_id"].unique(maintain_order=True).to_list() == [
        "shadar",
        "influMen_meningococcus",
        "ha_pank",
    ]
    ref = pl.read_csv(FIXTURES / "results" / "influMen_meningococcus" / "earsC_C1.csv")
    ours = got.filter(pl.col("series_id") == "influMen_meningococcus")
    joined = ours.join(ref.with_columns(pl.col("date").cast(pl.String)), on="date")
    assert joined.height == ours.height
    np.testing.assert_allclose(
        joined["upperbound"].cast(pl.Float64), joined["upperbound_right"], rtol=1e-6
    )


def test_missing_values_are_empty_cells(tmp_path: Path) -> None:
    inp = _input_from_fixture(tmp_path, "shadar")
    got = _run(
        inp, tmp_path / "out.csv",
        "--method", "farrington", "--frequency", "52", "--monitor-from", "2006-01-16",
    )  # fmt: skip
    text = (tmp_path / "out.csv").read_text().splitlines()
    assert text[0] == ",".join(COLUMNS)
    assert text[1] == "shadar,2006-01-16,0,,,0"  # limit54: R's NA -> empty
    assert got.height == 32


def test_missing_count_and_gap_in_dates_are_allowed(tmp_path: Path) -> None:
    frame = pl.read_csv(FIXTURES / "series" / "shadar.csv").select("series_id", "date", "count")
    frame = frame.with_columns(pl.col("count").cast(pl.String))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 100).then(pl.lit("NA")).otherwise(pl.col("count"))
    ).filter(pl.int_range(pl.len()) != 150)
    inp = tmp_path / "input.csv"
    frame.write_csv(inp)
    got = _run(
        inp, tmp_path / "out.csv",
        "--method", "noufaily", "--frequency", "52", "--monitor-from", "2006-01-16",
    )  # fmt: skip
    assert got.height == 32


HEADER = "series_id,date,count\n"
BAD_CASES = [
    ("series_id,when,count\nA,2020-01-06,1\n", "missing column(s) date", []),
    (HEADER + "A,2020-01-06,1\nA,2020-01-13,1.5\n", "line 3, column 'count'", []),
    (HEADER + "A,2020-01-06,x\n", "line 2, column 'count'", []),
    (HEADER + "A,2020-01-06,1\nA,2020-01-13,-2\n", "line 3, column 'count': negative", []),
    (HEADER + "A,2020-01-06,1\nA,2020-13-13,2\n", "line 3, column 'date'", []),
    (
        HEADER + "A,2020-01-06,1\nB,2020-01-06,1\nA,2020-01-06,3\n",
        "line 4, column 'date': duplicated",
        [],
    ),
    (
        HEADER + "A,2020-01-06,1\nA,2020-01-14,1\n",
        "line 3, column 'date': date is not on the weekly grid",
        [],
    ),
    (HEADER + "A,2020-01-06,1\n", "does not apply", ["--b", "3"]),
]


@pytest.mark.parametrize(("content", "message", "extra"), BAD_CASES)
def test_bad_input_exits_2_naming_line_and_column(
    tmp_path: Path, content: str, message: str, extra: list[str]
) -> None:
    inp = tmp_path / "bad.csv"
    inp.write_text(content)
    code, output = _invoke(
        [str(inp), "--method", "ears-c1", "--frequency", "52", "--monitor-from", "2020-01-06",
         "--output", str(tmp_path / "out.csv"), *extra]
    )  # fmt: skip
    assert code == 2, output
    assert message in " ".join(output.split()), output
    assert not (tmp_path / "out.csv").exists()


def test_unknown_method_exits_2(tmp_path: Path) -> None:
    inp = _input_from_fixture(tmp_path, "shadar")
    code, output = _invoke(
        [str(inp), "--method", "cusum", "--frequency", "52", "--monitor-from", "2006-01-16",
         "--output", str(tmp_path / "o.csv")]
    )  # fmt: skip
    assert code == 2
    assert "cusum" in output


def test_too_little_history_exits_2(tmp_path: Path) -> None:
    inp = _input_from_fixture(tmp_path, "abattoir")
    code, output = _invoke(
        [str(inp), "--method", "farrington", "--frequency", "52", "--monitor-from", "2008-01-07",
         "--output", str(tmp_path / "o.csv")]
    )  # fmt: skip
    assert code == 2
    assert "series abattoir" in output and "b*freq + w = 263" in " ".join(output.split())


def test_help_documents_empty_cells() -> None:
    result = runner.invoke(app, ["file", "--help"])
    assert result.exit_code == 0
    assert "EMPTY cell" in result.output
