"""Where articles come from: the sources file and one-off command-line sources.

A sources file is TOML (see ``sources.example.toml``)::

    [defaults]                 # optional; every key may be overridden per source
    delay = 5.0                # seconds between requests to one host
    max_consecutive_failures = 5

    [[source]]
    name = "nikkei-asia-tech"
    kind = "rss"               # rss | atom | sitemap | urls | homepage | warc
    url = "https://…/rss"      # feed, sitemap or homepage URL (``urls = [...]`` for kind urls)
    language = "en"            # a hint; the extractor detects the real language
    delay = 10.0               # optional per-source rate limit
    include = ["/business/tech/"]   # optional regexes on the URL
    exclude = ["/video/"]
    allow_hosts = []           # internal hosts this source may reach (see README)

Sources are plain data (JSON-able) so they can be Prefect parameters.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from ingest.errors import ConfigError

SourceKind = Literal["rss", "atom", "sitemap", "urls", "homepage", "warc"]
KINDS: tuple[str, ...] = ("rss", "atom", "sitemap", "urls", "homepage", "warc")


class SourcesFileError(ConfigError):
    """The sources file is missing, not TOML, or describes a source wrongly."""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    name: str
    kind: SourceKind
    url: str | None = None
    urls: tuple[str, ...] = ()
    language: str | None = None
    delay: float | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    allow_hosts: tuple[str, ...] = ()
    max_pages: int | None = None
    enabled: bool = True
    published_after: date | None = None  # backfills: keep listed articles dated in this range
    published_before: date | None = None
    hosts: tuple[str, ...] = ()  # kind warc: keep pages of these hosts (and their subdomains) only
    languages: tuple[str, ...] = ()  # kind warc: keep articles in these languages only
    base_url: str | None = None  # kind warc: where a listing's relative paths live (CC-NEWS: its bucket)
    max_files: int | None = None  # kind warc: read at most this many files of a listing

    def in_range(self, published: date | None) -> bool:
        """Whether a listing entry's date falls in the source's range (undated entries pass)."""
        if published is None:
            return True
        if self.published_after and published < self.published_after:
            return False
        return not (self.published_before and published > self.published_before)

    @property
    def location(self) -> str:
        return self.url or f"{len(self.urls)} URLs"

    def wants(self, url: str) -> bool:
        """Whether ``url`` passes the include/exclude patterns."""
        if self.include and not any(re.search(p, url) for p in self.include):
            return False
        return not any(re.search(p, url) for p in self.exclude)

    @classmethod
    def from_param(cls, data: dict[str, Any]) -> SourceSpec:
        return _build(data, where="parameter")


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    sources: tuple[SourceSpec, ...]
    defaults: dict[str, Any] = field(default_factory=dict)


_TUPLE_FIELDS = ("urls", "include", "exclude", "allow_hosts", "hosts", "languages")
_KNOWN = set(SourceSpec.__dataclass_fields__)


def _build(entry: dict[str, Any], *, where: str) -> SourceSpec:
    unknown = set(entry) - _KNOWN
    if unknown:
        raise SourcesFileError(f"{where}: unknown keys {sorted(unknown)}")
    name = entry.get("name")
    kind = entry.get("kind")
    if not name or not isinstance(name, str):
        raise SourcesFileError(f"{where}: every source needs a name")
    if kind not in KINDS:
        raise SourcesFileError(f"{where} ({name}): kind must be one of {', '.join(KINDS)}")
    values = dict(entry)
    for key in ("published_after", "published_before"):
        if isinstance(values.get(key), str):
            try:
                values[key] = date.fromisoformat(values[key])
            except ValueError as exc:
                raise SourcesFileError(f"{where} ({name}): {key} must be a date (YYYY-MM-DD)") from exc
    for key in _TUPLE_FIELDS:
        values[key] = tuple(values.get(key) or ())
    if kind == "urls":
        if not values["urls"]:
            raise SourcesFileError(f"{where} ({name}): kind 'urls' needs urls = [...]")
    elif kind == "warc":
        if not (values.get("url") or values["urls"]):
            raise SourcesFileError(
                f"{where} ({name}): kind 'warc' needs url = ... or urls = [...]"
                " (WARC files or a warc.paths.gz listing: local paths or http(s) URLs)"
            )
    elif not values.get("url"):
        raise SourcesFileError(f"{where} ({name}): kind {kind!r} needs url = ...")
    for pattern in (*values["include"], *values["exclude"]):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SourcesFileError(f"{where} ({name}): bad pattern {pattern!r}: {exc}") from exc
    for url in (values.get("url"), *values["urls"]) if kind != "warc" else ():  # warc: local paths too
        if url is not None:
            _check_url(url, where=f"{where} ({name})")
    return SourceSpec(**values)


def _check_url(url: object, *, where: str) -> None:
    if not isinstance(url, str):
        raise SourcesFileError(f"{where}: a URL must be a string, not {url!r}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourcesFileError(f"{where}: {url!r} is not an http(s) URL (like https://example.com/feed)")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError as exc:
        raise SourcesFileError(f"{where}: {url!r} has a bad port") from exc


# The keys of [defaults] and the types they take (the options of the same names; every one is also a
# NEWSFACTS_* setting, ingest.config.SETTINGS, which adds its bounds).
DEFAULT_KEYS: dict[str, tuple[type, ...]] = {
    "delay": (int, float),
    "concurrency": (int,),
    "user_agent": (str,),
    "timeout": (int, float),
    "retries": (int,),
    "max_consecutive_failures": (int,),
    "batch_size": (int,),
    # a Prefect deployment ("flow-name/deployment-name") of the ingest-batch flow: when given, every
    # batch runs as its own flow run on that deployment's work pool (README "Scaling out")
    "batch_deployment": (str,),
    # seconds a batch's flow run may stay pending or running before it is taken as lost (its worker
    # died) and submitted once more
    "batch_timeout": (int, float),
}


def _check_defaults(defaults: object, path: str | Path) -> dict[str, Any]:
    if not isinstance(defaults, dict):
        raise SourcesFileError(f"{path}: [defaults] must be a table")
    for key, value in defaults.items():
        if key not in DEFAULT_KEYS:
            raise SourcesFileError(
                f"{path}: unknown key {key!r} in [defaults]; known: {', '.join(DEFAULT_KEYS)}"
            )
        if isinstance(value, bool) or not isinstance(value, DEFAULT_KEYS[key]):
            wanted = " or ".join(t.__name__ for t in DEFAULT_KEYS[key])
            raise SourcesFileError(f"{path}: [defaults] {key} must be {wanted}, not {value!r}")
    return dict(defaults)


def load_sources(path: str | Path) -> SourcesConfig:
    """Read and validate a sources file."""
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError as exc:
        raise SourcesFileError(f"sources file {path} not found") from exc
    except IsADirectoryError as exc:
        raise SourcesFileError(f"sources file {path} is a folder; give the TOML file") from exc
    except UnicodeDecodeError as exc:
        raise SourcesFileError(f"sources file {path} is not UTF-8 text") from exc
    except OSError as exc:
        raise SourcesFileError(f"sources file {path} cannot be read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(f"sources file {path} is not valid TOML: {exc}") from exc
    unknown = set(data) - {"source", "defaults"}
    if unknown:
        raise SourcesFileError(
            f"{path}: unknown tables {sorted(unknown)}; a sources file has [defaults] and [[source]]"
        )
    entries = data.get("source", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SourcesFileError(f"{path}: sources are [[source]] tables")
    if not entries:
        raise SourcesFileError(f"{path}: no [[source]] tables (see sources.example.toml)")
    specs = tuple(_build(e, where=f"{path} source #{i + 1}") for i, e in enumerate(entries))
    names = [s.name for s in specs]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SourcesFileError(f"{path}: duplicate source names {sorted(duplicates)}")
    return SourcesConfig(specs, _check_defaults(data.get("defaults", {}), path))


def one_off_sources(
    feeds: list[str], sitemaps: list[str], urls: list[str], *, allow_hosts: list[str]
) -> list[SourceSpec]:
    """Sources for ``--feed``/``--sitemap``/``--url``, named after their host."""
    hosts = tuple(allow_hosts)
    specs = [
        _build({"name": f"feed:{urlsplit(u).hostname}{urlsplit(u).path}", "kind": "rss", "url": u,
                "allow_hosts": hosts}, where="--feed")
        for u in feeds
    ]  # fmt: skip
    specs += [
        _build({"name": f"sitemap:{urlsplit(u).hostname}{urlsplit(u).path}", "kind": "sitemap",
                "url": u, "allow_hosts": hosts}, where="--sitemap")
        for u in sitemaps
    ]  # fmt: skip
    if urls:
        specs.append(_build({"name": "urls", "kind": "urls", "urls": urls, "allow_hosts": hosts},
                            where="--url"))  # fmt: skip
    return specs


def warc_one_off(
    warcs: list[str],
    *,
    hosts: list[str] | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    languages: list[str] | None = None,
    allow_hosts: list[str] | None = None,
) -> list[SourceSpec]:
    """The ``warc`` source for ``--warc`` files and listings given on the command line or as parameters."""
    if not warcs:
        return []
    first = Path(warcs[0].rstrip("/")).name or warcs[0]
    name = f"warc:{first}" + (f"+{len(warcs) - 1}" if len(warcs) > 1 else "")
    return [
        SourceSpec.from_param(
            {"name": name, "kind": "warc", "urls": list(warcs), "hosts": hosts or [],
             "include": include or [], "exclude": exclude or [], "languages": languages or [],
             "allow_hosts": allow_hosts or []}
        )
    ]  # fmt: skip
