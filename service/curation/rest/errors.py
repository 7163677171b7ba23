"""The REST side of the error model: AIP-193 JSON error bodies.

Every REST error is ``{"error": {"code": <HTTP status>, "message", "status": <google.rpc.Code name>,
"details": [...]}}``, the details being the ``google.rpc.Status`` details of ``curation.error_table``
printed by the protobuf JSON mapping (``@type`` and lowerCamelCase names, exactly the standard shape).
HTTP statuses come from ``ERROR_TABLE``; 429 and 503 answers with ``RetryInfo`` carry ``Retry-After``, and
401 carries ``WWW-Authenticate: Bearer`` (RFC 6750: the scheme to authenticate with, and nothing else).
The FastAPI exception handlers, the middleware and the raw connection guard all render through here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from google.protobuf import json_format
from google.rpc import code_pb2, error_details_pb2, status_pb2
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from curation.error_table import ERROR_TABLE, error_status, rpc_status
from curation.errors import CurationError, ErrorKind, NotFound
from curation.logs import REQUEST_ID

__all__ = [
    "HTTP_STATUS",
    "JSON",
    "REST_ONLY",
    "UnsupportedMediaType",
    "curation_error_handler",
    "error_body",
    "error_headers",
    "error_response",
    "http_error_handler",
    "http_status",
    "rest_only_status",
]

JSON = "application/json"

HTTP_STATUS: Final[Mapping[ErrorKind, int]] = MappingProxyType(
    {kind: row.http for kind, row in ERROR_TABLE.items()}
)
# Failures only HTTP has (gRPC frames, types and times its own messages), so they are not error kinds:
# the HTTP status, its google.rpc.Code, the ErrorInfo reason and the field named. A known path asked
# with the wrong method; a body that did not arrive within CURATION_HTTP_BODY_TIMEOUT_SECONDS; a body
# that is not declared JSON (or an unknown Content-Encoding).
REST_ONLY: Final[Mapping[int, tuple[int, str, str]]] = MappingProxyType(
    {
        405: (code_pb2.UNIMPLEMENTED, "METHOD_NOT_ALLOWED", ""),
        408: (code_pb2.DEADLINE_EXCEEDED, "REQUEST_TIMEOUT", "body"),
        415: (code_pb2.INVALID_ARGUMENT, "UNSUPPORTED_MEDIA_TYPE", "content-type"),
    }
)


class UnsupportedMediaType(HTTPException):
    """A request body that is not ``application/json``, or in an unknown ``Content-Encoding`` (415)."""

    def __init__(self, message: str, *, field: str = "content-type") -> None:
        super().__init__(415, detail=message)
        self.field = field


def http_status(kind: ErrorKind) -> int:
    """The HTTP status of an error kind."""
    return HTTP_STATUS[kind]


def rest_only_status(
    status: int, message: str, request_id: str, field: str | None = None
) -> status_pb2.Status:
    """The ``google.rpc.Status`` of a REST-only failure (``REST_ONLY``; ``field`` overrides its field)."""
    code, reason, default_field = REST_ONLY[status]
    return rpc_status(
        code, reason, message, field=default_field if field is None else field, request_id=request_id
    )


def error_body(status: status_pb2.Status, http: int) -> bytes:
    """The AIP-193 JSON body of ``status`` answered with HTTP status ``http``."""
    details = json_format.MessageToDict(status).get("details", [])
    error = {
        "code": http,
        "message": status.message,
        "status": code_pb2.Code.Name(status.code),
        "details": details,
    }
    return json.dumps({"error": error}, separators=(",", ":"), ensure_ascii=False).encode()


def error_headers(status: status_pb2.Status) -> dict[str, str]:
    """``Retry-After`` (whole seconds) when ``status`` carries ``RetryInfo``."""
    info = error_details_pb2.RetryInfo()
    for detail in status.details:
        if detail.Unpack(info):  # False for a detail of another type
            delay = info.retry_delay
            return {"retry-after": str(delay.seconds + (1 if delay.nanos else 0))}
    return {}


def _render(status: status_pb2.Status, http: int, headers: Mapping[str, str] | None = None) -> Response:
    merged = {**(headers or {}), **error_headers(status)}
    if http == 401:
        merged["www-authenticate"] = "Bearer"
    return Response(error_body(status, http), status_code=http, media_type=JSON, headers=merged)


def error_response(exc: CurationError, *, close: bool = False) -> Response:
    """The response for a ``CurationError``: status from ``ERROR_TABLE``, AIP-193 body; with ``close``,
    ``Connection: close`` (the server stops reading this connection after answering)."""
    headers = {"connection": "close"} if close else None
    return _render(error_status(exc, REQUEST_ID.get()), http_status(exc.kind), headers)


async def curation_error_handler(request: Request, exc: Exception) -> Response:
    """The FastAPI exception handler for every ``CurationError``."""
    assert isinstance(exc, CurationError)
    return error_response(exc)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's routing errors in the same shape: an unknown path is ``NOT_FOUND`` (404); a known
    path with the wrong HTTP method is ``METHOD_NOT_ALLOWED`` (405, with ``Allow``); a body that is not
    JSON is ``UNSUPPORTED_MEDIA_TYPE`` (415); any other status an ``INVALID_ARGUMENT`` at that status."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(NotFound(f"no route {request.method} {request.url.path}"))
    message, request_id = str(exc.detail), REQUEST_ID.get()
    if exc.status_code in REST_ONLY:
        status = rest_only_status(exc.status_code, message, request_id, getattr(exc, "field", None))
    else:
        status = rpc_status(
            code_pb2.INVALID_ARGUMENT, ErrorKind.INVALID_ARGUMENT.upper(), message, request_id=request_id
        )
    return _render(status, exc.status_code, exc.headers)
