"""A file while it is being checked: what is known of it, and the verdict once every row is read.

Shared by the two ways a file is taken in (check, then store; or check and copy in one pass,
``landing.copy_while_checking``), so both refuse a file with the same report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from epibridge.epidata.codes import MAX_REPORTED_ERRORS
from epibridge.epidata.duplicates import check_duplicates
from epibridge.epidata.reading import RowError
from epibridge.epidata.schemas import BadRow
from epibridge.epidata.validation import Collected
from epibridge.errors import FieldError, InvalidInput
from epibridge.i18n import N_


@dataclass
class CheckedFile:
    """A file whose every row passed; the rows wait in memory for ``store``."""

    state: str
    actor: str
    on_behalf: bool
    file_format: str
    filename: str
    digest: str
    size_bytes: int
    row_count: int
    series_keys: list[tuple[str, ...]]
    #: The rows known now (no ``reported_on``): one new version each, received now.
    rows: pl.DataFrame
    #: Whether the submitter may back-date rows (``backdating.allowed``).
    may_backdate: bool = False
    #: The back-dated rows (``reported_on`` and ``_row`` kept), stored oldest day first.
    dated: pl.DataFrame = field(default_factory=pl.DataFrame)


def finish(opened: CheckedFile, collected: Collected) -> CheckedFile:
    """The file's rows once every batch was checked; InvalidInput if any row is bad."""
    check_duplicates(collected, collected.frame())
    rows = collected.frame()
    if collected.error_count:
        raise rejection(collected.errors, collected.error_count)
    if rows.height == 0:
        raise InvalidInput(
            "the file has no rows", [FieldError("file", "no data rows", opened.filename)]
        )
    opened.row_count = rows.height
    opened.series_keys = collected.series_keys
    dated = rows["reported_on"].is_not_null()
    if dated.any():
        opened.dated = rows.filter(dated)
        rows = rows.filter(~dated)
    opened.rows = rows.drop("_row", "reported_on")
    return opened


def rejection(errors: list[RowError], count: int) -> InvalidInput:
    """The refusal of a file with ``count`` bad values: the first ones listed, all counted."""
    shown = min(count, MAX_REPORTED_ERRORS)
    return InvalidInput(
        N_(
            "the file was rejected: {count} bad value(s) (the first {shown} listed); nothing was "
            "written"
        )
        if count > shown
        else N_("the file was rejected: {count} bad value(s); nothing was written"),
        [BadRow(e.column, e.reason, e.value, row=e.row) for e in errors[:MAX_REPORTED_ERRORS]],
        params={"count": count, "shown": shown},
    )
