"""Errors raised by the extractors.

    ExtractionError                 anything the extractors refuse, with a reason
     └── NotAnArticle               the page is not a news article
          ├── EmptyPage             no text at all (blank, binary, undecodable)
          ├── TooShort              main text below the minimum length
          ├── IndexPage             a listing of links, not an article
          ├── PaywallStub           a teaser behind a paywall
          └── ErrorPage             a "not found" or error template served as 200

A rejected page never comes back as a bare ``None``: the flow records
``error.reason`` (a short, stable code) and ``str(error)`` (the detail).
"""

from __future__ import annotations


class ExtractionError(Exception):
    """Base class; ``reason`` is a stable code suitable for counting."""

    reason = "extraction_error"

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} ({self.url})" if self.url else base


class NotAnArticle(ExtractionError):
    reason = "not_an_article"


class EmptyPage(NotAnArticle):
    reason = "empty_page"


class TooShort(NotAnArticle):
    reason = "too_short"


class IndexPage(NotAnArticle):
    reason = "index_page"


class PaywallStub(NotAnArticle):
    reason = "paywall_stub"


class ErrorPage(NotAnArticle):
    reason = "error_page"
