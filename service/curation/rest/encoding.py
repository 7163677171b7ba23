"""``Content-Encoding`` of a REST request body: ``identity`` (or none) as is, ``gzip`` inflated as it
arrives, anything else refused with 415 ``UNSUPPORTED_MEDIA_TYPE`` (field ``content-encoding``) before the
body is read.

Inflation is bounded: each arriving chunk is inflated a step at a time and the body is refused with 413
``payload_too_large`` (field ``content-encoding``) as soon as its inflated size passes the request size
limit, so a small compressed body never grows past what an uncompressed one may be.
"""

from __future__ import annotations

import zlib

from curation.errors import InvalidArgument, PayloadTooLarge
from curation.rest.errors import UnsupportedMediaType

__all__ = ["Inflater", "body_inflater"]

_STEP = 4 * 1024 * 1024  # inflated bytes produced per step (the limit is checked between steps)


class Inflater:
    """A gzip body (one or more members) inflated chunk by chunk, at most ``limit`` bytes in all."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self._stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._inside = False  # bytes of the current member have been fed and it has not ended

    def feed(self, chunk: bytes) -> bytes:
        """The inflated bytes of the next chunk of the body."""
        parts: list[bytes] = []
        data = chunk
        try:
            while data:
                self._inside = True
                piece = self._stream.decompress(data, _STEP)
                self._count(piece)
                parts.append(piece)
                if self._stream.eof:  # a member ended: the next one starts in the unused data
                    data = self._stream.unused_data
                    self._stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    self._inside = False
                else:
                    data = self._stream.unconsumed_tail
        except zlib.error as exc:
            raise InvalidArgument(f"body is not valid gzip: {exc}", field="content-encoding") from None
        return b"".join(parts)

    def finish(self) -> bytes:
        """What the stream still holds; a body that ends inside a member is refused."""
        if not self._inside:
            return b""
        rest = self._stream.flush()
        self._count(rest)
        if not self._stream.eof:
            raise InvalidArgument("gzip body is truncated", field="content-encoding")
        return rest

    def _count(self, piece: bytes) -> None:
        self.total += len(piece)
        if self.total > self.limit:
            raise PayloadTooLarge(
                f"body inflates to more than the limit of {self.limit:,} bytes", field="content-encoding"
            )


def body_inflater(content_encoding: str | None, limit: int) -> Inflater | None:
    """The inflater for a body's ``Content-Encoding`` (None: the body is used as it comes)."""
    coding = (content_encoding or "identity").strip().lower()
    if coding == "identity":
        return None
    if coding in ("gzip", "x-gzip"):
        return Inflater(limit)
    raise UnsupportedMediaType(
        f"Content-Encoding {content_encoding!r} is not supported: send gzip or identity",
        field="content-encoding",
    )
