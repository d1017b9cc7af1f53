"""The throwaway PostgreSQL cluster: it serves, and it is gone after its block, also after an error."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from bench.postgres import bin_dir, postgres_cluster


def _psql(dsn: str, sql: str) -> str:
    done = subprocess.run(
        [str(bin_dir() / "psql"), dsn, "-Atc", sql], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_cluster_serves_a_new_database_and_is_removed_after_an_error() -> None:
    with pytest.raises(KeyError), postgres_cluster() as pg:
        pg.create_database("lake_catalog")
        assert _psql(pg.dsn("lake_catalog"), "select current_database() || ' ' || current_user") == (
            "lake_catalog postgres"
        )
        assert pg.url("lake_catalog", driver="postgresql+asyncpg") == (
            f"postgresql+asyncpg://postgres@127.0.0.1:{pg.port}/lake_catalog"
        )
        data = Path(_psql(pg.dsn("lake_catalog"), "show data_directory"))
        assert data.is_dir()
        raise KeyError("the body failed")
    assert not _accepts(pg.port)
    assert not data.exists()
