"""Connection hygiene for the REST server: uvicorn's httptools protocol plus what it lacks.

Measured on uvicorn 0.54 with httptools (what ``http="auto"`` picks): a connection that sends nothing,
or half a header line, is held forever (its keep-alive timer starts only after a first response); a
1 MiB header or 100,000 header lines are accepted; framing errors get a plain-text 400; and its
``limit_concurrency`` answers a plain-text 503. This protocol adds, per connection:

- a header timeout: the request line and headers must be complete ``header_timeout`` seconds after the
  connection opens or the request's first byte arrives, else the connection is closed (there is no
  request to answer yet);
- a header size limit: more than ``max_header_bytes`` of request line and headers is answered 413
  ``payload_too_large`` (field ``headers``) and the connection closed;
- a body timeout: the body must be complete ``body_timeout`` seconds after the headers, else 408
  ``REQUEST_TIMEOUT`` (field ``body``) if nothing was answered yet, and the connection is closed;
- a connection limit: a connection opened while ``max_connections`` are open gets 503 ``unavailable``
  to its first request, with ``Connection: close``;
- framing errors (a bad request line, header, ``Content-Length`` or chunk) answered 400
  ``INVALID_ARGUMENT`` with the JSON error body, then closed.

Every answer here is the AIP-193 JSON error body of the REST adapter, with ``Connection: close``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from curation.contract import REQUEST_ID_HEADER
from curation.error_table import error_status
from curation.errors import CurationError, InvalidArgument, PayloadTooLarge, Unavailable
from curation.logs import REQUEST_ID, sanitize_request_id
from curation.rest.errors import (
    JSON,
    error_body,
    error_headers,
    error_response,
    http_status,
    rest_only_status,
)
from curation.settings import Settings

__all__ = ["ConnectionLimits", "GuardedHttpProtocol", "guarded_protocol"]

log = logging.getLogger("curation.rest")

_MALFORMED = "the request is not valid HTTP/1.1 (request line, headers, Content-Length or chunked framing)"


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """The per-connection limits (``CURATION_HTTP_*``)."""

    header_timeout: float = 10.0
    body_timeout: float = 60.0
    max_connections: int = 1000
    max_header_bytes: int = 64 * 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionLimits:
        return cls(
            header_timeout=settings.http_header_timeout_seconds,
            body_timeout=settings.http_body_timeout_seconds,
            max_connections=settings.http_max_connections,
            max_header_bytes=settings.http_max_header_bytes,
        )


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedHttpProtocol]:
    """The protocol class to give uvicorn (``Config(http=...)``), bound to ``limits``."""
    return type("GuardedHttpProtocol", (GuardedHttpProtocol,), {"limits": limits})


def _refusing_app(error: CurationError, request_id: str) -> Callable[[Scope, Receive, Send], Any]:
    """An ASGI app answering every request with ``error`` and ``Connection: close``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        token = REQUEST_ID.set(request_id)
        try:
            response = error_response(error, close=True)
            response.headers[REQUEST_ID_HEADER] = request_id
            await response(scope, receive, send)
        finally:
            REQUEST_ID.reset(token)

    return app


class GuardedHttpProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` with the limits of the module docstring (see :func:`guarded_protocol`)."""

    limits: ClassVar[ConnectionLimits] = ConnectionLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer: asyncio.TimerHandle | None = None
        self._reading_headers = True  # from the connection (or a request's first byte) to its headers
        self._header_bytes = 0
        self._refusal: CurationError | None = None

    # ---------------------------------------------------------------- connection
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.limits.header_timeout, self._header_timeout)
        if len(self.connections) > self.limits.max_connections:
            log.warning("connection limit reached", extra={"connections": len(self.connections)})
            self._refusal = Unavailable(
                f"the server has {self.limits.max_connections} connections open "
                "(CURATION_HTTP_MAX_CONNECTIONS); retry",
                field="connection",
            )

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._reading_headers:
            self._header_bytes += len(data)
        super().data_received(data)
        if (
            self._reading_headers
            and self._header_bytes > self.limits.max_header_bytes
            and not self.transport.is_closing()
        ):
            self._answer_and_close(self._headers_too_large(), 0)

    # ---------------------------------------------------------------- parser callbacks
    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._reading_headers:  # a later request on a kept-alive connection
            self._reading_headers = True
            self._header_bytes = 0
            self._arm(self.limits.header_timeout, self._header_timeout)

    def on_headers_complete(self) -> None:
        self._reading_headers = False
        self._disarm()
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        refusal = self._refusal or (
            self._headers_too_large() if size > self.limits.max_header_bytes else None
        )
        app = self.app
        if refusal is not None:
            self.app = _refusing_app(refusal, self._request_id())
        try:
            super().on_headers_complete()
        finally:
            self.app = app
        self._arm(self.limits.body_timeout, self._body_timeout)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        """A framing error (uvicorn's plain-text 400): the JSON error body instead, where still possible."""
        self._answer_and_close(InvalidArgument(_MALFORMED), 0)

    # ---------------------------------------------------------------- timers
    def _arm(self, seconds: float, callback: Callable[[], None]) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _header_timeout(self) -> None:
        self._timer = None
        if not self.transport.is_closing():
            log.info("closed a connection whose request headers did not arrive in time")
            self.transport.close()

    def _body_timeout(self) -> None:
        self._timer = None
        if not self.transport.is_closing():
            log.info("closed a connection whose request body did not arrive in time")
            message = f"the request body did not arrive within {self.limits.body_timeout:g} s"
            self._answer_and_close(message, 408)

    # ---------------------------------------------------------------- answers
    def _headers_too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"the request line and headers are larger than {self.limits.max_header_bytes} bytes",
            field="headers",
        )

    def _request_id(self) -> str:
        for name, value in self.headers or ():
            if name == REQUEST_ID_HEADER.encode():
                return sanitize_request_id(value.decode("latin-1"))
        return sanitize_request_id(None)

    def _answer_and_close(self, error: CurationError | str, status: int) -> None:
        """Write one JSON error response and close, unless a response has begun on this connection (then
        only close). ``error`` is a ``CurationError``, or the message of the REST-only ``status``.

        The request being read (if any) is marked disconnected: its handler reads ``http.disconnect``
        and whatever it sends is dropped.
        """
        cycle = self.cycle
        if cycle is None:
            answer = True
        elif self._reading_headers:  # ``cycle`` is the previous request: never cut into its response
            answer = cycle.response_complete
        else:
            answer = not cycle.response_started
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        if answer:
            if isinstance(error, CurationError):
                status, rpc = http_status(error.kind), error_status(error, self._request_id())
            else:
                rpc = rest_only_status(status, error, self._request_id())
            extra = [(k.encode(), v.encode()) for k, v in error_headers(rpc).items()]
            self.transport.write(self._raw_response(status, error_body(rpc, status), extra))
        self.transport.close()

    def _raw_response(self, status: int, body: bytes, extra: list[tuple[bytes, bytes]]) -> bytes:
        head = [STATUS_LINE[status]]
        for name, value in [*self.server_state.default_headers, *extra]:
            head.append(name + b": " + value + b"\r\n")
        head += [
            b"content-type: " + JSON.encode() + b"\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n",
            b"\r\n",
        ]
        return b"".join(head) + body
