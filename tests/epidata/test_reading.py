"""Reading CSV blocks: Polars' reader on plain blocks, the line-by-line path on anything else."""

from __future__ import annotations

import io

import polars as pl

from epibridge.epidata.reading import _csv_block, _plain_block, read_batches

HEADER = "state,area,disease,metric,classification,period_start,period_end,value"
ROWS = [
    "KAZ,,J11,cases,confirmed,2024-01-01,2024-01-07,412",
    "KAZ,KZ-75,J11,cases,confirmed,2024-01-08,2024-01-14,",
    "KAZ,,A09,deaths,all,2024-01-01,2024-01-31,0",
]


def _rows(text: str) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    batches = list(read_batches(io.BytesIO(text.encode()), "csv"))
    frame = pl.concat([b.frame for b in batches])
    return frame, [(e.row, e.reason) for b in batches for e in b.errors]


def test_a_plain_block_reads_as_the_line_by_line_path_reads_it() -> None:
    names = HEADER.split(",")
    block = ("\n".join(ROWS) + "\n").encode()
    plain = _plain_block(block, 2, names)
    assert plain is not None
    lines = _csv_block(ROWS, 2, names)
    assert plain.frame.equals(lines.frame)
    assert plain.frame["_row"].to_list() == [2, 3, 4]
    assert plain.frame["value"].to_list() == ["412", "", "0"]
    assert plain.frame["age_group"].to_list() == ["", "", ""]


def test_blocks_that_are_not_plain_keep_exact_line_numbers_and_reasons() -> None:
    assert (
        _plain_block(b'KAZ,,"J11",cases,confirmed,2024-01-01,2024-01-07,1\n', 2, HEADER.split(","))
        is None
    )
    # A blank line, a short line and a long line whose commas add up to the right total.
    text = "\n".join([HEADER, ROWS[0], "", "KAZ,,J11,cases", ROWS[1] + ",1,2,3,4", ROWS[2]]) + "\n"
    frame, errors = _rows(text)
    assert frame["_row"].to_list() == [2, 6]
    assert [row for row, _ in errors] == [4, 5]
    assert "truncated" in errors[0][1]


def test_crlf_and_padded_files_read_the_same_values() -> None:
    plain, _ = _rows("\n".join([HEADER, *ROWS]) + "\n")
    crlf, _ = _rows("\r\n".join([HEADER, *ROWS]) + "\r\n")
    padded, _ = _rows("\n".join([HEADER, *(r.replace(",", ", ") for r in ROWS)]) + "\n")
    assert crlf.equals(plain)
    assert padded.equals(plain)
