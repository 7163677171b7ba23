"""One error hierarchy and one table mapping each kind to its gRPC and HTTP status.

Core and ops raise these; the gRPC interceptor and the FastAPI exception handler both read
``STATUS_BY_KIND``, so a bad request maps the same way on either protocol.
"""

from __future__ import annotations

from typing import ClassVar, Final

import grpc

__all__ = [
    "STATUS_BY_KIND",
    "CurationError",
    "DeadlineExceeded",
    "InvalidArgument",
    "NotFound",
    "PayloadTooLarge",
    "Unavailable",
]


class CurationError(Exception):
    """Base of every error the service reports to a caller.

    ``field`` names the offending request field with its first bad index (``"y_true[12]"``).
    """

    kind: ClassVar[str] = "internal"

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidArgument(CurationError):
    """The request is malformed or its values are out of range."""

    kind = "invalid_argument"


class PayloadTooLarge(CurationError):
    """The request is larger than the configured limit."""

    kind = "payload_too_large"


class NotFound(CurationError):
    """A named resource (a cached result, a collection, a fitted model) does not exist."""

    kind = "not_found"


class DeadlineExceeded(CurationError):
    """The caller's deadline passed before the answer was ready."""

    kind = "deadline_exceeded"


class Unavailable(CurationError):
    """The service is shutting down or a dependency it cannot do without is down."""

    kind = "unavailable"


# kind -> (gRPC status, HTTP status). The only place where this mapping is written down.
STATUS_BY_KIND: Final[dict[str, tuple[grpc.StatusCode, int]]] = {
    "invalid_argument": (grpc.StatusCode.INVALID_ARGUMENT, 422),
    "payload_too_large": (grpc.StatusCode.RESOURCE_EXHAUSTED, 413),
    "not_found": (grpc.StatusCode.NOT_FOUND, 404),
    "deadline_exceeded": (grpc.StatusCode.DEADLINE_EXCEEDED, 504),
    "unavailable": (grpc.StatusCode.UNAVAILABLE, 503),
    "internal": (grpc.StatusCode.INTERNAL, 500),
}
