"""Request metadata (gRPC) and header (REST) names the service reads: the same lower-case names on both
protocols. The service's ``curation.contract`` writes them too; a test keeps the two equal."""

from __future__ import annotations

from typing import Final

__all__ = ["AUTHORIZATION_HEADER", "NAMESPACE_HEADER", "REQUEST_ID_HEADER", "REQUEST_TIMEOUT_HEADER"]

REQUEST_ID_HEADER: Final = "x-request-id"
NAMESPACE_HEADER: Final = "x-curation-namespace"
# REST only: the caller's deadline (gRPC sends its own, grpc-timeout).
REQUEST_TIMEOUT_HEADER: Final = "x-request-timeout-ms"
# ``Bearer <token>`` when the client is given a bearer_token.
AUTHORIZATION_HEADER: Final = "authorization"
