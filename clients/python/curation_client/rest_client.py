"""The REST twins of the gRPC clients, blocking (``RestCurationClient``, ``httpx.Client``) and asyncio
(``AsyncRestCurationClient``, ``httpx.AsyncClient``): the same messages as proto3 JSON to each RPC's
``google.api.http`` route, the same typed methods and errors, and the same retry policy (503 on an
idempotent RPC, honouring ``Retry-After``). Client-streaming RPCs are gRPC only: REST has no streaming."""

from __future__ import annotations

import asyncio
import math
import os
import ssl
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from google.protobuf import json_format
from google.protobuf.message import Message

from curation_client._base import CallDefaults, CallOptions, Metadata, checked
from curation_client._surface import AsyncMethods, SyncMethods
from curation_client.errors import CurationClientError, from_http_response
from curation_client.headers import REQUEST_ID_HEADER, REQUEST_TIMEOUT_HEADER
from curation_client.retry import DEFAULT_RETRY, RetryPolicy
from curation_client.rpc import Rpc

__all__ = ["AsyncRestCurationClient", "Cert", "RestCurationClient", "Verify", "ssl_context"]

Q = TypeVar("Q", bound=Message)
R = TypeVar("R", bound=Message)

# Whom to trust: True (certifi's CAs, httpx's default), False (no verification), a CA bundle path or a
# ready ``ssl.SSLContext``.
Verify = bool | str | os.PathLike[str] | ssl.SSLContext
# A client certificate for mutual TLS: one PEM path holding certificate and key, or (certificate, key).
Cert = str | tuple[str, str] | None


def ssl_context(verify: Verify, cert: Cert) -> ssl.SSLContext | bool:
    """httpx's ``verify`` for these settings: an ``ssl.SSLContext`` (httpx deprecates CA paths and
    ``cert=``), or True / False as given when there is no client certificate."""
    if isinstance(verify, bool) and cert is None:
        return verify
    if isinstance(verify, ssl.SSLContext | bool):
        context = httpx.create_ssl_context(verify=verify)
    else:
        context = ssl.create_default_context(cafile=os.fspath(verify))
    if cert is not None:
        certificate, key = (cert, None) if isinstance(cert, str) else cert
        context.load_cert_chain(certificate, key)
    return context


class _Call:
    """One REST call across its attempts: the route, body and headers, and the deadline left."""

    def __init__(
        self,
        defaults: CallDefaults,
        rpc: Rpc[Any, Any],
        request: Message,
        options: CallOptions,
    ) -> None:
        if not rpc.http_path:
            raise ValueError(f"{rpc.full_name} has no REST route (client streaming is gRPC only)")
        self.rpc = rpc
        self.method = rpc.http_method
        self.path = rpc.http_path
        self.body = json_format.MessageToJson(
            checked(rpc, request), preserving_proto_field_name=True, indent=None
        ).encode()
        self.headers = [("content-type", "application/json"), *defaults.call_metadata(options)]
        self.request_id = options.request_id or ""
        timeout = defaults.call_timeout(options)
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.attempts = 0

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def attempt(self) -> dict[str, Any]:
        """The arguments of ``httpx.Client.request`` for the next attempt (its timeout what is left)."""
        self.attempts += 1
        left = self.remaining()
        headers = list(self.headers)
        if left is not None:
            headers.append((REQUEST_TIMEOUT_HEADER, str(max(1, math.ceil(left * 1000)))))
        return {
            "method": self.method,
            "url": self.path,
            "content": self.body,
            "headers": headers,
            "timeout": left,
        }

    def retry_delay(
        self, policy: RetryPolicy | None, outcome: httpx.Response | httpx.TransportError
    ) -> float | None:
        """The wait before the next attempt, or None to stop: a reply, or no connection at all (an
        error after the request may have reached the server is not retried)."""
        if isinstance(outcome, httpx.ConnectError):
            status, retry_after = None, None
        elif isinstance(outcome, httpx.TransportError):
            return None
        else:
            status, retry_after = outcome.status_code, outcome.headers.get("retry-after")
        if policy is None or not self.rpc.idempotent:
            return None
        return policy.rest_delay(
            self.attempts, status=status, retry_after=retry_after, remaining=self.remaining()
        )

    def result(self, outcome: httpx.Response | httpx.TransportError) -> Message:
        """The response of the last attempt, or its error raised."""
        if isinstance(outcome, httpx.TimeoutException):
            message = str(outcome) or "timed out"
            raise CurationClientError(
                "deadline_exceeded", message, request_id=self.request_id, status=504, code="DEADLINE_EXCEEDED"
            )
        if isinstance(outcome, httpx.TransportError):
            message = f"{type(outcome).__name__}: {outcome}"
            raise CurationClientError(
                "unavailable", message, request_id=self.request_id, status=503, code="UNAVAILABLE"
            )
        if outcome.status_code >= 400:
            request_id = outcome.headers.get(REQUEST_ID_HEADER, self.request_id)
            raise from_http_response(outcome.status_code, outcome.content, request_id)
        response: Message = json_format.Parse(
            outcome.content, self.rpc.response_type(), ignore_unknown_fields=True
        )
        return response


