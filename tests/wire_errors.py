"""Strict readers of the service's errors as they cross the wire, for the tests of both protocols.

``grpc_error`` reads the ``google.rpc.Status`` of a failed gRPC call with ``grpc_status.rpc_status.from_call``
(what a Python caller types); ``rest_error`` reads an AIP-193 JSON body. Both check the agreed contract
(README, "Errors") on the way: the details in order (ErrorInfo, BadRequest when a field is named,
RequestInfo, RetryInfo where a retry helps), ErrorInfo's domain and field, the body's exact JSON shape
(what ``json_format`` prints), ``x-request-id`` beside the status, and ``Retry-After`` with RetryInfo.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
from google.protobuf import json_format
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

__all__ = ["WireError", "grpc_error", "rest_error", "rest_error_of"]

_INFO = "google.rpc.ErrorInfo"
_BAD = "google.rpc.BadRequest"
_REQUEST = "google.rpc.RequestInfo"
_RETRY = "google.rpc.RetryInfo"


@dataclass(frozen=True, slots=True)
class WireError:
    """What a caller reads from an error: ``kind`` is ``ErrorInfo.reason`` lower-cased."""

    kind: str
    code: str  # the google.rpc.Code name
    message: str
    field: str
    request_id: str
    retry_delay: float | None
    status: status_pb2.Status


def _decoded(status: status_pb2.Status) -> WireError:
    names = [detail.TypeName() for detail in status.details]
    assert names[0] == _INFO and _REQUEST in names, names
    info, request = error_details_pb2.ErrorInfo(), error_details_pb2.RequestInfo()
    status.details[0].Unpack(info)
    status.details[names.index(_REQUEST)].Unpack(request)
    assert info.domain == "curation.v1" and info.reason == info.reason.upper(), info
    field = info.metadata.get("field", "")
    assert set(info.metadata) <= {"field"}, info.metadata
    expected = [_INFO, *([_BAD] if field else []), _REQUEST]
    retry_delay: float | None = None
    if _RETRY in names:
        retry = error_details_pb2.RetryInfo()
        status.details[-1].Unpack(retry)
        retry_delay = retry.retry_delay.ToTimedelta().total_seconds()
        expected.append(_RETRY)
    assert names == expected, names
    if field:
        bad = error_details_pb2.BadRequest()
        status.details[1].Unpack(bad)
        [violation] = bad.field_violations
        assert violation.field == field and status.message == f"{field}: {violation.description}"
    return WireError(
        kind=info.reason.lower(),
        code=code_pb2.Code.Name(status.code),
        message=status.message,
        field=field,
        request_id=request.request_id,
        retry_delay=retry_delay,
        status=status,
    )


def grpc_error(error: grpc.RpcError | grpc.Call) -> WireError:
    """The error of a failed gRPC call (sync or asyncio), read from ``grpc-status-details-bin``."""
    call: Any = error
    status = rpc_status.from_call(call)  # also checks that code and message agree with the call's
    assert status is not None, f"no grpc-status-details-bin trailer: {call.code()} {call.details()}"
    decoded = _decoded(status)
    trailers = [(str(k), v) for k, v in call.trailing_metadata() or ()]
    assert ("x-request-id", decoded.request_id) in trailers, trailers
    assert not [k for k, _ in trailers if k.startswith("x-curation-error")], trailers
    return decoded


def rest_error_of(status: int, headers: Mapping[str, str], body: bytes) -> WireError:
    """The error of a REST answer given as its HTTP status, headers (lower-case names) and body."""
    assert headers["content-type"] == "application/json", headers
    doc = json.loads(body)
    assert set(doc) == {"error"}, doc
    error = doc["error"]
    assert set(error) == {"code", "message", "status", "details"}, error
    assert error["code"] == status, (error["code"], status)
    parsed = status_pb2.Status(code=code_pb2.Code.Value(error["status"]), message=error["message"])
    for detail in error["details"]:
        json_format.ParseDict(detail, parsed.details.add())
    assert json_format.MessageToDict(parsed)["details"] == error["details"]  # the standard JSON shape
    decoded = _decoded(parsed)
    if "x-request-id" in headers:
        assert decoded.request_id == headers["x-request-id"], (decoded.request_id, headers)
    if decoded.retry_delay is None:
        assert "retry-after" not in headers, headers
    else:
        assert status in (429, 503) and float(headers["retry-after"]) >= decoded.retry_delay, headers
    return decoded


def rest_error(response: httpx.Response) -> WireError:
    """The error of a REST answer (an ``httpx`` response)."""
    return rest_error_of(response.status_code, dict(response.headers), response.content)
