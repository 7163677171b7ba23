"""Page tokens and page sizes, shared by every operation that returns a ranked list in pages.

A token is the base64url of ``curation.internal.v1.PageToken``: the digest of the cached evaluation it
was issued for and an offset into its ranked list. A token is only valid for the same request (same digest).

A token is bound to the tenant it was issued to. An operation's respond function cuts pages and issues
the unsigned token (``page_bounds``); the seam signs it before it leaves the service (``sign_page_token``)
and checks the MAC of every token it receives before anything is computed (``check_page_token``). Rules:

- not base64url of a ``PageToken`` at all: ``InvalidArgument`` (its shape says nothing about any data);
- a MAC that does not verify for the caller's tenant - a token of another tenant, altered, made up, or
  from before tokens were signed (no MAC: nothing tells it from a stripped one, and the remedy is the
  same, ask for the first page again): ``NotFound``, one message for all of them;
- the tenant's own token for another request: ``InvalidArgument`` (it leaks nothing: only this tenant
  could have been issued it); an offset that is negative or past the end: ``InvalidArgument``.
"""

from __future__ import annotations

import base64
import binascii

from google.protobuf.message import DecodeError

from curation.errors import InvalidArgument, NotFound
from curation.internal.v1 import cache_pb2
from curation.ops.bindings import TenantBindings

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "PAGE_TOKEN_NOT_FOUND",
    "check_page_size",
    "check_page_token",
    "decode_page_token",
    "encode_page_token",
    "page_bounds",
    "sign_page_token",
]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 10_000
# The MAC's purpose (``TenantBindings``), and the one answer to a token that does not verify.
_PURPOSE = "page-token"
PAGE_TOKEN_NOT_FOUND = "no such page token: ask for the first page again"


def encode_page_token(key_digest: str, offset: int) -> str:
    """Unsigned token for the page that starts at ``offset`` of the evaluation stored under ``key_digest``
    (the seam signs it: ``sign_page_token``)."""
    return _encode(cache_pb2.PageToken(key_digest=key_digest, offset=offset))


def _parse(token: str, field: str) -> cache_pb2.PageToken:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return cache_pb2.PageToken.FromString(raw)
    except (binascii.Error, ValueError, DecodeError):
        raise InvalidArgument("malformed page token", field=field) from None


def _encode(msg: cache_pb2.PageToken) -> str:
    return base64.urlsafe_b64encode(msg.SerializeToString()).decode("ascii").rstrip("=")


def _bound_parts(msg: cache_pb2.PageToken) -> tuple[bytes, bytes]:
    return msg.key_digest.encode(), str(msg.offset).encode()


def sign_page_token(token: str, tenant: str, bindings: TenantBindings) -> str:
    """``token`` (as a respond function issued it) bound to ``tenant``: what the caller receives."""
    if not token:
        return ""
    msg = _parse(token, "next_page_token")
    msg.key_id, msg.mac = bindings.sign(_PURPOSE, tenant, *_bound_parts(msg))
    return _encode(msg)


def check_page_token(
    token: str, tenant: str, bindings: TenantBindings, key_digest: str | None, *, field: str = "page_token"
) -> None:
    """Refuse a ``token`` not issued to ``tenant`` (``NotFound``), or, when ``key_digest`` is given,
    issued for another request (``InvalidArgument``): the rules of the module docstring."""
    if not token:
        return
    msg = _parse(token, field)
    if not bindings.verify(msg.key_id, msg.mac, _PURPOSE, tenant, *_bound_parts(msg)):
        raise NotFound(PAGE_TOKEN_NOT_FOUND, field=field)
    if key_digest is not None and msg.key_digest != key_digest:
        raise InvalidArgument("page token was issued for a different request", field=field)


def decode_page_token(token: str, key_digest: str, *, field: str = "page_token") -> int:
    """Offset carried by ``token`` (its MAC is the seam's to check); raises InvalidArgument unless it was
    issued for ``key_digest``."""
    if not token:
        return 0
    msg = _parse(token, field)
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