def _client_args(
    base_url: str, headers: Mapping[str, str] | None, verify: Verify, cert: Cert
) -> dict[str, Any]:
    return {"base_url": base_url, "headers": headers, "verify": ssl_context(verify, cert), "timeout": None}


class RestCurationClient(SyncMethods):
    """Blocking REST client of ``base_url`` (``http://host:8080``). ``namespace``, ``timeout``,
    ``metadata`` (sent as headers), ``bearer_token`` and ``retry`` as for the gRPC client. TLS (an
    ``https://`` URL): ``verify`` says whom to trust (see :data:`Verify`), ``cert`` is a client certificate
    for mutual TLS; ``headers`` go with every request."""

    def __init__(
        self,
        base_url: str,
        *,
        namespace: str | None = None,
        timeout: float | None = None,
        metadata: Metadata = (),
        bearer_token: str | None = None,
        headers: Mapping[str, str] | None = None,
        verify: Verify = True,
        cert: Cert = None,
        retry: RetryPolicy | None = DEFAULT_RETRY,
    ) -> None:
        CallDefaults.__init__(
            self, namespace=namespace, timeout=timeout, metadata=metadata, bearer_token=bearer_token
        )
        self.retry = retry
        self._http = httpx.Client(**_client_args(base_url, headers, verify, cert))

    def _invoke(self, rpc: Rpc[Q, R], request: Q, options: CallOptions) -> R:
        call = _Call(self, rpc, request, options)
        while True:
            try:
                outcome: httpx.Response | httpx.TransportError = self._http.request(**call.attempt())
            except httpx.TransportError as exc:
                outcome = exc
            if (delay := call.retry_delay(self.retry, outcome)) is None:
                return call.result(outcome)  # type: ignore[return-value]
            time.sleep(delay)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncRestCurationClient(AsyncMethods):
    """asyncio REST client (``httpx.AsyncClient``): the parameters and methods of
    :class:`RestCurationClient`, awaited."""

    def __init__(
        self,
        base_url: str,
        *,
        namespace: str | None = None,
        timeout: float | None = None,
        metadata: Metadata = (),
        bearer_token: str | None = None,
        headers: Mapping[str, str] | None = None,
        verify: Verify = True,
        cert: Cert = None,
        retry: RetryPolicy | None = DEFAULT_RETRY,
    ) -> None:
        CallDefaults.__init__(
            self, namespace=namespace, timeout=timeout, metadata=metadata, bearer_token=bearer_token
        )
        self.retry = retry
        self._http = httpx.AsyncClient(**_client_args(base_url, headers, verify, cert))

    async def _invoke(self, rpc: Rpc[Q, R], request: Q, options: CallOptions) -> R:
        call = _Call(self, rpc, request, options)
        while True:
            try:
                outcome: httpx.Response | httpx.TransportError = await self._http.request(**call.attempt())
            except httpx.TransportError as exc:
                outcome = exc
            if (delay := call.retry_delay(self.retry, outcome)) is None:
                return call.result(outcome)  # type: ignore[return-value]
            await asyncio.sleep(delay)

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
