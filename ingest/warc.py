"""Pages from web archives: WARC files read as a stream, one file at a time.

A ``warc`` source names WARC or WARC.gz files (local paths or http(s) URLs)
or a CC-NEWS ``warc.paths.gz`` listing of them. Each file is one unit of work
(:func:`ingest_warc_file`):

* the file is read record by record with warcio, never held whole in memory
  (a reader thread fills a queue of at most two batches, and one batch is
  loaded while the next is extracted: five batches of pages at most);
* only HTML response records of the wanted hosts and URL patterns go on. Each
  becomes the same page record (:class:`warehouse.PageRecord`) a fetched page is (its URL the record's
  WARC-Target-URI, its fetch time the WARC-Date) and goes through the same
  extract and load steps as a fetched page (:mod:`ingest.pipeline`), so it lands
  in ``pages`` with its bytes in the page archive (``reextract`` works);
* a record whose bytes the warehouse already holds is not extracted again, so
  a file done a second time (a killed run) adds nothing;
* every bad input is counted by reason and reading goes on where it can: a
  corrupt gzip member or an unparsable record is skipped to the next gzip
  member, a truncated file stops that file. No exception leaves
  :func:`ingest_warc_file` for bad data: its :class:`WarcFileOutcome` says what
  happened, and the warehouse records it in ``warc_files``.
"""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import queue
import threading
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.recordloader import ArcWarcRecord
from warcio.utils import BUFF_SIZE

from crawler import FetchError, FetchPolicy
from crawler.client import media_type
from crawler.stream import open_remote
from extractors.urls import canonicalise_url
from ingest.pipeline import BatchOutcome, FetchedBatch, add_outcome, extract_pages, load_batch
from ingest.sources import SourceSpec
from warehouse import PageRecord, body_hash
from warehouse.warc_files import StoredCopy, WarcFileRecord, stored_copies

log = logging.getLogger(__name__)

CC_BASE = "https://data.commoncrawl.org/"  # where the paths in a CC-NEWS listing live
LISTING_SUFFIXES = (".paths.gz", ".paths", ".txt", ".txt.gz")
GZIP_MAGIC = b"\x1f\x8b\x08"
MAX_RESYNCS = 1000  # gzip members skipped over in one file before it is given up
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_SCAN = 1 << 16


# -- listings ----------------------------------------------------------------


def is_listing(location: str) -> bool:
    return urlsplit(location).path.lower().endswith(LISTING_SUFFIXES) or location.lower().endswith(
        LISTING_SUFFIXES
    )


def is_remote(location: str) -> bool:
    return urlsplit(location).scheme.lower() in ("http", "https")


def local_path(location: str) -> str:
    return location[len("file://") :] if location.startswith("file://") else location


@dataclass(frozen=True, slots=True)
class ListingFailure:
    location: str
    reason: str
    error: str


def _listing_lines(location: str, policy: FetchPolicy) -> list[str]:
    if is_remote(location):
        with open_remote(location, policy) as stream:
            data = stream.read(64 * 1024 * 1024)
    else:
        data = Path(local_path(location)).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return [line.strip() for line in data.decode("utf-8").splitlines() if line.strip()]


def resolve_entry(entry: str, listing: str, base_url: str | None) -> str:
    """A listing line as a location: absolute URLs as they are, relative paths under the base."""
    if is_remote(entry) or entry.startswith("file://") or os.path.isabs(entry):
        return entry
    if base_url:
        return urljoin(base_url.rstrip("/") + "/", entry)
    if is_remote(listing):
        parts = urlsplit(listing)
        return f"{parts.scheme}://{parts.netloc}/{entry.lstrip('/')}"
    beside = Path(local_path(listing)).parent / entry
    return str(beside) if beside.exists() else urljoin(CC_BASE, entry)


