"""Cache keys: operation, algorithm version, tenant namespace and a hash of the canonical request.

The canonical request is the request message, paging fields cleared, serialized deterministically:
gRPC and REST parse into the same message, so the same request over either protocol has the same key.
"""

from __future__ import annotations

import hashlib

from google.protobuf.message import Message

from curation.contract import NAME_PATTERN, is_valid_name
from curation.errors import InvalidArgument

__all__ = [
    "KEY_PREFIX",
    "body_alias_key",
    "body_digest",
    "canonical_bytes",
    "check_namespace",
    "key_digest",
    "storage_key",
    "tenant_prefix",
]

KEY_PREFIX = "curation"


def check_namespace(namespace: str) -> str:
    """The namespace if it is a safe key component (letters, digits, ``_.-``, at most 63 characters)."""
    if not is_valid_name(namespace):
        raise InvalidArgument(f"namespace must match {NAME_PATTERN}", field="namespace")
    return namespace


def canonical_bytes(request: Message, paging_fields: tuple[str, ...]) -> bytes:
    """Deterministic serialization of ``request`` without its paging fields.

    Paging fields that are set are cleared on ``request`` itself for the serialization and put back
    after (copying a 35 MB request took as long as serializing it), so the caller must own ``request``;
    a repeated paging field is cleared on a copy instead."""
    saved = [(f, getattr(request, f)) for f in paging_fields if _is_set(request, f)]
    if not saved:
        return request.SerializeToString(deterministic=True)
    fields = request.DESCRIPTOR.fields_by_name
    if any(fields[name].is_repeated for name, _ in saved):
        clone = type(request)()
        clone.CopyFrom(request)
        for name, _ in saved:
            clone.ClearField(name)
        return clone.SerializeToString(deterministic=True)
    kept = [(name, _detached(value)) for name, value in saved]
    for name, _ in kept:
        request.ClearField(name)
    try:
        return request.SerializeToString(deterministic=True)
    finally:
        for name, value in kept:
            if isinstance(value, Message):
                getattr(request, name).CopyFrom(value)
            else:
                setattr(request, name, value)


def _detached(value: object) -> object:
    """A sub-message copied (it is cleared from its parent next); a scalar as it is."""
    if not isinstance(value, Message):
        return value
    copy = type(value)()
    copy.CopyFrom(value)
    return copy


def _is_set(message: Message, field: str) -> bool:
    return message.HasField(field) if _has_presence(message, field) else bool(getattr(message, field))


def _has_presence(message: Message, field: str) -> bool:
    return bool(message.DESCRIPTOR.fields_by_name[field].has_presence)


def key_digest(
    operation: str, version: int, namespace: str, material: bytes, *, known: tuple[bytes, str] | None = None
) -> str:
    """Hex SHA-256 over the key's components, each length-prefixed so no two tuples collide, and the
    SHA-256 of ``material`` (not the material itself, so that a hash made earlier can stand for it).

    ``known``: bytes and their hex SHA-256 (a request body and its ``body_digest``); when ``material``
    is those bytes (a gRPC body already in canonical form) their hash is reused, which saves hashing the
    material a second time (~6 ms for a 10 MB COCO request)."""
    if known is not None and known[0] == material:
        material_hash = bytes.fromhex(known[1])
    else:
        material_hash = hashlib.sha256(material).digest()
    h = hashlib.sha256()
    for part in (operation.encode(), str(version).encode(), namespace.encode()):
        h.update(len(part).to_bytes(4, "big"))
        h.update(part)
    h.update(material_hash)
    return h.hexdigest()


def storage_key(namespace: str, operation: str, version: int, digest: str) -> str:
    """The key as stored: readable prefix (for operators and per-tenant scans) + the digest."""
    return f"{tenant_prefix(namespace)}{operation}:v{version}:{digest}"


def tenant_prefix(namespace: str) -> str:
    """What every cache key of ``namespace`` starts with (results and body aliases), and no other
    namespace's: a namespace has no ``:`` (``NAME_PATTERN``), so ``a:`` never starts ``a-dev:``."""
    return f"{KEY_PREFIX}:{namespace}:"


def body_digest(body: bytes) -> str:
    """Hex SHA-256 of a raw request body (adapters may also compute it incrementally while receiving)."""
    return hashlib.sha256(body).hexdigest()


def body_alias_key(namespace: str, operation: str, version: int, digest: str, body_format: str) -> str:
    """Key of the fast-path alias for a request body with SHA-256 ``digest`` in ``body_format``
    (``"json"`` for REST, ``"proto"`` for gRPC's wire bytes)."""
    alias = key_digest(f"body:{body_format}:{operation}", version, namespace, digest.encode())
    return f"{tenant_prefix(namespace)}body:{body_format}:{operation}:v{version}:{alias}"
