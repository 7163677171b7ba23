"""One exception for both protocols, built from the gRPC ErrorDetail trailer or the REST error body."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from curation_client.headers import REQUEST_ID_HEADER
from curation_client.v1 import common_pb2

__all__ = ["ERROR_DETAIL_KEY", "CurationClientError", "from_grpc_error", "from_http_response"]

# gRPC trailing metadata carrying a serialized ``curation.v1.ErrorDetail``.
ERROR_DETAIL_KEY = "x-curation-error-bin"

# When a failure carries no ErrorDetail (a proxy, a message-size limit enforced by gRPC itself).
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
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    422: "invalid_argument",
    503: "unavailable",
    504: "deadline_exceeded",
}


class CurationClientError(Exception):
    """A failed call. ``kind`` is the service's stable error kind (``"invalid_argument"``, ...),
    ``field`` the offending request field (``"y_true[12]"``) or ``""``, ``status`` the protocol's
    status (a ``grpc.StatusCode`` or an HTTP status code)."""

    def __init__(
        self, kind: str, message: str, *, field: str = "", request_id: str = "", status: grpc.StatusCode | int
    ) -> None:
        super().__init__(f"{kind}: {field + ': ' if field else ''}{message}")
        self.kind = kind
        self.message = message
        self.field = field
        self.request_id = request_id
        self.status = status


def _pairs(metadata: Any) -> list[tuple[str, Any]]:
    """Metadata as (key, value) pairs (sync calls give ``_Metadatum`` tuples, aio a ``Metadata``)."""
    return [(str(key), value) for key, value in metadata or ()]


def from_grpc_error(error: grpc.RpcError) -> CurationClientError:
    """The client error of a failed gRPC call (``error`` is also a ``grpc.Call``)."""
    call: Any = error
    code: grpc.StatusCode = call.code()
    details: str = call.details() or ""
    trailers = _pairs(call.trailing_metadata())
    for key, value in trailers:
        if key == ERROR_DETAIL_KEY and isinstance(value, bytes):
            try:
                d = common_pb2.ErrorDetail.FromString(value)
            except DecodeError:
                break
            return CurationClientError(d.kind, d.message, field=d.field, request_id=d.request_id, status=code)
    request_id = next((v for k, v in trailers if k == REQUEST_ID_HEADER and isinstance(v, str)), "")
    kind = _KIND_BY_GRPC.get(code, "internal")
    return CurationClientError(kind, details, request_id=request_id, status=code)


def from_http_response(status: int, body: bytes, request_id: str = "") -> CurationClientError:
    """The client error of a failed REST call (the service sends a JSON ``ErrorDetail`` body)."""
    doc: Any = None
    with contextlib.suppress(ValueError):
        doc = json.loads(body)
    if isinstance(doc, dict) and isinstance(doc.get("kind"), str):
        return CurationClientError(
            doc["kind"],
            str(doc.get("message", "")),
            field=str(doc.get("field", "")),
            request_id=str(doc.get("request_id", "") or request_id),
            status=status,
        )
    kind = _KIND_BY_HTTP.get(status, "internal" if status >= 500 else "invalid_argument")
    text = body[:500].decode("utf-8", "replace")
    return CurationClientError(kind, text, request_id=request_id, status=status)
