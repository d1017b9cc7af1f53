"""URL canonicalisation, so the same article is fetched and stored once.

Lower-cases scheme and host, drops default ports, fragments, ``www.``, and
tracking parameters (``utm_*``, ``fbclid``, ``gclid`` and friends), sorts the
remaining query, and removes a trailing slash from non-root paths' ``index``
variants. Pure string work: no network, no DNS.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_ga",
        "ref",
        "ref_src",
        "cmpid",
        "ncid",
        "ocid",
        "smid",
        "spm",
        "mod",
        "taid",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "itm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonicalise_url(url: str) -> str:
    """A stable form of ``url`` for de-duplication (not for fetching)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    host = host.removeprefix("www.")
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):  # IPv6 literal
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    path = parts.path or "/"
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k))
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def resolve_canonical(page_url: str, declared: str | None) -> str:
    """The canonical URL a page declares (``rel=canonical`` / ``og:url``), resolved
    against the page URL, or the page URL itself; always canonicalised.

    A declared URL on another scheme than http(s) is ignored.
    """
    if declared:
        absolute = urljoin(page_url, declared.strip())
        if urlsplit(absolute).scheme in ("http", "https"):
            return canonicalise_url(absolute)
    return canonicalise_url(page_url)
