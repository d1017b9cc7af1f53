"""The run's configuration: one precedence rule (options > env > file > defaults), unknown keys named."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from crawler.policy import DEFAULT_USER_AGENT
from ingest.config import IngestOptions, build_config, check_env, options_from
from ingest.errors import ConfigError

FEED = "https://news.example.com/feed.xml"


def sources_file(tmp_path: Path, defaults: str = "") -> str:
    path = tmp_path / "sources.toml"
    path.write_text(
        f'[defaults]\n{defaults}\n\n[[source]]\nname = "ex"\nkind = "rss"\nurl = "{FEED}"\n', "utf-8"
    )
    return str(path)


def test_built_in_defaults_apply_when_nothing_is_given() -> None:
    config = build_config(IngestOptions(feeds=(FEED,)), env={})
    assert config.warehouse == "news.duckdb"
    assert config.batch_size == 100
    assert config.max_consecutive_failures == 5
    assert config.policy.per_host_delay_s == 5.0
    assert config.policy.user_agent == DEFAULT_USER_AGENT
    assert config.report_file == "news.report.html"
    assert [s.name for s in config.sources] == ["feed:news.example.com/feed.xml"]


def test_each_layer_overrides_the_one_below(tmp_path: Path) -> None:
    file = sources_file(tmp_path, "delay = 3.0\nretries = 1\nbatch_size = 20\nuser_agent = 'file-ua'")
    env = {"NEWSFACTS_DELAY": "2", "NEWSFACTS_RETRIES": "2", "NEWSFACTS_WAREHOUSE": "env.duckdb"}
    config = build_config(IngestOptions(sources_file=file, delay=1.0), env=env)
    assert config.policy.per_host_delay_s == 1.0  # option > env > file
    assert config.policy.max_retries == 2  # env > file
    assert config.batch_size == 20  # file > default
    assert config.policy.user_agent == "file-ua"
    assert config.policy.concurrency == 16  # default
    assert config.warehouse == "env.duckdb"
    assert build_config(IngestOptions(sources_file=file, warehouse="opt.duckdb"), env=env).warehouse == (
        "opt.duckdb"
    )


def test_an_option_beats_the_file_for_max_consecutive_failures(tmp_path: Path) -> None:
    file = sources_file(tmp_path, "max_consecutive_failures = 7")
    assert build_config(IngestOptions(sources_file=file), env={}).max_consecutive_failures == 7
    given = IngestOptions(sources_file=file, max_consecutive_failures=2)
    assert build_config(given, env={}).max_consecutive_failures == 2


def test_newsfacts_db_is_the_older_name_of_the_warehouse() -> None:
    env = {"NEWSFACTS_DB": "old.duckdb"}
    assert build_config(IngestOptions(feeds=(FEED,)), env=env).warehouse == "old.duckdb"
    env["NEWSFACTS_WAREHOUSE"] = "new.duckdb"
    assert build_config(IngestOptions(feeds=(FEED,)), env=env).warehouse == "new.duckdb"


def test_a_timeout_shrinks_connect_and_read_limits() -> None:
    policy = build_config(IngestOptions(feeds=(FEED,), timeout=4.0), env={}).policy
    assert (policy.total_timeout_s, policy.connect_timeout_s, policy.read_timeout_s) == (4.0, 4.0, 4.0)


def test_an_unknown_environment_variable_is_named() -> None:
    with pytest.raises(ConfigError, match="unknown environment variable NEWSFACTS_DELAYY"):
        build_config(IngestOptions(feeds=(FEED,)), env={"NEWSFACTS_DELAYY": "1"})
    check_env({"NEWSFACTS_DUCKDB_MEMORY": "1GB", "OTHER": "x"})  # read elsewhere: known


def test_an_unknown_key_in_the_file_defaults_is_named(tmp_path: Path) -> None:
    file = sources_file(tmp_path, "dealy = 1.0")
    with pytest.raises(ConfigError, match="unknown key 'dealy' in \\[defaults\\]"):
        build_config(IngestOptions(sources_file=file), env={})


def test_an_unknown_option_is_named() -> None:
    with pytest.raises(ConfigError, match="unknown option 'batchsize'"):
        options_from({"feeds": [FEED], "batchsize": 3})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NEWSFACTS_DELAY": "soon"}, "NEWSFACTS_DELAY must be a number, not 'soon'"),
        ({"NEWSFACTS_BATCH_SIZE": "2.5"}, "NEWSFACTS_BATCH_SIZE must be a whole number, not '2.5'"),
        ({"NEWSFACTS_CONCURRENCY": "0"}, "NEWSFACTS_CONCURRENCY must be at least 1, not 0"),
        ({"NEWSFACTS_TIMEOUT": "0"}, "NEWSFACTS_TIMEOUT must be above 0, not 0.0"),
    ],
)
def test_a_bad_environment_value_is_one_line_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_config(IngestOptions(feeds=(FEED,)), env=env)
    assert str(caught.value) == message


def test_a_bad_file_value_names_the_file_and_key(tmp_path: Path) -> None:
    file = sources_file(tmp_path, "retries = -1")
    with pytest.raises(ConfigError, match=r"sources.toml \[defaults\] retries must be at least 0, not -1"):
        build_config(IngestOptions(sources_file=file), env={})


def test_no_sources_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no sources"):
        build_config(IngestOptions(), env={})


def test_the_config_is_frozen_plain_data() -> None:
    config = build_config(
        options_from({"feeds": [FEED], "allow_hosts": ["10.0.0.1"], "report_path": ""}), env={}
    )
    assert config.report_file is None
    assert config.policy.allow_hosts == frozenset({"10.0.0.1"})
    assert pickle.loads(pickle.dumps(config)) == config
    with pytest.raises(AttributeError):
        config.batch_size = 3  # type: ignore[misc]
