"""The gRPC side of the error model: each error kind's status code, and the ``ErrorDetail`` trailer.

``GRPC_STATUS`` is the only place a kind is mapped to a gRPC status (REST has its own table in
``curation.rest.errors``; a test keeps both complete). The serialized ``curation.v1.ErrorDetail`` travels
in trailing metadata under ``x-curation-error-bin`` (the ``-bin`` suffix makes gRPC carry raw bytes), so
clients read kind, field and request ID the same way on both protocols.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import grpc

from curation.contract import ERROR_DETAIL_TRAILER
from curation.errors import CurationError, ErrorKind
from curation.v1 import common_pb2

__all__ = ["GRPC_STATUS", "error_trailers", "grpc_status"]


GRPC_STATUS: Final[Mapping[ErrorKind, grpc.StatusCode]] = MappingProxyType(
    {
        ErrorKind.INVALID_ARGUMENT: grpc.StatusCode.INVALID_ARGUMENT,
        ErrorKind.PAYLOAD_TOO_LARGE: grpc.StatusCode.RESOURCE_EXHAUSTED,
        ErrorKind.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
        ErrorKind.DEADLINE_EXCEEDED: grpc.StatusCode.DEADLINE_EXCEEDED,
        ErrorKind.UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
        ErrorKind.LIMIT_EXCEEDED: grpc.StatusCode.RESOURCE_EXHAUSTED,
        ErrorKind.OVERLOADED: grpc.StatusCode.RESOURCE_EXHAUSTED,
        ErrorKind.STORAGE_FULL: grpc.StatusCode.RESOURCE_EXHAUSTED,
        ErrorKind.INTERNAL: grpc.StatusCode.INTERNAL,
    }
)


def grpc_status(kind: ErrorKind) -> grpc.StatusCode:
    """The gRPC status of an error kind."""
    return GRPC_STATUS[kind]


def error_trailers(error: CurationError, request_id: str) -> tuple[tuple[str, bytes], ...]:
    """Trailing metadata carrying the ``ErrorDetail`` of ``error``."""
    detail = common_pb2.ErrorDetail(
        kind=error.kind, message=error.message, field=error.field, request_id=request_id
    )
    return ((ERROR_DETAIL_TRAILER, detail.SerializeToString()),)
