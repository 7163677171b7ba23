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
    "curation_error_handler",
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
# A known path asked with the wrong HTTP method: REST only (gRPC has no such failure).
_METHOD_NOT_ALLOWED = "method_not_allowed"


def http_status(kind: ErrorKind) -> int:
    """The HTTP status of an error kind."""
    return HTTP_STATUS[kind]


def _render(
    kind: str, message: str, field: str, status: int, headers: Mapping[str, str] | None = None
) -> Response:
    detail = common_pb2.ErrorDetail(kind=kind, message=message, field=field, request_id=REQUEST_ID.get())
    return Response(protojson.dumps(detail), status_code=status, media_type=JSON, headers=headers)


def error_response(exc: CurationError) -> Response:
    """The response for a ``CurationError``: status from ``HTTP_STATUS``, ``ErrorDetail`` body."""
    return _render(exc.kind, exc.message, exc.field, http_status(exc.kind))


async def curation_error_handler(request: Request, exc: Exception) -> Response:
    """The FastAPI exception handler for every ``CurationError``."""
    assert isinstance(exc, CurationError)
    return error_response(exc)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's routing errors in the same shape: an unknown path is ``not_found`` (404); a known
    path with the wrong HTTP method is ``method_not_allowed`` (405, with ``Allow``)."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(NotFound(f"no route {request.method} {request.url.path}"))
    kind = _METHOD_NOT_ALLOWED if exc.status_code == 405 else ErrorKind.INVALID_ARGUMENT
    return _render(kind, str(exc.detail), "", exc.status_code, headers=exc.headers)
