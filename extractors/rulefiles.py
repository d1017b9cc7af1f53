"""The data files behind page-level extraction, read once per process.

Rules that change with publishers' templates (boilerplate lines, per-site
selectors) and the words dates are written with live in TOML under
``extractors/data`` (``site_rules.toml``, ``date_words.toml``), so a new site
or language is a data change, not a code change. Each file is parsed once
(``functools.cache``); callers compile what they need and cache that too.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

DATA_PACKAGE = "extractors"


@cache
def load_rules(name: str) -> dict[str, Any]:
    """The parsed ``extractors/data/<name>``; a broken file fails loudly, naming itself."""
    node = resources.files(DATA_PACKAGE).joinpath("data", name)
    try:
        return tomllib.loads(node.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"extractors/data/{name} cannot be read: {exc}") from exc


def strings(table: dict[str, Any], key: str) -> list[str]:
    """``table[key]`` as a list of strings (empty when absent); anything else is a broken file."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{key!r} must be a list of strings")
    return list(value)
