"""Page tokens and page sizes, shared by every operation that returns a ranked list in pages.

A token is the base64url of ``curation.internal.v1.PageToken``: the digest of the cached evaluation it
was issued for and an offset into its ranked list. A token is only valid for the same request (same digest).
"""

from __future__ import annotations

import base64
import binascii

from google.protobuf.message import DecodeError

from curation.errors import InvalidArgument
from curation.internal.v1 import cache_pb2

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "check_page_size",
    "decode_page_token",
    "encode_page_token",
    "page_bounds",
]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 10_000


def encode_page_token(key_digest: str, offset: int) -> str:
    """Token for the page that starts at ``offset`` of the evaluation stored under ``key_digest``."""
    raw = cache_pb2.PageToken(key_digest=key_digest, offset=offset).SerializeToString()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_page_token(token: str, key_digest: str, *, field: str = "page_token") -> int:
    """Offset carried by ``token``; raises InvalidArgument unless it was issued for ``key_digest``."""
    if not token:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        msg = cache_pb2.PageToken.FromString(raw)
    except (binascii.Error, ValueError, DecodeError):
        raise InvalidArgument("malformed page token", field=field) from None
    if msg.key_digest != key_digest:
        raise InvalidArgument("page token was issued for a different request", field=field)
    if msg.offset < 0:
        raise InvalidArgument("page token offset is negative", field=field)
    return int(msg.offset)


def check_page_size(page_size: int, *, field: str = "page_size") -> int:
    """The effective page size: 0 means the default; negative or above the maximum is rejected."""
    if page_size < 0:
        raise InvalidArgument(f"must be >= 0, got {page_size}", field=field)
    if page_size > MAX_PAGE_SIZE:
        raise InvalidArgument(f"must be <= {MAX_PAGE_SIZE}, got {page_size}", field=field)
    return page_size or DEFAULT_PAGE_SIZE


def page_bounds(total: int, page_size: int, page_token: str, key_digest: str) -> tuple[int, int, str]:
    """(start, stop, next_page_token) of the requested page over a ranked list of ``total`` items."""
    size = check_page_size(page_size)
    start = decode_page_token(page_token, key_digest)
    if start > total:
        raise InvalidArgument(f"page token offset {start} is past the end ({total})", field="page_token")
    stop = min(start + size, total)
    next_token = encode_page_token(key_digest, stop) if stop < total else ""
    return start, stop, next_token