def warc_locations(spec: SourceSpec, policy: FetchPolicy) -> tuple[list[str], list[ListingFailure]]:
    """The WARC files a source names, listings expanded; listings that could not be read."""
    files: list[str] = []
    failures: list[ListingFailure] = []
    for location in (spec.url, *spec.urls):
        if not location:
            continue
        if not is_listing(location):
            files.append(location)
            continue
        try:
            lines = _listing_lines(location, policy)
        except FetchError as exc:
            failures.append(ListingFailure(location, exc.reason, str(exc)))
            continue
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
            reason = "not_found" if isinstance(exc, FileNotFoundError) else "unreadable_listing"
            failures.append(ListingFailure(location, reason, f"{type(exc).__name__}: {exc}"))
            continue
        entries = [resolve_entry(line, location, spec.base_url) for line in lines if not line.startswith("#")]
        if spec.max_files is not None:
            entries = entries[: spec.max_files]
        files += entries
    return list(dict.fromkeys(files)), failures


# -- reading one file ----------------------------------------------------------


class _Raw:
    """The bytes of one WARC file (local or remote) with a position, and a way past damage.

    ``resync(after)`` moves to the next gzip member header after offset
    ``after``: by seeking in a local file; in a download, from the last
    ``HISTORY`` bytes it keeps (warcio reads ahead of the record it parses),
    else by reading on.
    """

    HISTORY = 4 * 1024 * 1024

    def __init__(self, stream: BinaryIO | Any, size: int | None, seekable: bool) -> None:
        self._stream = stream
        self.size = size
        self._seekable = seekable
        self._pos = 0
        self._pushback = b""
        self._history: deque[bytes] = deque()  # the bytes just before _pos, oldest first (downloads only)
        self._kept = 0

    def read(self, size: int = -1) -> bytes:
        if self._pushback:  # a short read is allowed: callers read until they get b""
            n = len(self._pushback) if size < 0 else size
            out, self._pushback = self._pushback[:n], self._pushback[n:]
        else:
            out = bytes(self._stream.read(size))
        self._pos += len(out)
        if not self._seekable and out:
            self._history.append(out)
            self._kept += len(out)
            while self._kept - len(self._history[0]) >= self.HISTORY:
                self._kept -= len(self._history.popleft())
        return out

    def tell(self) -> int:
        return self._pos

    def _unread(self, data: bytes) -> None:
        """Give back the last ``len(data)`` bytes read: the next reads return them again."""
        self._pushback = data + self._pushback
        self._pos -= len(data)
        drop = len(data)
        while drop and self._history:
            last = self._history.pop()
            self._kept -= len(last)
            if len(last) > drop:
                self._history.append(last[: len(last) - drop])
                self._kept += len(last) - drop
                drop = 0
            else:
                drop -= len(last)

    def peek(self, n: int) -> bytes:
        head = self.read(n)
        self._unread(head)
        return head

    def resync(self, after: int) -> bool:
        """Position at the next gzip member starting after ``after``; False at the end of the file."""
        start = after + 1
        if start < self._pos:
            if self._seekable:
                self._stream.seek(start)
                self._pos, self._pushback = start, b""
            elif self._pos - self._kept <= start:
                self._unread(b"".join(self._history)[start - (self._pos - self._kept) :])
        elif start > self._pos:
            self.read(start - self._pos)
        tail = b""
        while True:
            chunk = self.read(_SCAN)
            if not chunk:
                return False
            window = tail + chunk
            found = window.find(GZIP_MAGIC)
            if found >= 0:
                self._unread(window[found:])
                return True
            tail = window[-(len(GZIP_MAGIC) - 1) :]


class CorruptMember(Exception):
    """A gzip member that stops decompressing part-way."""


class _StrictReader(DecompressingBufferedReader):  # type: ignore[misc]
    """warcio's reader, raising on a gzip member that breaks part-way (warcio prints and goes on)."""

    fed = False  # whether the current gzip member has been given any bytes

    def _init_decomp(self, decomp_type: str | None) -> None:
        super()._init_decomp(decomp_type)
        self.fed = False

    def _decompress(self, data: bytes) -> bytes:
        if data:
            self.fed = True
        if self.decompressor is not None and data and self.num_block_read > 0:
            try:
                return bytes(self.decompressor.decompress(data))
            except zlib.error as exc:
                raise CorruptMember(f"gzip data broken inside a member: {exc}") from exc
        return bytes(super()._decompress(data))


