"""A throwaway PostgreSQL 15 cluster for tests and benches.

``postgres_cluster(base_dir)`` runs ``initdb`` and ``pg_ctl start`` from
``/usr/lib/postgresql/15/bin`` with trust authentication, listening on
127.0.0.1 on a free port with its socket beside the data, and stops the
server and removes its files on exit, also when the body raises.

initdb refuses to run as root, so as root every server command runs as the
unprivileged ``postgres`` user (``runuser``) and the cluster lives in a
folder that user owns. When ``base_dir`` is not reachable by that user (a
pytest ``tmp_path`` sits under a root-only folder) the cluster goes to a
fresh folder in the system temp dir instead; it is removed all the same.

Install the server with ``apt-get install postgresql`` (``make postgresql``
does it as root when ``initdb`` is missing).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path(os.environ.get("NEWSFACTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "postgres"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class PostgresCluster:
    """A running cluster: trust authentication, so no password anywhere."""

    host: str
    port: int
    user: str

    def dsn(self, dbname: str) -> str:
        """A libpq key=value connection string (DuckDB's postgres extension, psql)."""
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def url(self, dbname: str, driver: str = "postgresql") -> str:
        """A URL, e.g. ``driver="postgresql+asyncpg"`` for Prefect's server."""
        return f"{driver}://{self.user}@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str) -> None:
        _run(
            [str(PG_BIN / "createdb"), "-h", self.host, "-p", str(self.port), "-U", self.user, name],
            as_postgres=False,
        )


def _is_root() -> bool:
    return os.geteuid() == 0


def _run(cmd: list[str], *, as_postgres: bool) -> str:
    if as_postgres and _is_root():
        cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(cmd[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _postgres_can_write(folder: Path) -> bool:
    if not _is_root():
        return True
    check = ["runuser", "-u", SUPERUSER, "--", "test", "-w", str(folder), "-a", "-x", str(folder)]
    return subprocess.run(check, capture_output=True, check=False).returncode == 0


@contextlib.contextmanager
def _cluster_dir(base_dir: Path) -> Iterator[Path]:
    base_dir.mkdir(parents=True, exist_ok=True)
    if _is_root():
        # The folder must belong to `postgres`; base_dir may be root-only.
        home = Path(tempfile.mkdtemp(prefix="pg-", dir=base_dir))
        shutil.chown(home, SUPERUSER, SUPERUSER)
        if not _postgres_can_write(home):
            home.rmdir()
            home = Path(tempfile.mkdtemp(prefix="newsfacts-pg-"))
            shutil.chown(home, SUPERUSER, SUPERUSER)
    else:
        home = Path(tempfile.mkdtemp(prefix="pg-", dir=base_dir))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _start(data: Path, log: Path, port: int) -> None:
    options = (
        f"-c listen_addresses={HOST} -c port={port} -c unix_socket_directories={data.parent}"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    _run(
        [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options, "start"],
        as_postgres=True,
    )


@contextlib.contextmanager
def postgres_cluster(base_dir: Path) -> Iterator[PostgresCluster]:
    """Start a PostgreSQL 15 cluster under ``base_dir``; stop and remove it on exit."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(
            f"PostgreSQL 15 is not installed ({PG_BIN / 'initdb'} is missing): "
            "run `apt-get install postgresql` as root, or `make postgresql`"
        )
    with _cluster_dir(Path(base_dir)) as home:
        data, log = home / "data", home / "postgres.log"
        _run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            as_postgres=True,
        )
        for attempt in range(3):  # a free port can be taken between the probe and the start
            port = _free_port()
            try:
                _start(data, log, port)
                break
            except RuntimeError as exc:
                if attempt == 2:
                    tail = log.read_text("utf-8", "replace")[-2000:] if log.exists() else ""
                    raise RuntimeError(f"{exc}\n{tail}") from None
        try:
            yield PostgresCluster(HOST, port, SUPERUSER)
        finally:
            with contextlib.suppress(RuntimeError):
                _run(
                    [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                    as_postgres=True,
                )
