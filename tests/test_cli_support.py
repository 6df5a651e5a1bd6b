"""The pieces every command shares: error reporting, date options, JSON and tables."""

from __future__ import annotations

import json
from datetime import date

import pytest
import typer
from pydantic import BaseModel

from epibridge import cli_support
from epibridge.errors import Conflict, InvalidInput
from epibridge.security import PermissionDenied


def _fails_with(exc: Exception) -> None:
    @cli_support.report_errors
    def command() -> None:
        raise exc

    command()


@pytest.mark.parametrize(
    ("exc", "code", "message"),
    [
        (InvalidInput("the request is not valid"), 2, "error: the request is not valid"),
        (Conflict("offer 2 is already withdrawn"), 1, "error: offer 2 is already withdrawn"),
        (PermissionDenied("a focal_point of RUS may only write data of RUS"), 1, "of RUS"),
    ],
)
def test_every_refusal_is_a_message_and_an_exit_code(
    capsys: pytest.CaptureFixture[str], exc: Exception, code: int, message: str
) -> None:
    with pytest.raises(typer.Exit) as caught:
        _fails_with(exc)
    assert caught.value.exit_code == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_parse_day_names_the_option() -> None:
    assert cli_support.parse_day("2024-02-29", "--on") == date(2024, 2, 29)
    assert cli_support.parse_day(None, "--on") is None
    with pytest.raises(InvalidInput) as caught:
        cli_support.parse_day("2024-02-30", "--needed-by")
    assert caught.value.detail == "--needed-by must be a date YYYY-MM-DD"
    assert [(e.field, e.message, e.value) for e in caught.value.errors] == [
        ("--needed-by", "malformed date", "2024-02-30")
    ]


class _Read(BaseModel):
    on: date
    name: str


def test_echo_json_writes_read_models_as_the_api_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    items = [_Read(on=date(2024, 3, 1), name="Алматы"), _Read(on=date(2024, 3, 2), name="b")]
    for value, expected in (
        (items, [i.model_dump(mode="json") for i in items]),
        (items[0], items[0].model_dump(mode="json")),
        ([], []),
    ):
        cli_support.echo_json(value)
        out = capsys.readouterr().out
        assert out == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"


def test_print_table_fits_the_console_and_keeps_short_cells_whole(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [("1", "notified v1", "a long cell " * 12), ("2", "draft", "")]
    cli_support.print_table("2 things", ("#", "Status", "What"), rows, overflow="fold")
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "2 things" in lines[0] and max(len(line) for line in lines) <= 80
    assert lines[1].split() == ["#", "Status", "What"]
    assert lines[3].startswith("1  notified v1  a long cell a long cell")
    assert out.split().count("long") == 12  # wrapped at its spaces, nothing cut
    assert "Table" not in out and "┃" not in out  # a plain layout, no heavy box


def test_a_choice_option_lists_the_domain_vocabulary_and_the_clis_extras() -> None:
    from epibridge.borders.cli import DirectionChoice
    from epibridge.borders.statuses import Direction
    from epibridge.i18n import LANGUAGES
    from epibridge.notifications.outbox.cli import LanguageChoice

    assert [c.value for c in DirectionChoice] == [*(d.value for d in Direction), "both"]
    assert [c.value for c in LanguageChoice] == list(LANGUAGES)
    assert DirectionChoice("inbound") == Direction.INBOUND
