"""SQL text the warehouse writes itself: a string as a quoted SQL literal."""

from __future__ import annotations


def literal(text: str) -> str:
    """``text`` as a single-quoted SQL string literal (quotes doubled), for statements that take no
    parameters (ATTACH, COPY ... TO, COMMENT ON, CREATE SECRET)."""
    return "'" + text.replace("'", "''") + "'"
