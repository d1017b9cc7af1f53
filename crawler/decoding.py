"""Content-Encoding decoding with a hard cap on the decoded size.

httpx decodes gzip and brotli for us, but a single compressed chunk of a
"gzip bomb" can expand to tens of megabytes before any caller sees it. Here
the raw stream is decoded with an output limit per step, so memory stays
within ``max_bytes`` plus one chunk whatever the compression ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import brotli


class DecodedTooLarge(Exception):
    """The decoded body went past the limit."""


class BoundedDecoder:
    """Feed raw chunks in, get decoded bytes out, never more than ``max_bytes`` in all."""

    _STEP = 256 * 1024

    def __init__(self, content_encoding: str | None, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.total = 0
        encoding = (content_encoding or "identity").strip().lower()
        self._decode: Callable[[bytes], bytes]
        if encoding in ("gzip", "x-gzip", "deflate"):
            # wbits 47 accepts gzip and zlib headers; raw deflate is retried below.
            self._zlib = zlib.decompressobj(47)
            self._decode = self._decode_zlib
        elif encoding == "br":
            self._brotli = brotli.Decompressor()
            self._decode = self._decode_brotli
        else:
            self._decode = self._identity

    def _check(self, produced: int) -> None:
        self.total += produced
        if self.total > self.max_bytes:
            raise DecodedTooLarge(f"decoded body exceeds {self.max_bytes} bytes")

    def _identity(self, chunk: bytes) -> bytes:
        self._check(len(chunk))
        return chunk

    def _decode_zlib(self, chunk: bytes) -> bytes:
        parts = []
        data = chunk
        while data:
            out = self._zlib.decompress(data, self._STEP)
            self._check(len(out))
            parts.append(out)
            data = self._zlib.unconsumed_tail
        return b"".join(parts)

    def _decode_brotli(self, chunk: bytes) -> bytes:
        parts = []
        out = self._brotli.process(chunk, output_buffer_limit=self._STEP)
        self._check(len(out))
        parts.append(out)
        while not self._brotli.can_accept_more_data() and not self._brotli.is_finished():
            out = self._brotli.process(b"", output_buffer_limit=self._STEP)
            self._check(len(out))
            parts.append(out)
        return b"".join(parts)

    def feed(self, chunk: bytes) -> bytes:
        try:
            return self._decode(chunk)
        except (zlib.error, brotli.error) as exc:
            raise ValueError(f"corrupt compressed body: {exc}") from exc

    def finish(self) -> bytes:
        if hasattr(self, "_zlib"):
            out = self._zlib.flush()
            self._check(len(out))
            return out
        return b""
