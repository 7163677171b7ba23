"""What callers and operators can rely on beyond the protos: header names, defaults and limits that both
protocols, the ops seam and the clients share. Written down once, here.

Importing this module is cheap (no numpy, no server), so the clients read it too.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "AUTHORIZATION_HEADER",
    "DEFAULT_CACHE_TTL_SECONDS",
    "DEFAULT_NAMESPACE",
    "GRPC_TIMEOUT_HEADER",
    "NAME_PATTERN",
    "NAMESPACE_HEADER",
    "OFF_LOOP_BYTES",
    "REQUEST_ID_HEADER",
    "REQUEST_TIMEOUT_HEADER",
    "is_valid_name",
]

# Request metadata (gRPC) and headers (REST): the same lower-case names on both protocols.
REQUEST_ID_HEADER: Final = "x-request-id"
NAMESPACE_HEADER: Final = "x-curation-namespace"
REQUEST_TIMEOUT_HEADER: Final = "x-request-timeout-ms"
GRPC_TIMEOUT_HEADER: Final = "grpc-timeout"
# "Bearer <API key or JWT>" (RFC 6750), on both protocols.
AUTHORIZATION_HEADER: Final = "authorization"

# The tenant of a request that names none.
DEFAULT_NAMESPACE: Final = "default"
# Tenant namespaces and embedding-collection names: safe as one component of a cache key.
NAME_PATTERN: Final = "[A-Za-z0-9][A-Za-z0-9_.-]{0,62}"
_NAME = re.compile(NAME_PATTERN)

# How long a cached result (and a stored embedding) lives unless configured otherwise.
DEFAULT_CACHE_TTL_SECONDS: Final = 24 * 3600
# Request bodies and responses at least this large are parsed / serialized in a worker thread, never
# on the event loop (both adapters).
OFF_LOOP_BYTES: Final = 256 * 1024


def is_valid_name(name: str) -> bool:
    """Whether ``name`` matches :data:`NAME_PATTERN` (a namespace or a collection name)."""
    return _NAME.fullmatch(name) is not None
