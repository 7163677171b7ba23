"""REST error responses: each failure is an ``ErrorDetail`` JSON body with the status from ``STATUS_BY_KIND``.

The one FastAPI exception handler for ``CurationError`` and the body-limit middleware (which answers
before any route runs) both render through ``error_response``, so the kind -> status mapping is read
in one place (``curation.errors.STATUS_BY_KIND``, shared with the gRPC interceptor).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from curation.errors import STATUS_BY_KIND, CurationError, NotFound
from curation.logs import REQUEST_ID
from curation.rest import protojson
from curation.v1 import common_pb2

__all__ = ["JSON", "curation_error_handler", "error_response", "http_error_handler", "http_status"]

JSON = "application/json"


def http_status(kind: str) -> int:
    """The HTTP status of an error kind (unknown kinds are internal errors)."""
    return STATUS_BY_KIND.get(kind, STATUS_BY_KIND["internal"])[1]


def _render(
    kind: str, message: str, field: str, status: int, headers: Mapping[str, str] | None = None
) -> Response:
    detail = common_pb2.ErrorDetail(kind=kind, message=message, field=field, request_id=REQUEST_ID.get())
    return Response(protojson.dumps(detail), status_code=status, media_type=JSON, headers=headers)


def error_response(exc: CurationError) -> Response:
    """The response for a ``CurationError``: status from the shared table, ``ErrorDetail`` body."""
    return _render(exc.kind, exc.message, exc.field, http_status(exc.kind))


async def curation_error_handler(request: Request, exc: Exception) -> Response:
    """The FastAPI exception handler for every ``CurationError``."""
    assert isinstance(exc, CurationError)
    return error_response(exc)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's routing errors in the same shape: an unknown path is ``not_found`` (404); a known
    path with the wrong HTTP method is ``method_not_allowed`` (405, REST only, with ``Allow``)."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(NotFound(f"no route {request.method} {request.url.path}"))
    kind = "method_not_allowed" if exc.status_code == 405 else "invalid_argument"
    return _render(kind, str(exc.detail), "", exc.status_code, headers=exc.headers)
