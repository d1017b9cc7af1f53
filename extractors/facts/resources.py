"""Where the fact extractor's data files live and how they are read.

Rules, aliases, places and rates are TOML under ``extractors/data`` so that a
new company, regulator or phrasing is a data change. Each file is parsed once
per process (``functools.cache``); callers compile what they need from the
parsed tables and cache that too.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from extractors.facts.errors import RulesError

DATA_PACKAGE = "extractors"
DATA_DIR = "data"


@cache
def load_table(relative_path: str) -> dict[str, Any]:
    """The parsed TOML file ``extractors/data/<relative_path>``."""
    node = resources.files(DATA_PACKAGE).joinpath(DATA_DIR, *relative_path.split("/"))
    try:
        raw = node.read_bytes()
    except FileNotFoundError as exc:
        raise RulesError("file not found", path=relative_path) from exc
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"not valid TOML: {exc}", path=relative_path) from exc


def string_list(table: dict[str, Any], key: str, *, path: str) -> list[str]:
    """``table[key]`` as a list of strings (empty when absent), or a RulesError."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RulesError(f"{key!r} must be a list of strings", path=path)
    return list(value)
