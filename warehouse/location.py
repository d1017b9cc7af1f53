"""Where the warehouse lives: one string, either a DuckDB file or a DuckLake lake.

Every warehouse function takes ``db_path: str``; that string is a *location*:

* a file path (``news.duckdb``, ``:memory:``): the embedded warehouse, as always;
* a lake, in either of two spellings of the same thing::

      ducklake:postgres:dbname=lake host=db.internal port=5432 user=news?data_path=/shared/lake/
      ducklake+postgres://news@db.internal:5432/lake?data_path=/shared/lake/

  The catalog is a PostgreSQL database (libpq ``key=value`` words, or a
  URL); ``data_path`` is where DuckLake writes its Parquet files: a folder
  every machine sees at the same path, or an ``s3://`` bucket. Optional
  ``archive_path`` puts the page-bodies archive elsewhere (default: the
  ``pages/`` folder under a local ``data_path``; required with S3).

No password in the location: libpq reads ``PGPASSWORD`` or ``~/.pgpass``, so
the string can be logged and shown. Anything else is refused with one line
(:class:`BadLocation`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from warehouse.errors import BadLocation

LAKE_PREFIX = "ducklake:postgres:"
LAKE_URL_SCHEME = "ducklake+postgres"
_OPTIONS = ("data_path", "archive_path")
_DSN_WORD = re.compile(r"^[a-z_]+=\S+$")
_SYNTAX = (
    "expected ducklake:postgres:dbname=NAME host=HOST [port=N] [user=U]?data_path=PATH"
    " or ducklake+postgres://USER@HOST:PORT/NAME?data_path=PATH"
)


@dataclass(frozen=True, slots=True)
class Location:
    """A parsed warehouse location; ``text`` is what the user gave."""

    text: str
    catalog: str | None = None  # libpq key=value connection string (lakes only)
    data_path: str | None = None
    archive_path: str | None = None

    @property
    def is_lake(self) -> bool:
        return self.catalog is not None

    @property
    def on_s3(self) -> bool:
        return bool(self.data_path and self.data_path.startswith("s3://"))


def display_name(text: str) -> str:
    """A short name for reports: a file's name, or ``lake <dbname>``."""
    if not is_lake(text):
        return os.path.basename(text)
    try:
        catalog = parse_location(text).catalog or ""
    except BadLocation:
        return "lake"
    names = [word.split("=", 1)[1] for word in catalog.split() if word.startswith("dbname=")]
    return f"lake {names[0]}" if names else "lake"


def is_lake(text: str) -> bool:
    """Whether ``text`` names a lake (it may still be malformed: :func:`parse_location` says)."""
    return text.startswith((LAKE_PREFIX, LAKE_URL_SCHEME + ":", "ducklake:"))


def parse_location(text: str) -> Location:
    """Parse a location; a file path is returned as is, a lake checked word by word."""
    if not is_lake(text):
        if not text.strip():
            raise BadLocation("the warehouse location is empty; give a file path or a ducklake: URL")
        return Location(text=text)
    if text.startswith(LAKE_URL_SCHEME + ":"):
        catalog, query = _from_url(text)
    elif text.startswith(LAKE_PREFIX):
        catalog, _, query = text[len(LAKE_PREFIX) :].partition("?")
        catalog = _check_dsn(text, catalog)
    else:
        raise BadLocation(
            f"bad warehouse location {text!r}: only a PostgreSQL catalog is supported; {_SYNTAX}"
        )
    options = _options(text, query)
    data_path = options.get("data_path")
    if not data_path:
        raise BadLocation(f"bad warehouse location {text!r}: data_path is missing; {_SYNTAX}")
    return Location(text=text, catalog=catalog, data_path=data_path, archive_path=options.get("archive_path"))


def _check_dsn(text: str, dsn: str) -> str:
    words = dsn.split()
    if not words:
        raise BadLocation(f"bad warehouse location {text!r}: no catalog database; {_SYNTAX}")
    for word in words:
        if not _DSN_WORD.match(word):
            raise BadLocation(f"bad warehouse location {text!r}: {word!r} is not a key=value word; {_SYNTAX}")
        if word.startswith("password="):
            raise _password(text)
    if not any(word.startswith("dbname=") for word in words):
        raise BadLocation(f"bad warehouse location {text!r}: dbname= is missing; {_SYNTAX}")
    return " ".join(words)


def _from_url(text: str) -> tuple[str, str]:
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BadLocation(f"bad warehouse location {text!r}: {exc}; {_SYNTAX}") from None
    if parts.password is not None:
        raise _password(text)
    dbname = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not dbname or "/" in dbname:
        raise BadLocation(
            f"bad warehouse location {text!r}: a host and one database name are needed; {_SYNTAX}"
        )
    words = [f"dbname={dbname}", f"host={parts.hostname}"]
    if port:
        words.append(f"port={port}")
    if parts.username:
        words.append(f"user={unquote(parts.username)}")
    return " ".join(words), parts.query


def _options(text: str, query: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for pair in filter(None, query.split("&")):  # paths kept as written ("+" is no space here)
        key, _, value = pair.partition("=")
        if key not in _OPTIONS:
            raise BadLocation(
                f"bad warehouse location {text!r}: unknown option {key!r} (known: {', '.join(_OPTIONS)})"
            )
        options[key] = value
    return options


def _password(text: str) -> BadLocation:
    return BadLocation(
        "a warehouse location must not carry a password (it is shown in logs);"
        " set PGPASSWORD or use ~/.pgpass instead",
        db_path=text.split("?")[0].split("password")[0] + "…",
    )
