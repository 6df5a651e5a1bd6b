"""Reading submitted files into batches of text columns, each row tagged with its row number.

Files are read in blocks, never whole, so a file larger than memory imports with bounded
memory. Every value is kept as text here; ``validation`` decides what is valid, so a bad
value is reported with the exact text the sender wrote. The row number of CSV and JSON Lines
is the file's line number (header = line 1); of Parquet and JSON arrays it is the record's
position + 1, the line it would have in the CSV layout.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import polars as pl

from epibridge.epidata.codes import ALL_COLUMNS, REQUIRED_COLUMNS
from epibridge.i18n import N_, Phrase, Text

BLOCK_BYTES = 16 * 1024 * 1024
MAX_LINE_BYTES = 1024 * 1024
MAX_JSON_ARRAY_BYTES = 256 * 1024 * 1024
RECORD_BATCH = 200_000

Progress = Callable[[int], None]


@dataclass(frozen=True)
class RowError:
    """One bad value: the row (file line), the column, the text found and why it is refused."""

    row: int
    column: str
    value: str | None
    reason: str


class FileRejected(Exception):
    """The file as a whole cannot be read (encoding, delimiter, header, truncation)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.reason for e in errors))
        self.errors = errors


@dataclass
class Batch:
    """Up to a block of rows: text columns ``ALL_COLUMNS`` and ``_row``, plus unreadable rows."""

    frame: pl.DataFrame
    errors: list[RowError] = field(default_factory=list)
    #: True when the reader already knows no value holds a refused character (plain ASCII).
    text_checked: bool = False


@dataclass(frozen=True)
class PreRead:
    """Rows a face has already decoded into the text layout, handed in instead of a file.

    A gateway that reads its own format (DHIS2's JSON) would otherwise encode its rows as a
    file only for ``read_batches`` to decode them again; the rows are checked exactly as a
    file's are. ``frame`` holds ``ALL_COLUMNS`` as text (missing values empty, no null);
    ``digest`` and ``size_bytes`` are those of the body the face received. A row's number is
    its position + 2, the line it would have in the CSV layout (as for Parquet).
    """

    frame: pl.DataFrame
    digest: str
    size_bytes: int

    def batches(self) -> Iterator[Batch]:
        given = self.frame.columns
        frame = self.frame.select(
            pl.col(name).cast(pl.String).fill_null("")
            if name in given or name in REQUIRED_COLUMNS
            else pl.lit("", dtype=pl.String).alias(name)
            for name in ALL_COLUMNS
        )
        for offset in range(0, frame.height, RECORD_BATCH):
            part = frame.slice(offset, RECORD_BATCH)
            rows = np.arange(offset + 2, offset + 2 + part.height, dtype=np.uint32)
            yield Batch(part.with_columns(pl.Series("_row", rows, dtype=pl.UInt32)))


Source = IO[bytes] | PreRead


def digest_and_size(stream: Source) -> tuple[str, int]:
    """SHA-256 and length of the whole stream, which is left at its start."""
    if isinstance(stream, PreRead):
        return stream.digest, stream.size_bytes
    sha = hashlib.sha256()
    size = 0
    stream.seek(0)
    while chunk := stream.read(BLOCK_BYTES):
        sha.update(chunk)
        size += len(chunk)
    stream.seek(0)
    return sha.hexdigest(), size


#: The bytes of a C0 control (other than tab, LF, CR) or DEL in plain ASCII text.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SNIFF_BYTES = 4096


def refuse_foreign_encoding(head: bytes) -> None:
    """Refuse a file whose first bytes show it is not UTF-8 (UTF-16/32, with or without BOM).

    UTF-16 text without a byte-order mark decodes as "valid" UTF-8 full of NUL bytes (every
    ASCII letter is followed or preceded by one), so it would otherwise be reported as a
    thousand rows with odd characters instead of one sentence about the encoding.
    """
    boms = {
        b"\xff\xfe\x00\x00": "UTF-32",
        b"\x00\x00\xfe\xff": "UTF-32",
        b"\xff\xfe": "UTF-16",
        b"\xfe\xff": "UTF-16",
    }
    for bom, name in boms.items():
        if head.startswith(bom):
            raise FileRejected(
                [
                    RowError(
                        1,
                        "*",
                        None,
                        Text(N_("the file's encoding is {name}: save it as UTF-8"), {"name": name}),
                    )
                ]
            )
    if head and head.count(b"\x00") * 4 >= len(head):
        raise FileRejected(
            [
                RowError(
                    1,
                    "*",
                    None,
                    "the file's encoding looks like UTF-16 without a byte-order mark "
                    "(NUL bytes between the letters): save it as UTF-8",
                )
            ]
        )


