"""A throw-away PostgreSQL cluster on a free local port, for the test run only.

Debian's server binaries are used (installed by `make test` through scripts/system-deps.sh when
missing). As root, the cluster runs as the `postgres` system user, since PostgreSQL refuses to
run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found; run `make test` (it installs Debian's postgresql) "
        "or `apt-get install postgresql`"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    bindir: Path
    root: Path
    port: int
    user: str = "epibridge"
    _run_as: str | None = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def _cmd(self, *args: str) -> list[str]:
        if self._run_as:
            return ["runuser", "-u", self._run_as, "--", *args]
        return list(args)

    def start(self) -> None:
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresUnavailable("running as root but no 'postgres' user exists") from exc
            self._run_as = "postgres"
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(
            self._cmd(
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                self.user,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ),
            check=True,
            capture_output=True,
        )
        self.resume()

    def resume(self) -> None:
        """Start the server of an initialized cluster (again, after ``pause``)."""
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            self._cmd(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.root / "postgres.log"),
                "-w",
                "start",
            ),
            check=True,
            capture_output=True,
        )

    def pause(self) -> None:
        """Stop the server but keep its data, so ``resume`` brings the same databases back."""
        subprocess.run(
            self._cmd(
                str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
            ),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def execute(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname=database, autocommit=True
        ) as conn:
            conn.execute(sql)


def start_cluster() -> Cluster:
    root = Path(tempfile.mkdtemp(prefix="epibridge-pg-"))
    os.chmod(root, 0o755)
    cluster = Cluster(bindir=find_bindir(), root=root, port=free_port())
    try:
        cluster.start()
    except subprocess.CalledProcessError as exc:
        log = (root / "postgres.log").read_text() if (root / "postgres.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise PostgresUnavailable(
            f"could not start PostgreSQL: {exc.stderr.decode(errors='replace')}\n{log}"
        ) from exc
    return cluster
