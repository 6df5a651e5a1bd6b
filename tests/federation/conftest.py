"""The three nodes (hub, KAZ, CHN) shared by a test module: SQLite files copied from the
suite's migrated template, or databases of the suite's PostgreSQL cluster."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.federation.nodes import Node, federate
from tests.support.postgres import Cluster

Federation = tuple[Node, Node, Node]


def _nodes(
    root: Path, make_url: Callable[[str], str], template_var: Path
) -> Iterator[Federation]:
    hub = Node(root, "hub", make_url("hub"), template_var)
    kaz = Node(root, "kaz", make_url("kaz"), template_var)
    chn = Node(root, "chn", make_url("chn"), template_var)
    try:
        federate(hub, {"KAZ": kaz, "CHN": chn})
        yield hub, kaz, chn
    finally:
        for node in (hub, kaz, chn):
            node.close()


@pytest.fixture(scope="module")
def sqlite_nodes(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Federation]:
    root = tmp_path_factory.mktemp("federation")

    def make_url(name: str) -> str:
        path = root / f"{name}.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"

    yield from _nodes(root, make_url, sqlite_template.parent / "var")


@pytest.fixture(scope="module")
def pg_nodes(
    tmp_path_factory: pytest.TempPathFactory, pg_cluster: Cluster
) -> Iterator[Federation]:
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
