"""The newsfacts command line: help texts, argument errors, trends on a database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import build_parser, format_table, main


@pytest.mark.parametrize("command", ["ingest", "demo", "trends"])
def test_every_command_explains_itself(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--db" in out and "NEWSFACTS_DB" in out


def test_db_defaults_to_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFACTS_DB", "/tmp/somewhere.duckdb")
    assert build_parser().parse_args(["trends"]).db == "/tmp/somewhere.duckdb"
    monkeypatch.delenv("NEWSFACTS_DB")
    assert build_parser().parse_args(["trends"]).db == "news.duckdb"


def test_warehouse_is_another_name_for_db(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSFACTS_DB", raising=False)
    monkeypatch.setenv("NEWSFACTS_WAREHOUSE", "/tmp/lake-or-file")
    assert build_parser().parse_args(["sources"]).db == "/tmp/lake-or-file"
    monkeypatch.setenv("NEWSFACTS_DB", "/tmp/older.duckdb")
    assert build_parser().parse_args(["sources"]).db == "/tmp/lake-or-file"  # the newer name wins
    assert build_parser().parse_args(["ingest", "--warehouse", "/tmp/w.duckdb"]).db == "/tmp/w.duckdb"


def test_ingest_without_sources_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--db", "/tmp/x.duckdb"]) == 2
    assert "--sources" in capsys.readouterr().err


def test_trends_on_a_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trends", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "make demo" in capsys.readouterr().err


def test_trends_lists_and_prints_views(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from warehouse import publish, writer

    db = str(tmp_path / "w.duckdb")
    with writer(db):
        pass
    assert main(["trends", "--db", db]) == 2
    assert "not published yet" in capsys.readouterr().err
    publish(db)
    assert main(["trends", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert "trend_investment_by_country_month" in listing and "trend_facts_by_type_week" in listing
    assert main(["trends", "trend_facts_by_type_week", "--db", db]) == 0
    assert "no rows yet" in capsys.readouterr().out
    assert main(["trends", "trend_nonsense", "--db", db]) == 2
    assert "known:" in capsys.readouterr().err


def test_format_table_aligns_and_truncates() -> None:
    text = format_table(["name", "n"], [["a" * 60, 1], ["b", 12.5]])
    lines = text.splitlines()
    assert lines[0].startswith("name") and lines[2].endswith(" 1.00") is False
    assert "…" in lines[2] and lines[3].endswith("12.50")


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).parent / "newsfacts"
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "trends" in result.stdout