class _Iterator(ArchiveIterator):  # type: ignore[misc]
    """warcio's iterator, silent on stderr (damage is counted instead) and telling a cut-off end."""

    INC_RECORD = ""  # warcio writes this warning to stderr; err_count still counts it
    truncated = False

    def __init__(self, fileobj: Any) -> None:
        super().__init__(fileobj)
        self.known_format = "warc"  # not ARC: any line of five words would pass for an ARC header
        self.reader = _StrictReader(self.fh, block_size=BUFF_SIZE)

    def close(self) -> None:
        reader = self.reader
        decompressor = getattr(reader, "decompressor", None) if reader else None
        if decompressor is not None and getattr(reader, "fed", False) and not decompressor.eof:
            self.truncated = True  # the last gzip member never reached its end
        super().close()


@dataclass(slots=True)
class _Counts:
    records_read: int = 0
    html_records: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    last_short: bool = False  # the last record had fewer bytes than it declared


def _warc_date(value: str | None) -> datetime:
    if value:
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
        except ValueError:
            pass
    return datetime.now(UTC).replace(tzinfo=None)


def host_wanted(url: str, hosts: tuple[str, ...]) -> bool:
    """Whether ``url``'s host is one of ``hosts`` or a subdomain of one (``www.`` ignored)."""
    if not hosts:
        return True
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    for wanted in hosts:
        wanted = wanted.lower().strip().removeprefix("www.")
        if host == wanted or host.endswith("." + wanted):
            return True
    return False


def _drain(stream: Any) -> None:
    while stream.read(1 << 16):
        pass


def _page_from(record: ArcWarcRecord, spec: SourceSpec, max_bytes: int, counts: _Counts) -> PageRecord | None:
    """The record as a page, or None (counted as skipped or failed by reason)."""
    if record.rec_type != "response":
        counts.skipped["not_response"] += 1
        return None
    uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    if urlsplit(uri).scheme.lower() not in ("http", "https"):
        counts.skipped["no_target_uri"] += 1
        return None
    if not host_wanted(uri, spec.hosts):
        counts.skipped["host"] += 1
        return None
    if not spec.wants(uri):
        counts.skipped["url_pattern"] += 1
        return None
    http = record.http_headers
    if http is None:
        counts.failed["no_http_headers"] += 1
        return None
    try:
        status = int(http.get_statuscode() or 0)
    except ValueError:
        status = 0
    if status != 200:
        counts.skipped[f"http_{status}"] += 1
        return None
    media, charset = media_type(http.get_header("Content-Type"))
    if media and not media.startswith(_HTML_TYPES):
        counts.failed["not_html"] += 1
        return None
    if record.length is not None and record.length > max_bytes + 64 * 1024:
        counts.failed["too_large"] += 1
        return None
    try:
        body = record.content_stream().read(max_bytes + 1)
    except (CorruptMember, FetchError, OSError):  # the file's fault, not this payload's
        raise
    except Exception as exc:  # a payload whose declared encoding does not decode
        log.info("unreadable payload for %s: %s", uri, exc)
        counts.failed["bad_payload"] += 1
        return None
    if len(body) > max_bytes:
        counts.failed["too_large"] += 1
        return None
    _drain(record.raw_stream)
    if getattr(record.raw_stream, "limit", 0) > 0:  # fewer bytes than the record's Content-Length
        counts.last_short = True
        counts.failed["length_mismatch"] += 1
        return None
    head = body[:2048]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        counts.failed["binary"] += 1
        return None
    if not media and b"<" not in body[:4096]:
        counts.failed["not_html"] += 1
        return None
    counts.html_records += 1
    url, when = canonicalise_url(uri), _warc_date(record.rec_headers.get_header("WARC-Date"))
    return PageRecord(
        url=url,
        status="fetched",
        checked_at=when,
        final_url=url,
        fetched_at=when,
        http_status=status,
        content_type=media or None,
        charset=charset,
        etag=http.get_header("ETag"),
        last_modified=http.get_header("Last-Modified"),
        body=body,
    )


def _damage_reason(exc: BaseException, gzipped: bool, warned: bool) -> str:
    text = str(exc)
    if isinstance(exc, (zlib.error, CorruptMember)) or (gzipped and "\x1f\x8b" in text[:80]):
        return "corrupt_gzip"
    if warned or "Content-Length" in text or "first line: Content-" in text:
        return "length_mismatch"
    return "corrupt_record"


