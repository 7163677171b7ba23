"""Small real servers that answer what a test needs and record what they were sent: UNAVAILABLE / 503
a given number of times before answering, which the real service does only while it shuts down. For the
retry tests and the metadata the clients send."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc


@dataclass
class Script:
    """Fail the first ``failures`` calls (UNAVAILABLE / 503, with ``retry_after`` on REST), then answer
    an empty message; ``calls`` records each call's method or path and its metadata / headers."""

    failures: int = 0
    retry_after: str | None = None
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, metadata: dict[str, str]) -> bool:
        """Record a call; whether it is to fail."""
        with self.lock:
            self.calls.append((name, metadata))
            return len(self.calls) <= self.failures


class _Handler(grpc.GenericRpcHandler):
    def __init__(self, script: Script) -> None:
        self.script = script

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler[bytes, bytes]:
        method: str = handler_call_details.method

        def answer(request: bytes, context: grpc.ServicerContext) -> bytes:
            metadata = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
            if self.script.record(method, metadata):
                context.abort(grpc.StatusCode.UNAVAILABLE, "not yet")
            return b""

        return grpc.unary_unary_rpc_method_handler(answer)


@contextmanager
def grpc_peer(script: Script) -> Iterator[str]:
    """A gRPC server following ``script``; yields its target."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=[_Handler(script)])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(0)


def _http_handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            if script.record(self.path, headers):
                status: dict[str, Any] = {"code": 503, "message": "not yet", "status": "UNAVAILABLE"}
                self._send(503, {"error": status}, script.retry_after)
            else:
                self._send(200, {}, None)

        def _send(self, code: int, doc: dict[str, Any], retry_after: str | None) -> None:
            body = json.dumps(doc).encode()
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            if retry_after is not None:
                self.send_header("retry-after", retry_after)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def http_peer(script: Script) -> Iterator[str]:
    """An HTTP server following ``script``; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _http_handler(script))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
