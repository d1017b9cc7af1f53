"""Errors raised by the fact extractor.

    FactsError                  anything the fact extractor refuses
     └── RulesError             a bundled data file (entities, places, rules, rates) is
                                missing or malformed; raised at load time, naming the file

Extraction itself never raises on odd article text: an article with no facts
yields an empty list. Only broken data files are errors, and they are terminal
(re-running will not help until the file is fixed).
"""

from __future__ import annotations


class FactsError(Exception):
    """Base class; ``reason`` is a stable code suitable for counting."""

    reason = "facts_error"


class RulesError(FactsError):
    """A data file under ``extractors/data`` cannot be used."""

    reason = "rules_error"

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
