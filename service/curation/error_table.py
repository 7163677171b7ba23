"""The one error table: each error kind's ``google.rpc.Code``, HTTP status and retry advice, and the
``google.rpc.Status`` (AIP-193's error model) both adapters send for an error.

``ERROR_TABLE`` is the only place a kind is mapped to a status: the gRPC adapter (``curation.rpc.errors``)
and the REST adapter (``curation.rest.errors``) derive their codes from it, and a test keeps it complete.
HTTP statuses follow the standard ``google.rpc.Code`` mapping (``google/rpc/code.proto``), except that a
body over the size limit stays 413.

A status carries, in this order: ``ErrorInfo`` (reason = the kind in UPPER_SNAKE, domain
``curation.v1``, ``metadata.field`` when a field is named), ``BadRequest`` (one field violation, only
when a field is named), ``RequestInfo`` (the request ID) and ``RetryInfo`` (only where a retry helps).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2

from curation.errors import CurationError, ErrorKind

__all__ = ["DOMAIN", "ERROR_TABLE", "RETRY_DELAY_SECONDS", "KindStatus", "error_status", "rpc_status"]

# ErrorInfo.domain of every error this service reports.
DOMAIN: Final = "curation.v1"
# What RetryInfo (and REST's Retry-After) advise a caller refused for load or shutdown to wait.
RETRY_DELAY_SECONDS: Final = 1


@dataclass(frozen=True, slots=True)
class KindStatus:
    """How one error kind is reported: its ``google.rpc.Code``, its HTTP status, and the delay
    ``RetryInfo`` advises (None: retrying the same request does not help, so no ``RetryInfo``)."""

    code: int  # a google.rpc.Code
    http: int
    retry_delay: int | None = None


ERROR_TABLE: Final[Mapping[ErrorKind, KindStatus]] = MappingProxyType(
    {
        ErrorKind.INVALID_ARGUMENT: KindStatus(code_pb2.INVALID_ARGUMENT, 400),
        # A parameter or cost over its documented maximum: the same request never succeeds.
        ErrorKind.LIMIT_EXCEEDED: KindStatus(code_pb2.INVALID_ARGUMENT, 400),
        ErrorKind.PAYLOAD_TOO_LARGE: KindStatus(code_pb2.RESOURCE_EXHAUSTED, 413),
        ErrorKind.NOT_FOUND: KindStatus(code_pb2.NOT_FOUND, 404),
        ErrorKind.DEADLINE_EXCEEDED: KindStatus(code_pb2.DEADLINE_EXCEEDED, 504),
        ErrorKind.UNAVAILABLE: KindStatus(code_pb2.UNAVAILABLE, 503, RETRY_DELAY_SECONDS),
        ErrorKind.OVERLOADED: KindStatus(code_pb2.RESOURCE_EXHAUSTED, 429, RETRY_DELAY_SECONDS),
        ErrorKind.STORAGE_FULL: KindStatus(code_pb2.RESOURCE_EXHAUSTED, 429),
        # The error's own delay (its bucket's refill time) is advised; this is the fallback.
        ErrorKind.RATE_LIMITED: KindStatus(code_pb2.RESOURCE_EXHAUSTED, 429, RETRY_DELAY_SECONDS),
        ErrorKind.INTERNAL: KindStatus(code_pb2.INTERNAL, 500),
        ErrorKind.UNAUTHENTICATED: KindStatus(code_pb2.UNAUTHENTICATED, 401),
        ErrorKind.PERMISSION_DENIED: KindStatus(code_pb2.PERMISSION_DENIED, 403),
    }
)


def _packed(message: Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def rpc_status(
    code: int,
    reason: str,
    message: str,
    *,
    field: str = "",
    request_id: str = "",
    retry_delay: float | None = None,
) -> status_pb2.Status:
    """The ``google.rpc.Status`` of one error, details in the contract's order (module docstring).

    ``message`` names no field; the status message is prefixed with ``field`` when there is one, so a
    caller reading only the message still sees which field is wrong."""
    info = error_details_pb2.ErrorInfo(
        reason=reason, domain=DOMAIN, metadata={"field": field} if field else {}
    )
    details = [_packed(info)]
    if field:
        violation = error_details_pb2.BadRequest.FieldViolation(field=field, description=message)
        details.append(_packed(error_details_pb2.BadRequest(field_violations=[violation])))
    details.append(_packed(error_details_pb2.RequestInfo(request_id=request_id)))
    if retry_delay is not None:
        whole = int(retry_delay)
        delay = duration_pb2.Duration(seconds=whole, nanos=round((retry_delay - whole) * 1e9))
        details.append(_packed(error_details_pb2.RetryInfo(retry_delay=delay)))
    text = f"{field}: {message}" if field else message
    return status_pb2.Status(code=code, message=text, details=details)


def error_status(error: CurationError, request_id: str) -> status_pb2.Status:
    """The ``google.rpc.Status`` of a ``CurationError`` (code and retry advice from ``ERROR_TABLE``; the
    error's own ``retry_delay`` when it has one)."""
    row = ERROR_TABLE[error.kind]
    delay = row.retry_delay if row.retry_delay is None or error.retry_delay is None else error.retry_delay
    return rpc_status(
        row.code,
        error.kind.upper(),
        error.message,
        field=error.field,
        request_id=request_id,
        retry_delay=delay,
    )
