"""Reading JSON uploads (an array of objects, or JSON Lines) into batches of text columns.

Apart from ``reading`` (CSV, Parquet) only to keep each file readable; the row numbers and
errors follow the same rules. A document nested deeper than Python's parser can follow, or
with an integer longer than 4300 digits, is refused like any other malformed JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

import numpy as np

from epibridge.epidata.codes import ALL_COLUMNS, REQUIRED_COLUMNS
from epibridge.epidata.reading import (
    MAX_JSON_ARRAY_BYTES,
    RECORD_BATCH,
    SNIFF_BYTES,
    Batch,
    FileRejected,
    Progress,
    RowError,
    _decode,
    _frame,
    _line_blocks,
    refuse_foreign_encoding,
)
from epibridge.errors import InvalidValue, reason_of
from epibridge.i18n import N_, Phrase, Text


def _loads(text: str) -> object:
    """``json.loads`` with the failures of a hostile document as ``ValueError``s."""
    try:
        return json.loads(text)
    except RecursionError:
        raise InvalidValue(N_("nested too deeply")) from None


def _text(value: object) -> str | None:
    """A JSON value as the text a CSV would carry; None for a nested value (refused)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _records_to_batch(records: list[tuple[int, object]]) -> Batch:
    columns: dict[str, list[str]] = {name: [] for name in ALL_COLUMNS}
    rows: list[int] = []
    errors: list[RowError] = []
    for row, record in records:
        if not isinstance(record, dict):
            errors.append(RowError(row, "*", str(record)[:120], "not a JSON object"))
            continue
        keys = {str(k).lower(): v for k, v in record.items()}
        bad = [RowError(row, k, k, "unknown field") for k in keys if k not in ALL_COLUMNS]
        bad += [
            RowError(row, k, None, "required field missing")
            for k in REQUIRED_COLUMNS
            if k not in keys
        ]
        texts = {k: _text(v) for k, v in keys.items() if k in ALL_COLUMNS}
        bad += [
            RowError(row, k, str(keys[k])[:120], "not a single value")
            for k, v in texts.items()
            if v is None
        ]
        if bad:
            errors.extend(bad)
            continue
        for name in ALL_COLUMNS:
            columns[name].append(texts.get(name) or "")
        rows.append(row)
    return Batch(_frame(columns, np.array(rows, dtype=np.uint32)), errors)


def _array_records(stream: IO[bytes], progress: Progress | None) -> list[object]:
    """The elements of a JSON array file (at most 256 MiB), read and parsed in one go."""
    body = stream.read(MAX_JSON_ARRAY_BYTES + 1)
    if len(body) > MAX_JSON_ARRAY_BYTES:
        raise FileRejected(
            [RowError(0, "*", None, "a JSON array over 256 MiB: send JSON Lines, CSV or Parquet")]
        )
    if progress:
        progress(len(body))
    try:
        records = _loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FileRejected(
            [RowError(0, "*", None, "not UTF-8 text: the encoding must be UTF-8")]
        ) from exc
    except json.JSONDecodeError as exc:
        raise FileRejected(
            [
                RowError(
                    exc.lineno,
                    "*",
                    None,
                    Text(N_("not valid JSON (truncated?): {error}"), {"error": Phrase(exc.msg)}),
                )
            ]
        ) from exc
    except ValueError as exc:
        raise FileRejected(
            [RowError(0, "*", None, Text(N_("not valid JSON: {error}"), {"error": reason_of(exc)}))]
        ) from exc
    if not isinstance(records, list):
        raise FileRejected([RowError(0, "*", None, "not a JSON array of objects")])
    return records


def _array_batches(stream: IO[bytes], progress: Progress | None) -> Iterator[Batch]:
    """Yield the objects of a JSON array file in batches (row 2 is the first element)."""
    records = _array_records(stream, progress)
    for begin in range(0, len(records), RECORD_BATCH):
        chunk = records[begin : begin + RECORD_BATCH]
        yield _records_to_batch([(begin + i + 2, r) for i, r in enumerate(chunk)])


def _lines_to_batch(first: int, lines: list[str]) -> Batch:
    """One block of JSON Lines as a batch; ``first`` is the row number of its first line."""
    records: list[tuple[int, object]] = []
    errors: list[RowError] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if "\ufffd" in line:
            errors.append(RowError(first + i, "*", line[:120], "not UTF-8 text"))
            continue
        try:
            records.append((first + i, _loads(line)))
        except json.JSONDecodeError as exc:
            reason = Text(N_("not a JSON object: {error}"), {"error": Phrase(exc.msg)})
            errors.append(RowError(first + i, "*", line[:120], reason))
        except ValueError as exc:
            reason = Text(N_("not a JSON object: {error}"), {"error": reason_of(exc)})
            errors.append(RowError(first + i, "*", line[:120], reason))
    batch = _records_to_batch(records)
    batch.errors[:0] = errors
    return batch


def json_batches(stream: IO[bytes], progress: Progress | None) -> Iterator[Batch]:
    """Yield the records of a JSON array or JSON Lines file in batches."""
    start = stream.read(SNIFF_BYTES)
    stream.seek(0)
    refuse_foreign_encoding(start)
    stripped = start.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise FileRejected([RowError(1, "*", None, "the file is empty")])
    if stripped[:1] == b"[":
        yield from _array_batches(stream, progress)
        return
    for first, block in _line_blocks(stream, progress):
        lines, _ = _decode(block)
        yield _lines_to_batch(first, lines)