def iter_pages(raw: _Raw, spec: SourceSpec, max_bytes: int, counts: _Counts) -> Iterator[PageRecord]:
    """The wanted HTML pages of a WARC stream, damage skipped and counted.

    Raises :class:`StopReading` when the file cannot be read on (a truncated
    file, a plain WARC damaged mid-way, a download that broke off).
    """
    gzipped = raw.peek(2) == GZIP_MAGIC[:2]
    resyncs = 0
    while True:
        it = _Iterator(raw)
        pending: PageRecord | None = None  # yielded once warcio has read past it without complaint
        try:
            for record in it:
                counts.records_read += 1
                if (page := _settled(pending, it.err_count > 0, counts)) is not None:
                    yield page
                pending = None
                it.err_count = 0
                counts.last_short = False
                pending = _page_from(record, spec, max_bytes, counts)
            if (page := _settled(pending, it.err_count > 0, counts)) is not None:
                yield page
            pending = None
        except (FetchError, OSError):
            raise
        except Exception as exc:
            # warcio read past the pending record to the damage: it ended where it said, unless its
            # length lied, and then the damage that follows is that lie (counted once, there)
            counted = pending is not None and it.err_count > 0
            if (page := _settled(pending, it.err_count > 0, counts)) is not None:
                yield page
            where = f"near offset {it.offset}"
            if not gzipped:  # a plain WARC has no member boundary to pick up again from
                if counts.records_read == 0:
                    reason = "not_warc"
                else:
                    reason = "truncated" if not raw.peek(1) else _damage_reason(exc, gzipped, False)
                counts.failed[reason] += 1
                raise StopReading(reason, f"unreadable {where}: {str(exc).strip()[:200]}") from exc
            reason = _damage_reason(exc, gzipped, it.err_count > 0)
            if not counted:
                counts.failed[reason] += 1
            log.info("%s: damaged record %s (%s), skipped to the next gzip member: %s",
                     spec.name, where, reason, str(exc)[:120])  # fmt: skip
            resyncs += 1
            if resyncs > MAX_RESYNCS or not raw.resync(it.offset):
                return
            continue
        if it.truncated or (not gzipped and counts.last_short):
            if counts.last_short:  # the last record is short because the file is: one fault, not two
                counts.failed["length_mismatch"] -= 1
                if not counts.failed["length_mismatch"]:
                    del counts.failed["length_mismatch"]
            counts.failed["truncated"] += 1
            raise StopReading("truncated", f"the file ends inside a record (after {raw.tell()} bytes)")
        return


def _settled(pending: PageRecord | None, overran: bool, counts: _Counts) -> PageRecord | None:
    """The page read before, once warcio has read past its record: kept, unless the record
    ``overran`` its Content-Length (then it is counted and dropped)."""
    if pending is not None and overran:
        counts.failed["length_mismatch"] += 1
        counts.html_records -= 1
        return None
    return pending


