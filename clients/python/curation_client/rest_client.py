"""REST twin of the gRPC client: the same messages as proto3 JSON over HTTP, the same errors."""

from __future__ import annotations

import math
from types import TracebackType
from typing import Self

import httpx
from google.protobuf import json_format
from google.protobuf.message import Message

from curation.contract import NAMESPACE_HEADER, REQUEST_ID_HEADER, REQUEST_TIMEOUT_HEADER
from curation.v1 import classification_pb2
from curation_client.errors import CurationClientError, from_http_response
from curation_client.methods import resolve

__all__ = ["RestCurationClient"]


class RestCurationClient:
    """Blocking REST client. Routes come from each RPC's ``(curation.v1.http)`` proto option."""

    def __init__(
        self,
        base_url: str,
        *,
        namespace: str = "default",
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.namespace = namespace
        self.timeout = timeout
        self._http = httpx.Client(base_url=base_url, transport=transport, timeout=None)

    def call(
        self, method: str, request: Message, *, timeout: float | None = None, request_id: str | None = None
    ) -> Message:
        """Call RPC ``method`` (short or full name) over REST; raises ``CurationClientError`` on failure."""
        rpc = resolve(method)
        if not rpc.http_path:
            raise ValueError(f"{rpc.path} has no REST route")
        if request.DESCRIPTOR.full_name != rpc.request_type.DESCRIPTOR.full_name:
            raise TypeError(f"{rpc.path} takes {rpc.request_type.DESCRIPTOR.full_name}")
        timeout = self.timeout if timeout is None else timeout
        headers = {"content-type": "application/json", NAMESPACE_HEADER: self.namespace}
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        if timeout is not None:
            headers[REQUEST_TIMEOUT_HEADER] = str(max(1, math.ceil(timeout * 1000)))
        body = json_format.MessageToJson(request, preserving_proto_field_name=True, indent=None)
        try:
            reply = self._http.request(
                rpc.http_method or "POST",
                rpc.http_path,
                content=body.encode(),
                headers=headers,
                timeout=timeout,
            )
        except httpx.TimeoutException as exc:
            raise CurationClientError(
                "deadline_exceeded", str(exc) or "timed out", request_id=request_id or "", status=504
            ) from None
        if reply.status_code >= 400:
            request_id = reply.headers.get(REQUEST_ID_HEADER, "")
            raise from_http_response(reply.status_code, reply.content, request_id)
        return json_format.Parse(reply.content, rpc.response_type(), ignore_unknown_fields=True)

    def score_classification(
        self,
        request: classification_pb2.ScoreClassificationRequest,
        *,
        timeout: float | None = None,
        request_id: str | None = None,
    ) -> classification_pb2.ScoreClassificationResponse:
        """``POST /v1/diagnostics/classification:score``."""
        response = self.call("ScoreClassification", request, timeout=timeout, request_id=request_id)
        assert isinstance(response, classification_pb2.ScoreClassificationResponse)
        return response

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
