"""Every setting and every command is documented where a user looks for it."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from typer.main import get_command

from epibridge.cli import app
from epibridge.settings import Settings, settings_documentation

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "epibridge"


def test_readme_starts_with_the_two_commands() -> None:
    head = "\n".join(README.read_text(encoding="utf-8").splitlines()[:40])
    assert "make demo" in head and "make test" in head


def test_every_setting_has_a_description_and_is_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    for variable, description in settings_documentation().items():
        assert description, variable
        assert variable in readme, f"{variable} missing from README.md"
    assert len(settings_documentation()) == len(Settings.model_fields)


def _walk(
    command: typer.core.TyperGroup | typer.core.TyperCommand, path: str
) -> list[tuple[str, str]]:
    found = [(path, command.help or "")]
    for name, sub in getattr(command, "commands", {}).items():
        found.extend(_walk(sub, f"{path} {name}"))
    return found


def test_every_command_has_help_text() -> None:
    commands = _walk(get_command(app), "epibridge")
    assert len(commands) > 10
    for path, help_text in commands:
        assert help_text.strip(), f"`{path}` has no help text"


def test_every_command_and_subcommand_is_documented() -> None:
    """Each ``epibridge ...`` path is written out in the README or a doc (not ``list | delete``)."""
    docs = README.read_text(encoding="utf-8") + "".join(
        page.read_text(encoding="utf-8") for page in sorted(DOCS.glob("*.md"))
    )
    leaves = [path for path, _ in _walk(get_command(app), "epibridge") if path.count(" ") >= 1]
    assert len(leaves) > 80
    missing = [path for path in leaves if path not in docs]
    assert not missing, f"not in README.md or docs/*.md: {missing}"


def test_every_environment_variable_the_code_reads_is_in_the_readme() -> None:
    """Settings and the few variables read elsewhere (the kernel folder, the Dask scheduler)."""
    readme = README.read_text(encoding="utf-8")
    source = "".join(p.read_text(encoding="utf-8") for p in sorted(SRC.rglob("*.py")))
    variables = set(re.findall(r"EPIBRIDGE_[A-Z0-9_]*[A-Z0-9]", source))
    assert {"EPIBRIDGE_KERNEL_DIR", "EPIBRIDGE_DASK_SCHEDULER"} <= variables
    variables |= set(settings_documentation())
    missing = sorted(v for v in variables if f"`{v}`" not in readme)
    assert not missing, f"not in README.md: {missing}"


def test_every_command_group_is_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    for name in get_command(app).commands:  # type: ignore[attr-defined]
        assert f"epibridge {name}" in readme, f"`epibridge {name}` missing from README.md"


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    from epibridge.settings import secret_key

    settings = Settings(var_dir=tmp_path / "var")
    first = secret_key(settings)
    assert len(first) > 40 and secret_key(settings) == first
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0
    assert secret_key(settings.model_copy(update={"secret_key": "given"})) == "given"


def test_config_never_prints_secrets() -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(
        app,
        ["config"],
        env={"EPIBRIDGE_SECRET_KEY": "s3cret-key-value", "EPIBRIDGE_SMTP_PASSWORD": "pw-value-9"},
        terminal_width=300,
    )
    assert result.exit_code == 0, result.output
    assert "EPIBRIDGE_SMTP_PASSWORD" in result.output
    assert "s3cret-key-value" not in result.output and "pw-value-9" not in result.output