class StopReading(Exception):
    """A file that cannot be read to its end: what is wrong, for ``warc_files.error``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


# -- one file, one unit of work -------------------------------------------------


@dataclass(frozen=True, slots=True)
class WarcFileOutcome:
    """What one file gave: the warehouse row, and the load counts for the run summary."""

    file: WarcFileRecord
    loaded: BatchOutcome


ProgressFn = Callable[[WarcFileRecord, float | None], None]


def _open(location: str, policy: FetchPolicy) -> Any:
    if is_remote(location):
        return open_remote(location, policy)
    return _LocalFile(local_path(location))


class _LocalFile:
    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> BinaryIO:
        self._fh = open(self.path, "rb")
        return self._fh

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


_END = object()


def _read_in_thread(
    location: str,
    spec: SourceSpec,
    policy: FetchPolicy,
    batch_size: int,
    counts: _Counts,
    out: queue.Queue[Any],
    stop: threading.Event,
) -> None:
    """Producer: batches of pages into ``out``, then ``_END`` or the exception that stopped reading."""
    try:
        with _open(location, policy) as stream:
            size = getattr(stream, "size", None)
            if size is None and hasattr(stream, "fileno"):
                size = os.fstat(stream.fileno()).st_size
            raw = _Raw(stream, size, seekable=not is_remote(location))
            out.put(("raw", raw))
            batch: list[PageRecord] = []
            try:
                for page in iter_pages(raw, spec, policy.max_bytes, counts):
                    batch.append(page)
                    if len(batch) >= batch_size:
                        out.put(("batch", batch))
                        batch = []
                        if stop.is_set():
                            return
            finally:  # pages read before damage that stops the file are loaded all the same
                if batch and not stop.is_set():
                    out.put(("batch", batch))
        out.put((_END, None))
    except BaseException as exc:
        out.put(("error", exc))


def _copy(counter: Counter[str]) -> dict[str, int]:
    """A copy of a counter the reader thread may be adding a key to at this moment."""
    while True:
        try:
            return dict(counter)
        except RuntimeError:  # "dictionary changed size during iteration": take it again
            continue


def _select(
    spec: SourceSpec,
    pages: list[PageRecord],
    db_path: str,
    counts: _Counts,
    handed: Mapping[str, StoredCopy],
) -> list[PageRecord]:
    """Pages whose bytes are not stored yet, and not older than a stored copy.

    ``handed`` are the pages of the batch being loaded now: stored as soon as its load commits.
    """
    stored = stored_copies(db_path, [p.url for p in pages])
    keep = []
    for page in pages:
        copy = handed.get(page.url) or stored.get(page.url)
        if copy is not None and copy.content_hash == body_hash(page.body):
            counts.skipped["already_stored"] += 1
        elif copy is not None and copy.fetched_at is not None and copy.fetched_at > page.checked_at:
            counts.skipped["newer_copy_stored"] += 1
        else:
            keep.append(page)
    return keep


def _extract(spec: SourceSpec, pages: list[PageRecord], counts: _Counts) -> list[PageRecord]:
    """The pipeline's extraction of a batch, then the date and language filters."""
    records = extract_pages(spec.name, FetchedBatch(pages, {}))
    wanted = []
    for record, page in zip(records, pages, strict=True):
        if not spec.in_range(_page_day(record, page)):
            counts.skipped["date"] += 1
        elif spec.languages and record.article is not None and record.article.language not in spec.languages:
            counts.skipped["language"] += 1
        else:
            wanted.append(record)
    return wanted


def _page_day(record: Any, page: PageRecord) -> date:
    article = record.article
    if article is not None and article.published is not None:
        published = article.published
        return published.date() if isinstance(published, datetime) else published
    return page.checked_at.date()


