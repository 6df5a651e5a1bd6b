"""Three real nodes on loopback for the end-to-end tests: each an `epibridge serve` process
with its own database and EPIBRIDGE_VAR_DIR, set up through the contract's commands.

Commands run in-process (Typer's CliRunner with the node's environment), the servers as
subprocesses. Servers run with ``--no-scheduler`` (no background rounds): tests drive
``epibridge federation sync`` rounds, so what moved when is deterministic.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from epibridge import audit
from epibridge.cli import app
from epibridge.db import create_db_engine, make_sessionmaker, read_session
from epibridge.settings import Settings
from tests.support.postgres import Cluster, free_port

EPIBRIDGE = str(Path(sys.executable).parent / "epibridge")
LOOPBACK = "127.0.0.0/8"


class Node:
    def __init__(
        self,
        root: Path,
        name: str,
        database_url: str,
        template_var: Path,
        serve_args: tuple[str, ...] | list[str] = ("--no-scheduler", "--no-worker"),
    ) -> None:
        self.name = name
        self.serve_args = list(serve_args)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.var = root / name / "var"
        shutil.copytree(template_var, self.var, dirs_exist_ok=True)
        self.database_url = database_url
        self.env = {
            "EPIBRIDGE_DATABASE_URL": database_url,
            "EPIBRIDGE_VAR_DIR": str(self.var),
            "EPIBRIDGE_SECRET_KEY": f"secret-{name}",
            "EPIBRIDGE_FEDERATION_ALLOWED_NETWORKS": LOOPBACK,
            "EPIBRIDGE_WEBHOOK_ALLOW_NETWORKS": LOOPBACK,
        }
        self.settings = Settings(
            database_url=database_url, var_dir=self.var, secret_key=f"secret-{name}"
        )
        self.sessions: sessionmaker[Session] = make_sessionmaker(
            create_db_engine(database_url), audit=audit.trail_for(self.settings)
        )
        self.log = root / name / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    # -- commands ---------------------------------------------------------------------------
    def cli(self, *args: str, ok: bool = True) -> Any:
        result = CliRunner().invoke(app, list(args), env=self.env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, f"{self.name} {args}: {result.output}"
        return result

    def last_line(self, *args: str) -> str:
        return self.cli(*args).output.strip().splitlines()[-1]

    def token(self, name: str, role: str, state: str | None = None) -> dict[str, str]:
        extra = ["--state", state] if state else []
        token = self.last_line("users", "create", name, "--role", role, *extra)
        return {"Authorization": f"Bearer {token}"}

    def sync(self, ok: bool = True) -> Any:
        return self.cli("federation", "sync", ok=ok)

    def status(self) -> dict[str, dict[str, Any]]:
        out = self.cli("federation", "status", "--format", "json").output
        return {peer["node_id"]: peer for peer in json.loads(out)}

    # -- server -----------------------------------------------------------------------------
    def start(self) -> None:
        self.launch()
        self.wait_up()

    def launch(self) -> None:
        env = {**os.environ, **self.env}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    EPIBRIDGE,
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    *self.serve_args,
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_up(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                assert self.process.poll() is None, self.log.read_text()
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def get(self, path: str, headers: dict[str, str]) -> Any:
        response = httpx.get(self.url + path, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
        return httpx.post(self.url + path, headers=headers, **kwargs)

    def count(self, model: type) -> int:
        with read_session(self.sessions) as session:
            return int(session.execute(select(func.count()).select_from(model)).scalar_one())

    def close(self) -> None:
        self.stop()
        bind = self.sessions.kw.get("bind")
        if bind is not None:
            bind.dispose()


def federate(hub: Node, nodes: dict[str, Node]) -> dict[str, str]:
    """The contract's set-up: init everywhere, trust add on the hub, join on each node.

    Through the contract's commands when the ``federation`` group is there, else through the
    same services (fedcore's CLI had not landed when these tests were written).
    """
    if importlib.util.find_spec("epibridge.federation.cli") is not None:
        return _federate_cli(hub, nodes)
    return _federate_services(hub, nodes)


def _federate_cli(hub: Node, nodes: dict[str, Node]) -> dict[str, str]:
    keys = {
        hub.name: hub.last_line(
            "federation", "init", "--hub", "--node-id", hub.name, "--url", hub.url
        )
    }
    for state, node in nodes.items():
        keys[node.name] = node.last_line(
            "federation", "init", "--node-id", node.name, "--state", state, "--url", node.url
        )
        hub.cli(
            "federation",
            "trust",
            "add",
            node.name,
            "--state",
            state,
            "--url",
            node.url,
            "--key",
            keys[node.name],
        )
    _start_all(hub, *nodes.values())
    for node in nodes.values():
        node.cli("federation", "join", "--hub-url", hub.url, "--hub-key", keys[hub.name])
    return keys


def _start_all(*nodes: Node) -> None:
    """Start the servers together: each takes seconds to import on a loaded machine."""
    for node in nodes:
        node.launch()
    for node in nodes:
        node.wait_up()


def _federate_services(hub: Node, nodes: dict[str, Node]) -> dict[str, str]:
    from epibridge.db import utcnow, write_session
    from epibridge.federation import hub as hubs
    from epibridge.federation import join, keys, trust
    from epibridge.security import operator_principal

    operator = operator_principal("tester")

    def init(node: Node, state: str | None) -> str:
        with write_session(node.sessions) as session:
            key = trust.init_node(
                session,
                principal=operator,
                node_id=node.name,
                url=node.url,
                state=state,
                hub=state is None,
                keys_dir=keys.keys_dir(node.var),
                now=utcnow(),
            )
        return keys.jwk_line(key.key)

    jwks = {hub.name: init(hub, None)}
    for state, node in nodes.items():
        jwks[node.name] = init(node, state)
        with write_session(hub.sessions) as session:
            hubs.add_node(
                session,
                principal=operator,
                node_id=node.name,
                state=state,
                url=node.url,
                jwk=jwks[node.name],
                keys_dir=keys.keys_dir(hub.var),
                now=utcnow(),
            )
    with read_session(hub.sessions) as session:
        listed = trust.latest_trust_list(session)
    assert listed is not None
    hub.start()
    for node in nodes.values():
        with write_session(node.sessions) as session:
            join.join(
                session, principal=operator, hub_key=jwks[hub.name], token=listed, now=utcnow()
            )
        node.start()
    return jwks


def wait_for(probe: Callable[[], Any], timeout: float = 20, pause: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(pause)


Federation = tuple[Node, Node, Node]


def _nodes(root: Path, make_url: Callable[[str], str], template_var: Path) -> Iterator[Federation]:
    hub = Node(root, "hub", make_url("hub"), template_var)
    kaz = Node(root, "kaz", make_url("kaz"), template_var)
    chn = Node(root, "chn", make_url("chn"), template_var)
    try:
        federate(hub, {"KAZ": kaz, "CHN": chn})
        yield hub, kaz, chn
    finally:
        for node in (hub, kaz, chn):
            node.close()


@pytest.fixture(scope="session")
def sqlite_nodes(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Federation]:
    root = tmp_path_factory.mktemp("federation")

    def make_url(name: str) -> str:
        path = root / f"{name}.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"

    yield from _nodes(root, make_url, sqlite_template.parent / "var")


@pytest.fixture(scope="session")
def pg_nodes(tmp_path_factory: pytest.TempPathFactory, pg_cluster: Cluster) -> Iterator[Federation]:
    root = tmp_path_factory.mktemp("federation-pg")
    names: list[str] = []

    def make_url(name: str) -> str:
        database = f"f_{name}_{uuid.uuid4().hex[:8]}"
        pg_cluster.execute(f"CREATE DATABASE {database} TEMPLATE epibridge_template")
        names.append(database)
        return pg_cluster.url(database)

    template_var = tmp_path_factory.getbasetemp() / "pg-template-var"
    try:
        yield from _nodes(root, make_url, template_var)
    finally:
        for database in names:
            pg_cluster.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