def read_batches(stream: Source, fmt: str, progress: Progress | None = None) -> Iterator[Batch]:
    """Yield the file's rows in batches; raise ``FileRejected`` when it cannot be read at all."""
    if isinstance(stream, PreRead):
        yield from stream.batches()
    elif fmt == "csv":
        yield from _csv_batches(stream, progress)
    elif fmt == "parquet":
        from epibridge.epidata.reading_parquet import parquet_batches

        yield from parquet_batches(stream, progress)
    else:
        from epibridge.epidata.reading_json import json_batches

        yield from json_batches(stream, progress)


def _frame(columns: dict[str, list[str]], rows: np.ndarray) -> pl.DataFrame:
    data: dict[str, pl.Series] = {
        name: pl.Series(name, columns.get(name) or [""] * len(rows), dtype=pl.String)
        for name in ALL_COLUMNS
    }
    data["_row"] = pl.Series("_row", rows, dtype=pl.UInt32)
    return pl.DataFrame(data)


# CSV ---------------------------------------------------------------------------------------


def _line_blocks(stream: IO[bytes], progress: Progress | None) -> Iterator[tuple[int, bytes]]:
    """Yield (number of the block's first line, block of whole lines)."""
    carry = b""
    line_no = 1
    while True:
        data = stream.read(BLOCK_BYTES)
        if progress and data:
            progress(len(data))
        if not data:
            if carry:
                yield line_no, carry
            return
        buf = carry + data
        cut = buf.rfind(b"\n")
        if cut < 0:
            if len(buf) > MAX_LINE_BYTES:
                raise FileRejected(
                    [RowError(line_no, "*", None, "a line longer than 1 MiB: not a CSV file")]
                )
            carry = buf
            continue
        block, carry = buf[: cut + 1], buf[cut + 1 :]
        if len(carry) > MAX_LINE_BYTES:
            raise FileRejected(
                [
                    RowError(
                        line_no + block.count(b"\n"),
                        "*",
                        None,
                        "a line longer than 1 MiB: not a CSV file",
                    )
                ]
            )
        yield line_no, block
        line_no += block.count(b"\n")


def _decode(block: bytes) -> tuple[list[str], bool]:
    try:
        text = block.decode("utf-8")
        clean = True
    except UnicodeDecodeError:
        text = block.decode("utf-8", errors="replace")
        clean = False
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines, clean


def _header(line: str) -> list[str]:
    line = line.lstrip("\ufeff").rstrip("\r")
    if "\ufffd" in line:
        raise FileRejected([RowError(1, "header", line[:80], "not UTF-8 text: save as UTF-8")])
    names = [n.strip().strip('"').strip().lower() for n in line.split(",")]
    if len(names) == 1:
        for sep, label in ((";", N_("semicolons")), ("\t", N_("tabs")), ("|", N_("bars"))):
            if sep in line:
                raise FileRejected(
                    [
                        RowError(
                            1,
                            "header",
                            line[:80],
                            Text(
                                N_(
                                    "wrong delimiter: values are separated by {label}; the "
                                    "delimiter must be a comma"
                                ),
                                {"label": Phrase(label)},
                            ),
                        )
                    ]
                )
    problems = [
        RowError(1, name, None, "required column missing")
        for name in REQUIRED_COLUMNS
        if name not in names
    ]
    seen: set[str] = set()
    for name in names:
        if name not in ALL_COLUMNS:
            problems.append(RowError(1, name or "(empty)", name, "unknown column"))
        elif name in seen:
            problems.append(RowError(1, name, name, "column appears twice"))
        seen.add(name)
    if problems:
        raise FileRejected(problems)
    return names


def _csv_batches(stream: IO[bytes], progress: Progress | None) -> Iterator[Batch]:
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    refuse_foreign_encoding(head)
    if not head:
        raise FileRejected([RowError(1, "*", None, "the file is empty")])
    names: list[str] | None = None
    for first, block in _line_blocks(stream, progress):
        if names is None:
            cut = block.find(b"\n")
            header = block if cut < 0 else block[:cut]
            names = _header(header.decode("utf-8", errors="replace"))
            block = b"" if cut < 0 else block[cut + 1 :]
            first += 1
        if not block:
            continue
        batch = _plain_block(block, first, names)
        if batch is None:
            lines, _ = _decode(block)
            padded = any(
                marker in block for marker in (b'"', b" ,", b", ", b"\n ", b" \n", b" \r")
            ) or block.startswith(b" ")
            batch = _csv_block(lines, first, names, padded)
        yield batch
    if names is None:
        raise FileRejected([RowError(1, "*", None, "the file has no header line")])


