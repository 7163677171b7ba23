"""The gRPC side of the error model: the status a ``CurationError`` ends a call with.

Codes come from ``curation.error_table.ERROR_TABLE`` (the only place a kind is mapped to a status).
The ``google.rpc.Status`` with its details travels in the standard ``grpc-status-details-bin`` trailer
(``grpc_status.rpc_status.to_status``), which Go's ``status.Details()``, Java's ``StatusProto`` and
Python's ``rpc_status.from_call`` read; ``x-request-id`` is repeated in the trailers beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import grpc
from google.rpc import status_pb2
from grpc_status import rpc_status

from curation.contract import REQUEST_ID_HEADER
from curation.error_table import ERROR_TABLE, error_status
from curation.errors import CurationError, ErrorKind

__all__ = ["GRPC_STATUS", "abort_status", "grpc_status", "status_code"]

# google.rpc.Code numbers are gRPC's status codes.
_BY_NUMBER: Final[Mapping[int, grpc.StatusCode]] = {code.value[0]: code for code in grpc.StatusCode}

GRPC_STATUS: Final[Mapping[ErrorKind, grpc.StatusCode]] = MappingProxyType(
    {kind: _BY_NUMBER[row.code] for kind, row in ERROR_TABLE.items()}
)


def grpc_status(kind: ErrorKind) -> grpc.StatusCode:
    """The gRPC status code of an error kind."""
    return GRPC_STATUS[kind]


def status_code(status: status_pb2.Status) -> grpc.StatusCode:
    """The gRPC status code of a ``google.rpc.Status``."""
    return _BY_NUMBER[status.code]


def abort_status(error: CurationError, request_id: str) -> grpc.Status:
    """What ``context.abort`` ends a failed call with: code, message, the
    ``grpc-status-details-bin`` trailer and ``x-request-id``."""
    status: Any = rpc_status.to_status(error_status(error, request_id))
    trailers = (*status.trailing_metadata, (REQUEST_ID_HEADER, request_id))
    result: grpc.Status = status._replace(trailing_metadata=trailers)
    return result