def ingest_warc_file(
    spec: SourceSpec,
    location: str,
    policy: FetchPolicy,
    db_path: str,
    run_id: str,
    *,
    batch_size: int = 100,
    progress: ProgressFn | None = None,
) -> WarcFileOutcome:
    """Read one WARC file and load its wanted pages; never raises for bad input.

    Pages are extracted and loaded a batch at a time through the nightly
    pipeline's own steps, while a reader thread reads the next batches (at most
    two waiting) and a loader thread loads the previous one. The returned
    record is what ``warc_files`` keeps.
    """
    started = datetime.now()
    counts = _Counts()
    loaded = BatchOutcome(source=spec.name)
    status, error = "done", None
    raw: _Raw | None = None
    pipe: queue.Queue[Any] = queue.Queue(maxsize=2)
    stop = threading.Event()
    reader = threading.Thread(
        target=_read_in_thread,
        args=(location, spec, policy, batch_size, counts, pipe, stop),
        name=f"warc-reader-{Path(location).name}",
        daemon=True,
    )
    reader.start()
    kept = 0

    def snapshot(state: str) -> WarcFileRecord:
        return WarcFileRecord(
            location=location, run_id=run_id, kind="warc", source=spec.name, status=state,
            size_bytes=raw.tell() if raw else 0, records_read=counts.records_read,
            html_records=counts.html_records, pages_kept=kept, articles=loaded.articles,
            facts=loaded.facts, failed_by_reason=_copy(counts.failed),
            skipped_by_reason=_copy(counts.skipped), error=error, started_at=started,
            finished_at=datetime.now(),
        )  # fmt: skip

    def next_pages() -> list[PageRecord] | None:
        """The reader's next batch, None at the end; raises what stopped the reader."""
        nonlocal raw
        while True:
            kind, item = pipe.get()
            if kind is _END:
                return None
            if kind == "raw":
                raw = item
            elif kind == "error":
                raise item
            else:
                return list(item)

    # Batch N is loaded in a thread while batch N+1 is extracted. Batch N+1 is checked against the
    # stored copies before batch N's load begins (the writer is free then), and against batch N's
    # pages themselves, so a page is skipped exactly when it would be one batch after another.
    loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warc-load")
    in_load: Future[BatchOutcome] | None = None

    def settle() -> None:
        nonlocal in_load, loaded
        if in_load is not None:
            future, in_load = in_load, None
            loaded = add_outcome(loaded, future.result())

    failure: Exception | None = None
    try:
        batch = next_pages()
        pages = _select(spec, batch, db_path, counts, {}) if batch is not None else None
        while pages is not None:
            wanted = _extract(spec, pages, counts) if pages else []
            try:
                following = next_pages()
            except (StopReading, FetchError, OSError) as exc:  # this batch is still loaded
                failure, following = exc, None
            settle()
            handed = {
                r.url: StoredCopy(body_hash(r.body), r.fetched_at) for r in wanted if r.body is not None
            }
            pages = _select(spec, following, db_path, counts, handed) if following is not None else None
            if wanted:
                in_load = loader.submit(load_batch, spec.name, wanted, db_path, run_id)
                kept += len(wanted)
            if progress is not None:
                fraction = raw.tell() / raw.size if raw is not None and raw.size else None
                progress(snapshot("running"), fraction)
    except (StopReading, FetchError, OSError) as exc:
        failure = exc
    finally:
        stop.set()
        while reader.is_alive():  # unblock a reader waiting on a full queue, then let it finish
            with contextlib.suppress(queue.Empty):
                pipe.get(timeout=0.1)
        reader.join()
        loader.shutdown(wait=True)
    settle()  # the pages read before damage that stopped the file are loaded all the same
    if isinstance(failure, StopReading):
        status, error = "failed", f"{failure.reason}: {failure}"
    elif isinstance(failure, FetchError):
        counts.failed[failure.reason] += 1
        status, error = "failed", f"{failure.reason}: {failure}"
    elif isinstance(failure, FileNotFoundError):
        counts.failed["not_found"] += 1
        status, error = "failed", f"not_found: no file {failure.filename}"
    elif isinstance(failure, OSError):
        counts.failed["unreadable"] += 1
        status, error = "failed", f"unreadable: {failure}"
    record = snapshot(status)
    if progress is not None:
        progress(record, 1.0)
    return WarcFileOutcome(record, loaded)


def listing_record(failure: ListingFailure, spec: SourceSpec, run_id: str) -> WarcFileRecord:
    now = datetime.now()
    return WarcFileRecord(
        location=failure.location, run_id=run_id, kind="listing", source=spec.name, status="failed",
        failed_by_reason={failure.reason: 1}, error=f"{failure.reason}: {failure.error}"[:500],
        started_at=now, finished_at=now,
    )  # fmt: skip


def timed_progress(log_fn: Callable[[str], None], every_s: float = 30.0) -> ProgressFn:
    """A progress callback that logs a file's figures at most every ``every_s`` seconds, and at its end."""
    last = [0.0]

    def report(rec: WarcFileRecord, fraction: float | None) -> None:
        now = time.monotonic()
        if rec.status == "running" and now - last[0] < every_s:
            return
        last[0] = now
        share = f" ({100 * fraction:.0f}%)" if fraction is not None and rec.status == "running" else ""
        log_fn(
            f"{Path(rec.location).name}: {rec.status}{share}, {rec.records_read} records read,"
            f" {rec.pages_kept} pages kept, {rec.articles} articles, {rec.facts} facts"
            + (f", failures {dict(rec.failed_by_reason)}" if rec.failed_by_reason else "")
        )

    return report


__all__ = [
    "WarcFileOutcome",
    "ingest_warc_file",
    "is_listing",
    "listing_record",
    "timed_progress",
    "warc_locations",
]
