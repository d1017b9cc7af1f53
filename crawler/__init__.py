"""Everything that talks HTTP: the only package that imports httpx.

See ``errors.py`` for the error tree, ``client.py`` for the rules of one
request, ``politeness.py`` for pacing and robots.txt, ``guard.py`` and
``transport.py`` for the address policy. Feeds and sitemaps are read by
:mod:`ingest.discovery`, over this package's fetcher. A fetch yields the
page record (:class:`warehouse.records.PageRecord`) that extraction fills in
and the warehouse loads.
"""

from crawler.client import Fetcher
from crawler.errors import FetchError, PermanentFetchError, TransientFetchError, is_transient
from crawler.policy import FetchPolicy

__all__ = [
    "FetchError",
    "FetchPolicy",
    "Fetcher",
    "PermanentFetchError",
    "TransientFetchError",
    "is_transient",
]
