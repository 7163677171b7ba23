"""One exception for both protocols, decoded from the ``google.rpc.Status`` the service sends: the
``grpc-status-details-bin`` trailer on gRPC, the AIP-193 JSON body on REST.

A failure without details (a proxy, gRPC's own message-size limit, an HTML 502) still becomes a
``CurationClientError``: its kind is guessed from the protocol status, and ``rpc_status`` holds only the
code and message.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.rpc import code_pb2, error_details_pb2, status_pb2

from curation_client.headers import REQUEST_ID_HEADER

__all__ = ["STATUS_TRAILER", "CurationClientError", "from_grpc_error", "from_http_response", "from_status"]

# The gRPC trailer holding the serialized google.rpc.Status (what grpcio-status reads; decoded here
# so the client needs no more than googleapis-common-protos).
STATUS_TRAILER = "grpc-status-details-bin"

# When a failure carries no google.rpc.Status (a proxy, a message-size limit enforced by gRPC itself).
_KIND_BY_GRPC = {
    grpc.StatusCode.INVALID_ARGUMENT: "invalid_argument",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "payload_too_large",
    grpc.StatusCode.NOT_FOUND: "not_found",
    grpc.StatusCode.DEADLINE_EXCEEDED: "deadline_exceeded",
    grpc.StatusCode.UNAVAILABLE: "unavailable",
    grpc.StatusCode.UNIMPLEMENTED: "unimplemented",
    grpc.StatusCode.CANCELLED: "cancelled",
}
_KIND_BY_HTTP = {
    400: "invalid_argument",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "overloaded",
    503: "unavailable",
    504: "deadline_exceeded",
}
# The google.rpc.Code of a bare HTTP status (the reverse of google/rpc/code.proto's HTTP mapping).
_CODE_BY_HTTP = {
    400: code_pb2.INVALID_ARGUMENT,
    401: code_pb2.UNAUTHENTICATED,
    403: code_pb2.PERMISSION_DENIED,
    404: code_pb2.NOT_FOUND,
    409: code_pb2.ABORTED,
    413: code_pb2.RESOURCE_EXHAUSTED,
    429: code_pb2.RESOURCE_EXHAUSTED,
    499: code_pb2.CANCELLED,
    500: code_pb2.INTERNAL,
    501: code_pb2.UNIMPLEMENTED,
    503: code_pb2.UNAVAILABLE,
    504: code_pb2.DEADLINE_EXCEEDED,
}


class CurationClientError(Exception):
    """A failed call.

    ``kind`` is the service's stable error kind (``ErrorInfo.reason`` lower-cased: ``"invalid_argument"``,
    ...), ``message`` the status message, ``field`` the offending request field (``"y_true[12]"``) or
    ``""``, ``request_id`` the call's request ID, ``code`` the ``google.rpc.Code`` name
    (``"INVALID_ARGUMENT"``), ``status`` the protocol's status (a ``grpc.StatusCode`` or an HTTP status),
    ``retry_delay`` the seconds ``RetryInfo`` advises waiting before a retry (None: no retry advised),
    and ``rpc_status`` the ``google.rpc.Status`` itself.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        field: str = "",
        request_id: str = "",
        status: grpc.StatusCode | int,
        code: str = "UNKNOWN",
        retry_delay: float | None = None,
        rpc_status: status_pb2.Status | None = None,
    ) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.field = field
        self.request_id = request_id
        self.status = status
        self.code = code
        self.retry_delay = retry_delay
        self.rpc_status = rpc_status if rpc_status is not None else status_pb2.Status(message=message)


def from_status(
    status: status_pb2.Status, protocol_status: grpc.StatusCode | int, *, kind: str = "", request_id: str = ""
) -> CurationClientError:
    """The client error of a ``google.rpc.Status``; ``kind`` and ``request_id`` are used when its
    details do not say (a bare status)."""
    field = ""
    retry_delay: float | None = None
    for detail in status.details:  # Unpack is False for a detail of another type
        info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
        request, retry = error_details_pb2.RequestInfo(), error_details_pb2.RetryInfo()
        if detail.Unpack(info):
            kind = info.reason.lower() or kind
            field = field or info.metadata.get("field", "")
        elif detail.Unpack(bad) and bad.field_violations:
            field = bad.field_violations[0].field
        elif detail.Unpack(request):
            request_id = request.request_id or request_id
        elif detail.Unpack(retry):
            retry_delay = retry.retry_delay.ToTimedelta().total_seconds()
    code = code_pb2.Code.Name(status.code) if status.code in code_pb2.Code.values() else "UNKNOWN"
    return CurationClientError(
        kind or "internal",
        status.message,
        field=field,
        request_id=request_id,
        status=protocol_status,
        code=code,
        retry_delay=retry_delay,
        rpc_status=status,
    )


def from_grpc_error(error: grpc.RpcError) -> CurationClientError:
    """The client error of a failed gRPC call (``error`` is also a ``grpc.Call``)."""
    call: Any = error
    code: grpc.StatusCode = call.code()
    trailers = [(str(key), value) for key, value in call.trailing_metadata() or ()]
    request_id = next((v for k, v in trailers if k == REQUEST_ID_HEADER and isinstance(v, str)), "")
    status = _trailer_status(trailers, code)
    if status is None:
        status = status_pb2.Status(code=code.value[0], message=call.details() or "")
    return from_status(status, code, kind=_KIND_BY_GRPC.get(code, "internal"), request_id=request_id)


def _trailer_status(trailers: list[tuple[str, Any]], code: grpc.StatusCode) -> status_pb2.Status | None:
    """The ``google.rpc.Status`` trailer, if there is one that decodes and agrees with the call's code."""
    for key, value in trailers:
        if key == STATUS_TRAILER and isinstance(value, bytes):
            with contextlib.suppress(DecodeError):
                status = status_pb2.Status.FromString(value)
                if status.code == code.value[0]:
                    return status
    return None


def _parsed_status(error: dict[str, Any]) -> status_pb2.Status:
    """The ``google.rpc.Status`` of an AIP-193 ``error`` object (details of unknown types dropped)."""
    name = error.get("status")
    number = code_pb2.Code.Value(name) if name in set(code_pb2.Code.keys()) else code_pb2.UNKNOWN
    status = status_pb2.Status(code=number, message=str(error.get("message", "")))
    details = error.get("details")
    for detail in details if isinstance(details, list) else ():
        try:
            json_format.ParseDict(detail, status.details.add(), ignore_unknown_fields=True)
        except (json_format.ParseError, TypeError):
            del status.details[-1]
    return status


def from_http_response(status: int, body: bytes, request_id: str = "") -> CurationClientError:
    """The client error of a failed REST call (the service sends an AIP-193 JSON body)."""
    doc: Any = None
    with contextlib.suppress(ValueError):
        doc = json.loads(body)
    error = doc.get("error") if isinstance(doc, dict) else None
    fallback = _KIND_BY_HTTP.get(status, "internal" if status >= 500 else "invalid_argument")
    if isinstance(error, dict) and isinstance(error.get("status"), str):
        return from_status(_parsed_status(error), status, kind=fallback, request_id=request_id)
    text = body[:500].decode("utf-8", "replace")
    bare = status_pb2.Status(code=_CODE_BY_HTTP.get(status, code_pb2.UNKNOWN), message=text)
    return from_status(bare, status, kind=fallback, request_id=request_id)
