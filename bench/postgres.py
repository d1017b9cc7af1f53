"""A throwaway PostgreSQL cluster on loopback, for tests and benchmarks of the lake.

``with postgres_cluster() as pg:`` runs ``initdb`` in a temporary folder,
starts the server on a free 127.0.0.1 port (its socket in the same folder,
no fsync: the data is thrown away) and stops it and deletes the folder on exit.
``pg.create_database("lake")`` returns a libpq connection string for a new
database; ``pg.lake_location(...)`` a warehouse location on it.

``initdb`` refuses to run as root, so as root the cluster is created and run
by the ``postgres`` system user (the Debian package creates it), which then
owns the temporary folder. Importable from tests (``from bench.postgres
import postgres_cluster``) and from benchmarks.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine (``make test`` installs them as root)."""


def bin_dir() -> Path:
    """The folder of ``initdb``/``pg_ctl``: ``$PG_BIN``, else the newest ``/usr/lib/postgresql/*/bin``."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise PostgresUnavailable("PostgreSQL server binaries (initdb) not found; install the postgresql package")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresCluster:
    root: Path
    port: int
    bindir: Path

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq key=value connection string (no password: the cluster trusts loopback)."""
        return f"dbname={dbname} host={self.host} port={self.port} user={SUPERUSER}"

    def url(self, dbname: str, driver: str = "postgresql") -> str:
        """A URL for SQLAlchemy-style clients (``postgresql+asyncpg`` for a Prefect server)."""
        return f"{driver}://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        _run([str(self.bindir / "createdb"), "-h", self.host, "-p", str(self.port), "-U", SUPERUSER, name])
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        args = ["-h", self.host, "-p", str(self.port), "-U", SUPERUSER, "--if-exists", "--force", name]
        _run([str(self.bindir / "dropdb"), *args])

    def lake_location(self, dbname: str, data_path: str | os.PathLike[str]) -> str:
        """A warehouse location: a DuckLake lake with its catalog in ``dbname``, files under ``data_path``."""
        return f"ducklake:postgres:{self.dsn(dbname)}?data_path={data_path}"


def _as_owner() -> list[str]:
    return ["runuser", "-u", SUPERUSER, "--"] if os.geteuid() == 0 else []


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A running PostgreSQL cluster for the duration of the ``with`` block."""
    bindir = bin_dir()
    root = Path(tempfile.mkdtemp(prefix="newsfacts-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, SUPERUSER, SUPERUSER)
    data = root / "data"
    owner = _as_owner()
    cluster = PostgresCluster(root=root, port=free_port(), bindir=bindir)
    try:
        _run([*owner, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", SUPERUSER,
              "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])  # fmt: skip
        options = (
            f"-p {cluster.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        _run([*owner, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"),
              "-o", options, "-w", "-t", "60", "start"])  # fmt: skip
        yield cluster
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*owner, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)
