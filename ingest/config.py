"""One validated, frozen configuration per ingest run, built once from four layers.

Precedence, one rule for every setting: what the caller gives (command-line
options, flow parameters) > the environment (``NEWSFACTS_*``) > the sources
file's ``[defaults]`` > the built-in default. An unknown key is an error that
names it, in the file's ``[defaults]`` (:mod:`ingest.sources`) and among the
``NEWSFACTS_*`` environment variables; every error is one line
(:class:`ingest.errors.ConfigError`).

The warehouse is a location string (today a DuckDB file path); the
``warehouse`` package decides what a location means.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from crawler import FetchPolicy
from ingest.errors import ConfigError
from ingest.sources import DEFAULT_KEYS, SourceSpec, load_sources, one_off_sources, warc_one_off
from warehouse import is_lake

DEFAULT_WAREHOUSE = "news.duckdb"
DEFAULT_BATCH_SIZE = 100
DEFAULT_MAX_CONSECUTIVE_FAILURES = 5
LAKE_REPORT = "news.report.html"
DEFAULT_BATCH_TIMEOUT_S = 3600.0

ENV_PREFIX = "NEWSFACTS_"

# The lowest value each setting takes and whether that bound is exclusive (None: no bound).
_BOUNDS: dict[str, tuple[float | None, bool]] = {
    "delay": (0, False),
    "concurrency": (1, False),
    "user_agent": (None, False),
    "timeout": (0, True),
    "retries": (0, False),
    "max_consecutive_failures": (1, False),
    "batch_size": (1, False),
    "batch_deployment": (None, False),
    "batch_timeout": (0, True),
}

# Settings that every layer may give: name -> (accepted types, lowest value, value is exclusive).
# Their environment variable is NEWSFACTS_<NAME>; their [defaults] key is the name itself, and their
# types are those the sources file accepts there (ingest.sources.DEFAULT_KEYS): one list, not two.
SETTINGS: dict[str, tuple[tuple[type, ...], float | None, bool]] = {
    name: (types, *_BOUNDS[name]) for name, types in DEFAULT_KEYS.items()
}

# The warehouse location: NEWSFACTS_WAREHOUSE, else NEWSFACTS_DB (the older name), else the default.
WAREHOUSE_ENV = ("NEWSFACTS_WAREHOUSE", "NEWSFACTS_DB")


def default_warehouse(env: Mapping[str, str] | None = None) -> str:
    """The warehouse location when none is given: from ``env`` (the process's by default), else the file."""
    env = os.environ if env is None else env
    return next((env[v] for v in WAREHOUSE_ENV if env.get(v)), DEFAULT_WAREHOUSE)


# NEWSFACTS_* variables other parts of the project read; known, so not refused as unknown.
# A new variable read anywhere belongs in this list.
OTHER_ENV = (
    "NEWSFACTS_DUCKDB_MEMORY",  # warehouse: DuckDB's memory limit
    "NEWSFACTS_EXTRACT_PROCESSES",  # ingest.pipeline: extraction worker processes
    "NEWSFACTS_SHARED",  # tests and benchmarks: the shared benchmark folder
    "NEWSFACTS_REALNEWS_CACHE",  # benchmarks: the real-news text cache
)


def known_env() -> tuple[str, ...]:
    """Every NEWSFACTS_* variable the project reads."""
    return (*WAREHOUSE_ENV, *(ENV_PREFIX + name.upper() for name in SETTINGS), *OTHER_ENV)


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """What the caller gave explicitly: command-line options or flow parameters; ``None`` is "not given"."""

    warehouse: str | None = None
    sources_file: str | None = None
    sources: tuple[Mapping[str, Any], ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    allow_hosts: tuple[str, ...] = ()
    delay: float | None = None
    concurrency: int | None = None
    user_agent: str | None = None
    timeout: float | None = None
    retries: int | None = None
    batch_size: int | None = None
    max_consecutive_failures: int | None = None
    batch_deployment: str | None = None
    batch_timeout: float | None = None
    published_after: date | None = None
    published_before: date | None = None
    report_path: str | None = None
    run_label: str = "nightly"
    warcs: tuple[str, ...] = ()
    warc_hosts: tuple[str, ...] = ()
    warc_include: tuple[str, ...] = ()
    warc_exclude: tuple[str, ...] = ()
    warc_languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IngestConfig:
    """Everything a run needs, validated. Plain data: it pickles and crosses process boundaries."""

    warehouse: str
    sources: tuple[SourceSpec, ...]
    policy: FetchPolicy
    batch_size: int = DEFAULT_BATCH_SIZE
    max_consecutive_failures: int = DEFAULT_MAX_CONSECUTIVE_FAILURES
    run_label: str = "nightly"
    report_path: str | None = None  # None: beside the warehouse (news.duckdb -> news.report.html); "": none
    batch_deployment: str | None = None  # None: batches run in this process
    batch_timeout: float = DEFAULT_BATCH_TIMEOUT_S

    @property
    def report_file(self) -> str | None:
        """Where the trend report goes after the run, or None for no report.

        By default beside a warehouse file; for a lake, ``news.report.html`` in the current folder.
        """
        if self.report_path == "":
            return None
        if self.report_path:
            return self.report_path
        return (
            LAKE_REPORT if is_lake(self.warehouse) else str(Path(self.warehouse).with_suffix(".report.html"))
        )


_WANTED: dict[tuple[type, ...], str] = {(int, float): "a number", (int,): "a whole number", (str,): "text"}


def _check(name: str, value: Any, where: str) -> Any:
    types, low, exclusive = SETTINGS[name]
    value_: Any = value
    if isinstance(value, bool) or not isinstance(value, types):
        raise ConfigError(f"{where} must be {_WANTED[types]}, not {value!r}")
    if low is not None and (value_ <= low if exclusive else value_ < low):
        raise ConfigError(f"{where} must be {'above' if exclusive else 'at least'} {low}, not {value}")
    return value


def _from_env(name: str, text: str, variable: str) -> Any:
    types = SETTINGS[name][0]
    if types == (str,):
        return _check(name, text, variable)
    try:
        value: Any = int(text) if types == (int,) else float(text)
    except ValueError:
        raise ConfigError(f"{variable} must be {_WANTED[types]}, not {text!r}") from None
    return _check(name, value, variable)


def check_env(env: Mapping[str, str]) -> None:
    """Refuse a NEWSFACTS_* variable the project does not read (a typo would otherwise pass unseen)."""
    known = set(known_env())
    for variable in sorted(env):
        if variable.startswith(ENV_PREFIX) and variable not in known:
            raise ConfigError(f"unknown environment variable {variable}; known: {', '.join(sorted(known))}")


def _sources(options: IngestOptions) -> tuple[list[SourceSpec], dict[str, Any]]:
    specs = [SourceSpec.from_param(dict(s)) for s in options.sources]
    defaults: dict[str, Any] = {}
    if options.sources_file:
        loaded = load_sources(options.sources_file)
        specs += loaded.sources
        defaults = loaded.defaults
    hosts = list(options.allow_hosts)
    specs += one_off_sources(
        list(options.feeds), list(options.sitemaps), list(options.urls), allow_hosts=hosts
    )
    specs += warc_one_off(
        list(options.warcs), hosts=list(options.warc_hosts), include=list(options.warc_include),
        exclude=list(options.warc_exclude), languages=list(options.warc_languages), allow_hosts=hosts,
    )  # fmt: skip
    return specs, defaults


def build_config(options: IngestOptions, env: Mapping[str, str] | None = None) -> IngestConfig:
    """The run's configuration: options > environment > the sources file's [defaults] > defaults."""
    env = os.environ if env is None else env
    check_env(env)
    specs, file_defaults = _sources(options)
    if not specs:
        raise ConfigError("no sources: give a sources file, sources, feeds, sitemaps, urls or warcs")
    if options.published_after or options.published_before:
        specs = [
            replace(s, published_after=options.published_after, published_before=options.published_before)
            for s in specs
        ]
    given = {name: getattr(options, name) for name in SETTINGS}
    chosen: dict[str, Any] = {}
    for name in SETTINGS:
        variable = ENV_PREFIX + name.upper()
        if given[name] is not None:
            chosen[name] = _check(name, given[name], name)
        elif env.get(variable):
            chosen[name] = _from_env(name, env[variable], variable)
        elif file_defaults.get(name) is not None:
            where = f"{options.sources_file} [defaults] {name}"
            chosen[name] = _check(name, file_defaults[name], where)
        else:
            chosen[name] = None
    timeout = chosen["timeout"]
    policy = FetchPolicy().with_overrides(
        per_host_delay_s=chosen["delay"],
        concurrency=chosen["concurrency"],
        user_agent=chosen["user_agent"],
        allow_hosts=frozenset(options.allow_hosts) if options.allow_hosts else None,
        total_timeout_s=timeout,
        max_retries=chosen["retries"],
    )
    if timeout is not None:
        policy = replace(
            policy,
            connect_timeout_s=min(policy.connect_timeout_s, timeout),
            read_timeout_s=min(policy.read_timeout_s, timeout),
        )
    warehouse = options.warehouse or default_warehouse(env)
    if chosen["batch_deployment"] and not is_lake(warehouse):
        raise ConfigError(
            f"batch_deployment needs a lake warehouse (ducklake:postgres:...), not the file {warehouse}:"
            ' workers on other processes and machines all write to it (README "Scaling out")'
        )
    return IngestConfig(
        warehouse=warehouse,
        sources=tuple(specs),
        policy=policy,
        batch_size=chosen["batch_size"] or DEFAULT_BATCH_SIZE,
        max_consecutive_failures=chosen["max_consecutive_failures"] or DEFAULT_MAX_CONSECUTIVE_FAILURES,
        run_label=options.run_label,
        report_path=options.report_path,
        batch_deployment=chosen["batch_deployment"],
        batch_timeout=chosen["batch_timeout"] or DEFAULT_BATCH_TIMEOUT_S,
    )


def options_from(values: Mapping[str, Any]) -> IngestOptions:
    """IngestOptions from keyword values (flow parameters), lists as tuples; unknown names refused."""
    known = set(IngestOptions.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown option {unknown[0]!r}; known: {', '.join(sorted(known))}")
    given: dict[str, Any] = {
        k: tuple(v) if isinstance(v, (list, tuple)) else v for k, v in values.items() if v is not None
    }
    return IngestOptions(**given)


__all__: Sequence[str] = ("IngestConfig", "IngestOptions", "build_config", "check_env", "options_from")
