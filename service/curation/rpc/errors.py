"""gRPC side of the one error table: a ``CurationError`` becomes a status plus an ``ErrorDetail`` trailer.

The status code comes from ``curation.errors.STATUS_BY_KIND`` (shared with the REST handler); the
serialized ``curation.v1.ErrorDetail`` travels in trailing metadata under ``x-curation-error-bin``
(the ``-bin`` suffix makes gRPC carry raw bytes), so clients read kind, field and request ID the same
way on both protocols.
"""

from __future__ import annotations

import grpc

from curation.errors import STATUS_BY_KIND, CurationError
from curation.v1 import common_pb2

__all__ = ["ERROR_DETAIL_KEY", "INTERNAL_MESSAGE", "error_trailers", "grpc_status"]

ERROR_DETAIL_KEY = "x-curation-error-bin"
INTERNAL_MESSAGE = "internal error; quote the request id"


def grpc_status(kind: str) -> grpc.StatusCode:
    """The gRPC status of an error kind (unknown kinds are internal errors)."""
    return STATUS_BY_KIND.get(kind, STATUS_BY_KIND["internal"])[0]


def error_trailers(error: CurationError, request_id: str) -> tuple[tuple[str, bytes], ...]:
    """Trailing metadata carrying the ``ErrorDetail`` of ``error``."""
    detail = common_pb2.ErrorDetail(
        kind=error.kind, message=error.message, field=error.field, request_id=request_id
    )
    return ((ERROR_DETAIL_KEY, detail.SerializeToString()),)
