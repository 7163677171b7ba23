"""The REST side of the error model: each error kind's HTTP status, and the ``ErrorDetail`` JSON body.

``HTTP_STATUS`` is the only place a kind is mapped to an HTTP status (gRPC has its own table in
``curation.rpc.errors``; a test keeps both complete). The one FastAPI exception handler for
``CurationError`` and the body-limit middleware (which answers before any route runs) both render
through ``error_response``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from curation.errors import CurationError, ErrorKind, NotFound
from curation.logs import REQUEST_ID
from curation.rest import protojson
from curation.v1 import common_pb2

__all__ = [
    "HTTP_STATUS",
    "JSON",
    "REST_ONLY_KINDS",
    "UnsupportedMediaType",
    "curation_error_handler",
    "error_body",
    "error_response",
    "http_error_handler",
    "http_status",
]

JSON = "application/json"

HTTP_STATUS: Final[Mapping[ErrorKind, int]] = MappingProxyType(
    {
        ErrorKind.INVALID_ARGUMENT: 422,
        ErrorKind.PAYLOAD_TOO_LARGE: 413,
        ErrorKind.NOT_FOUND: 404,
        ErrorKind.DEADLINE_EXCEEDED: 504,
        ErrorKind.UNAVAILABLE: 503,
        ErrorKind.LIMIT_EXCEEDED: 413,
        ErrorKind.OVERLOADED: 429,
        ErrorKind.STORAGE_FULL: 507,
        ErrorKind.INTERNAL: 500,
    }
)
# Failures only HTTP has (gRPC frames, types and times its own messages), so they are not error kinds:
# the status, the kind clients read and the field named. A known path asked with the wrong method; a
# body that is not declared JSON; a body that did not arrive within CURATION_HTTP_BODY_TIMEOUT_SECONDS.
REST_ONLY_KINDS: Final[Mapping[int, tuple[str, str]]] = MappingProxyType(
    {
        405: ("method_not_allowed", ""),
        408: ("request_timeout", "body"),
        415: ("unsupported_media_type", "content-type"),
    }
)


class UnsupportedMediaType(HTTPException):
    """A request body that is not ``application/json`` (415 ``unsupported_media_type``)."""

    def __init__(self, message: str) -> None:
        super().__init__(415, detail=message)


def http_status(kind: ErrorKind) -> int:
    """The HTTP status of an error kind."""
    return HTTP_STATUS[kind]


def error_body(kind: str, message: str, field: str, request_id: str) -> bytes:
    """The JSON ``ErrorDetail`` every REST error carries (also written raw by the connection guard)."""
    detail = common_pb2.ErrorDetail(kind=kind, message=message, field=field, request_id=request_id)
    return protojson.dumps(detail)


def _render(
    kind: str, message: str, field: str, status: int, headers: Mapping[str, str] | None = None
) -> Response:
    body = error_body(kind, message, field, REQUEST_ID.get())
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def error_response(exc: CurationError, *, close: bool = False) -> Response:
    """The response for a ``CurationError``: status from ``HTTP_STATUS``, ``ErrorDetail`` body; with
    ``close``, ``Connection: close`` (the server stops reading this connection after answering)."""
    headers = {"connection": "close"} if close else None
    return _render(exc.kind, exc.message, exc.field, http_status(exc.kind), headers)


async def curation_error_handler(request: Request, exc: Exception) -> Response:
    """The FastAPI exception handler for every ``CurationError``."""
    assert isinstance(exc, CurationError)
    return error_response(exc)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's routing errors in the same shape: an unknown path is ``not_found`` (404); a known
    path with the wrong HTTP method is ``method_not_allowed`` (405, with ``Allow``); a body that is not
    JSON is ``unsupported_media_type`` (415)."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(NotFound(f"no route {request.method} {request.url.path}"))
    kind, field = REST_ONLY_KINDS.get(exc.status_code, (ErrorKind.INVALID_ARGUMENT, ""))
    return _render(kind, str(exc.detail), field, exc.status_code, headers=exc.headers)