def _plain_block(block: bytes, first: int, names: list[str]) -> Batch | None:
    """Parse a block with Polars' CSV reader when it is plainly well-formed, else None.

    Plain: ASCII without control characters, no quotes, no padding spaces, and exactly
    ``len(names) - 1`` commas per line (a line with too many raises in the reader, so too few
    elsewhere cannot hide it in the total). Anything else (a blank, truncated or foreign
    line) takes the line-by-line path, which names each bad line; the two give the same rows
    for a plain block.
    """
    if not block.isascii() or b'"' in block or _CONTROL_BYTES.search(block):
        return None
    if b" " in block and (
        block.startswith(b" ") or any(m in block for m in (b" ,", b", ", b"\n ", b" \n", b" \r"))
    ):
        return None
    lines = block.count(b"\n") + (not block.endswith(b"\n"))
    if block.count(b",") != (len(names) - 1) * lines:
        return None
    try:
        raw = pl.read_csv(
            block,
            has_header=False,
            new_columns=names,
            schema=dict.fromkeys(names, pl.String),
            quote_char=None,
        )
    except pl.exceptions.PolarsError:
        return None
    if raw.height != lines:
        return None
    frame = raw.select(
        *[
            pl.col(name).fill_null("") if name in names else pl.lit("", dtype=pl.String).alias(name)
            for name in ALL_COLUMNS
        ],
        pl.Series("_row", np.arange(first, first + lines, dtype=np.uint32)),
    )
    return Batch(frame, text_checked=True)


def _csv_block(lines: list[str], first: int, names: list[str], padded: bool = True) -> Batch:
    n = len(names)
    raw = pl.DataFrame(
        {
            "raw": pl.Series(lines, dtype=pl.String),
            "_row": np.arange(first, first + len(lines), dtype=np.uint32),
        }
    ).with_columns(pl.col("raw").str.strip_chars_end("\r"))
    raw = raw.filter(pl.col("raw").str.strip_chars() != "")
    raw = raw.with_columns(
        _bad_text=pl.col("raw").str.contains("\ufffd", literal=True),
        _fields=pl.col("raw").str.count_matches(",", literal=True) + 1,
    )
    errors: list[RowError] = []
    broken = raw.filter(pl.col("_bad_text") | (pl.col("_fields") != n))
    for text, row, bad_text, fields in broken.select(
        "raw", "_row", "_bad_text", "_fields"
    ).iter_rows():
        if bad_text:
            reason = N_("not UTF-8 text: the file must be UTF-8 encoded")
        elif fields == 1 and any(sep in text for sep in (";", "\t", "|")):
            reason = N_("wrong delimiter: the delimiter must be a comma")
        elif fields < n:
            reason = Text(
                N_("expected {n} comma-separated values, found {fields} (truncated line?)"),
                {"n": n, "fields": fields},
            )
        else:
            reason = Text(
                N_("expected {n} comma-separated values, found {fields}"),
                {"n": n, "fields": fields},
            )
        errors.append(RowError(int(row), "*", text[:120], reason))
    good = raw.filter(~pl.col("_bad_text") & (pl.col("_fields") == n))
    split = good.select(
        pl.col("raw").str.split_exact(",", n - 1).struct.rename_fields(names).alias("r"),
        "_row",
    ).unnest("r")
    if padded:
        split, unterminated = _unterminated_quotes(split, names)
        errors.extend(unterminated)
    # Trimming spaces and quotes costs two passes per column: only when the block has any.
    frame = split.select(
        *[
            (
                pl.col(name).str.strip_chars(" ").str.strip_chars('"') if padded else pl.col(name)
            ).alias(name)
            if name in names
            else pl.lit("", dtype=pl.String).alias(name)
            for name in ALL_COLUMNS
        ],
        pl.col("_row").cast(pl.UInt32),
    )
    return Batch(frame, errors)


def _unterminated_quotes(
    split: pl.DataFrame, names: list[str]
) -> tuple[pl.DataFrame, list[RowError]]:
    """Drop and report the rows with a value that opens a quote and never closes it.

    ``"5`` used to lose its quote and be stored as 5: a quote left open means the line was cut
    or the value held a comma, and either way the number is not what the sender meant.
    """
    checks = {}
    for name in names:
        value = pl.col(name).str.strip_chars(" ")
        opens, closes = value.str.starts_with('"'), value.str.ends_with('"')
        checks[name] = ((opens != closes) | (value == '"')).fill_null(False)
    flagged = split.with_columns([check.alias(f"_q_{name}") for name, check in checks.items()])
    any_bad = pl.any_horizontal([f"_q_{name}" for name in checks])
    bad = flagged.filter(any_bad)
    errors = [
        RowError(int(row["_row"]), name, row[name], _QUOTE)
        for row in bad.iter_rows(named=True)
        for name in names
        if row[f"_q_{name}"]
    ]
    return split.filter(~flagged.select(any_bad).to_series()), errors


_QUOTE = N_('unterminated quote: a value that opens with " must close with "')
