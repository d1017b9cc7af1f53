"""Raw page bytes, kept beside the warehouse in a content-addressed archive.

``news.duckdb`` keeps its fetched pages in ``news.duckdb.pages/``, one gzip
file per distinct body, named by the body's SHA-256 (the ``content_hash``
column of ``pages``)::

    news.duckdb.pages/3f/3fa4…c2.gz

Why not a BLOB column: DuckDB rewrites the open row group of a table at every
checkpoint, so with page bodies in ``pages`` every batch load re-read and
re-wrote all bodies stored so far. Measured on 100-page batches, a load grew
from +55 MB and 0.24 s on a 7 MB file to +326 MB and 0.66 s on a 287 MB one,
without end; each publish also copied every body ever fetched. Kept out,
a load costs the same at any size and the published file holds only tables
that analysts query.

Writes are idempotent and atomic: a body already present is not written
again, and a new one is written to a temporary name and renamed into place, so
a crash leaves either the whole file or none (a leftover temporary file is
ignored). A lake keeps the same layout under ``<data_path>/pages/`` (or the
location's ``archive_path``), where every writer machine reaches it. Bodies
are written before the transaction that records their hash, so a committed
hash always has its file.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
import zlib
from pathlib import Path

from warehouse.errors import BadLocation
from warehouse.location import is_lake, parse_location

ARCHIVE_SUFFIX = ".pages"


def body_hash(body: bytes) -> str:
    """The content hash that names a body in the archive and in ``pages.content_hash``."""
    return hashlib.sha256(body).hexdigest()


class PageArchive:
    """The archive of one warehouse: ``put`` a body, ``get`` it back by hash."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    @classmethod
    def beside(cls, db_path: str) -> PageArchive | None:
        """The archive of the warehouse at ``db_path``; none for an in-memory database.

        A lake keeps it in its location's ``archive_path``, else in ``pages/`` under its
        data path; a bucket (``s3://``) data path needs an ``archive_path`` (a shared folder).
        """
        if db_path == ":memory:":
            return None
        if not is_lake(db_path):
            return cls(db_path + ARCHIVE_SUFFIX)
        loc = parse_location(db_path)
        if loc.archive_path:
            return cls(loc.archive_path)
        if loc.on_s3 or loc.data_path is None:
            raise BadLocation(
                "page bodies are kept in a folder, not in a bucket: add &archive_path=/shared/folder"
                " to the lake location",
                db_path=db_path,
            )
        return cls(Path(loc.data_path) / "pages")

    def path_for(self, digest: str) -> Path:
        return self.root / digest[:2] / f"{digest}.gz"

    def put(self, body: bytes, digest: str | None = None) -> str:
        """Store ``body`` (once per distinct content); returns its hash."""
        digest = digest or body_hash(body)
        if not self.path_for(digest).exists():
            self._write(digest, gzip.compress(body, compresslevel=1))
        return digest

    def put_compressed(self, digest: str, gz: bytes) -> None:
        """Store a body that is already gzip-compressed, under its known hash."""
        if not self.path_for(digest).exists():
            self._write(digest, gz)

    def _write(self, digest: str, gz: bytes) -> None:
        path = self.path_for(digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
        try:
            tmp.write_bytes(gz)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def get(self, digest: str) -> bytes | None:
        """The body stored under ``digest``, or None when it is missing or unreadable."""
        try:
            return gzip.decompress(self.path_for(digest).read_bytes())
        except (OSError, EOFError, zlib.error):
            return None
