"""`epibridge federation`: the contract's commands, in-process (one real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from joserfc.jwk import JWKRegistry, OKPKey
from typer.testing import CliRunner, Result

from epibridge.cli import app
from epibridge.settings import Settings
from tests.federation.conftest import copy_database
from tests.support.server import live_server


def _cli(settings: Settings, *args: str) -> Result:
    env = {
        "EPIBRIDGE_DATABASE_URL": settings.database_url,
        "EPIBRIDGE_VAR_DIR": str(settings.var_dir),
        "EPIBRIDGE_FEDERATION_ALLOWED_NETWORKS": settings.federation_allowed_networks,
        "COLUMNS": "200",
    }
    return CliRunner().invoke(app, ["federation", *args], env=env)


def _last_line_jwk(output: str) -> dict[str, str]:
    line = output.strip().splitlines()[-1]
    data = json.loads(line)
    key = JWKRegistry.import_key(data)
    assert isinstance(key, OKPKey) and not key.is_private and key.thumbprint() == data["kid"]
    return data


def test_init_trust_join_rotate_revoke(
    settings: Settings, sqlite_template: Path, tmp_path: Path
) -> None:
    done = _cli(settings, "init", "--hub", "--node-id", "hub", "--url", "https://hub.example.org")
    assert done.exit_code == 0, done.output
    hub_key = _last_line_jwk(done.output)
    again = _cli(settings, "init", "--hub", "--node-id", "hub", "--url", "https://hub.example.org")
    assert again.exit_code != 0 and "already set up" in again.output

    kaz = copy_database(sqlite_template, tmp_path / "kaz")
    done = _cli(
        kaz, "init", "--node-id", "kaz-node", "--state", "KAZ", "--url", "https://kaz.example.org"
    )
    assert done.exit_code == 0, done.output
    kaz_key = _last_line_jwk(done.output)

    added = _cli(
        settings,
        "trust",
        "add",
        "kaz-node",
        "--state",
        "KAZ",
        "--url",
        "https://kaz.example.org",
        "--key",
        json.dumps(kaz_key),
    )
    assert added.exit_code == 0, added.output
    bad = _cli(
        settings,
        "trust",
        "add",
        "chn-node",
        "--state",
        "CHN",
        "--url",
        "https://chn.example.org",
        "--key",
        "{}",
    )
    assert bad.exit_code == 2 and "key" in bad.output

    with live_server(settings) as hub_url:
        wrong = _cli(kaz, "join", "--hub-url", hub_url, "--hub-key", json.dumps(kaz_key))
        assert wrong.exit_code == 1 and "trusted hub key" in wrong.output
        joined = _cli(kaz, "join", "--hub-url", hub_url, "--hub-key", json.dumps(hub_key))
        assert joined.exit_code == 0, joined.output
        node = json.loads(_fetch(hub_url + "/api/v1/federation/node"))
    assert node["role"] == "hub" and node["keys"][0]["kid"] == hub_key["kid"]
    assert "d" not in node["keys"][0]["jwk"]

    listed = json.loads(_cli(kaz, "trust", "list", "--json").output)
    assert {(r["node_id"], r["status"]) for r in listed} == {
        ("kaz-node", "valid"),
        ("hub", "valid"),
    }

    rotated = _cli(settings, "keys", "rotate", "--overlap", "3")
    assert rotated.exit_code == 0, rotated.output
    assert _last_line_jwk(rotated.output)["kid"] != hub_key["kid"]
    revoked = _cli(settings, "trust", "revoke", "kaz-node", "--kid", kaz_key["kid"])
    assert revoked.exit_code == 0, revoked.output
    rows = json.loads(_cli(settings, "trust", "list", "--json").output)
    assert {r["status"] for r in rows if r["node_id"] == "kaz-node"} == {"revoked"}
    assert len([r for r in rows if r["node_id"] == "hub"]) == 2


def _fetch(url: str) -> str:
    import httpx

    return httpx.get(url).text


def test_init_as_a_real_command(sqlite_template: Path, tmp_path: Path) -> None:
    node = copy_database(sqlite_template, tmp_path / "node")
    env = {
        **os.environ,
        "EPIBRIDGE_DATABASE_URL": node.database_url,
        "EPIBRIDGE_VAR_DIR": str(node.var_dir),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
    }
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "epibridge"),
            "federation",
            "init",
            "--node-id",
            "chn-node",
            "--state",
            "CHN",
            "--url",
            "https://chn.example.org",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    key = _last_line_jwk(done.stdout)
    private = node.var_dir / "keys" / f"federation-{key['kid']}.key"
    assert private.stat().st_mode & 0o777 == 0o600
