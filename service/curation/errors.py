"""The error kinds a caller can meet, protocol-neutral.

Core and ops raise these; ``curation.error_table`` maps each kind to its ``google.rpc.Code`` and HTTP
status (both adapters derive their codes from that one table), so a bad request maps the same way on
either protocol.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

__all__ = [
    "CurationError",
    "DeadlineExceeded",
    "INTERNAL_MESSAGE",
    "ErrorKind",
    "InvalidArgument",
    "LimitExceeded",
    "NotFound",
    "Overloaded",
    "PayloadTooLarge",
    "PermissionDenied",
    "RateLimited",
    "StorageFull",
    "UNAUTHENTICATED_MESSAGE",
    "Unauthenticated",
    "Unavailable",
]

# What a caller is told about a bug (the details go to the log, under the request ID).
INTERNAL_MESSAGE = "internal error; quote the request id"
# What a caller is told about any failed authentication: never which check failed (missing, wrong,
# expired, revoked, bad signature, wrong audience...), which would help whoever probes.
UNAUTHENTICATED_MESSAGE = "missing or invalid credentials"


class ErrorKind(StrEnum):
    """The stable kind of a failure; clients read it as ``ErrorInfo.reason`` (upper-cased)."""

    INVALID_ARGUMENT = "invalid_argument"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    NOT_FOUND = "not_found"
    DEADLINE_EXCEEDED = "deadline_exceeded"
    UNAVAILABLE = "unavailable"
    LIMIT_EXCEEDED = "limit_exceeded"
    OVERLOADED = "overloaded"
    STORAGE_FULL = "storage_full"
    UNAUTHENTICATED = "unauthenticated"
    PERMISSION_DENIED = "permission_denied"
    RATE_LIMITED = "rate_limited"
    INTERNAL = "internal"


class CurationError(Exception):
    """Base of every error the service reports to a caller; raised as is, it is an internal error.

    ``field`` names the offending request field with its first bad index (``"y_true[12]"``).
    """

    kind: ClassVar[ErrorKind] = ErrorKind.INTERNAL
    # Seconds ``RetryInfo`` advises for this error, when it knows better than its kind's default.
    retry_delay: float | None = None

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidArgument(CurationError):
    """The request is malformed or its values are out of range."""

    kind = ErrorKind.INVALID_ARGUMENT


class PayloadTooLarge(CurationError):
    """The request is larger than the configured limit."""

    kind = ErrorKind.PAYLOAD_TOO_LARGE


class NotFound(CurationError):
    """A named resource (a cached result, a collection, a fitted model) does not exist."""

    kind = ErrorKind.NOT_FOUND


class DeadlineExceeded(CurationError):
    """The caller's deadline passed before the answer was ready."""

    kind = ErrorKind.DEADLINE_EXCEEDED


class Unavailable(CurationError):
    """The service is shutting down or a dependency it cannot do without is down."""

    kind = ErrorKind.UNAVAILABLE


class LimitExceeded(CurationError):
    """A parameter or the request's estimated cost is over its documented maximum (``field`` names it).

    Raised before anything is allocated: the same request fails the same way on every replica."""

    kind = ErrorKind.LIMIT_EXCEEDED


class Overloaded(CurationError):
    """The process is running as much concurrent work as its admission budget allows; retry later."""

    kind = ErrorKind.OVERLOADED


class StorageFull(CurationError):
    """A store (embeddings, fitted models) is at its budget: the put is refused, nothing stored is lost."""

    kind = ErrorKind.STORAGE_FULL


class Unauthenticated(CurationError):
    """No valid credential: the caller always reads :data:`UNAUTHENTICATED_MESSAGE`. ``reason`` says which
    check failed, for the audit log only (never sent)."""

    kind = ErrorKind.UNAUTHENTICATED

    def __init__(self, reason: str) -> None:
        super().__init__(UNAUTHENTICATED_MESSAGE)
        self.reason = reason


class PermissionDenied(CurationError):
    """A valid credential without the scope an operation needs, or naming a namespace it is not granted."""

    kind = ErrorKind.PERMISSION_DENIED


class RateLimited(CurationError):
    """The tenant is over its request rate (``CURATION_TENANT_RATE_PER_SECOND``); ``retry_delay`` is the
    time until its bucket holds a token again."""

    kind = ErrorKind.RATE_LIMITED

    def __init__(self, message: str, *, retry_delay: float) -> None:
        super().__init__(message)
        self.retry_delay = retry_delay
