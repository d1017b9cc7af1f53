"""Everything that talks HTTP: the only package that imports httpx.

See ``errors.py`` for the error tree, ``client.py`` for the rules of one
request, ``politeness.py`` for pacing and robots.txt, ``guard.py`` and
``transport.py`` for the address policy, ``discovery.py`` for feeds and
sitemaps.
"""

from flows.fetch.client import Fetcher, FetchResult
from flows.fetch.discovery import Discovery, discover
from flows.fetch.errors import FetchError, PermanentFetchError, TransientFetchError, is_transient
from flows.fetch.policy import FetchPolicy

__all__ = [
    "Discovery",
    "FetchError",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "PermanentFetchError",
    "TransientFetchError",
    "discover",
    "is_transient",
]
