"""Connection hygiene on a real uvicorn socket (``curation.rest.connections``): slow or idle connections
are cut, oversize headers and framing errors get the JSON error body, and connections over the limit
get 503."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from curation.server import serve
from curation.settings import Settings
from curation.wiring import build_runtime
from tests.wire_errors import WireError, rest_error, rest_error_of

from .conftest import PATH, FakeScoring, fake_spec

Start = Callable[..., Awaitable[int]]
BODY = json.dumps({"class_names": ["a"], "asset_ids": ["x"], "y_true": [0], "y_pred": [0]}).encode()


@pytest.fixture
async def start(caplog: pytest.LogCaptureFixture) -> AsyncIterator[Start]:
    """Serve a fake operation with the given settings overrides; the HTTP port."""
    caplog.set_level(logging.INFO, logger="curation.server")
    running: list[tuple[asyncio.Event, asyncio.Task[int]]] = []

    async def make(**overrides: Any) -> int:
        settings = Settings(
            host="127.0.0.1", http_port=0, grpc_port=0, workers=1, shutdown_grace_seconds=2, **overrides
        )
        stop = asyncio.Event()
        runtime = build_runtime(settings, [fake_spec(FakeScoring())])
        task = asyncio.create_task(serve(settings, stop=stop, runtime=runtime))
        running.append((stop, task))
        for _ in range(1000):
            listening = [r for r in caplog.records if r.getMessage() == "listening"]
            if len(listening) == len(running) and any(r.getMessage() == "serving" for r in caplog.records):
                return int(listening[-1].__dict__["http_port"])
            await asyncio.sleep(0.01)
        raise AssertionError("the server did not start")

    yield make
    for stop, task in running:
        stop.set()
        assert await asyncio.wait_for(task, 30) == 0


async def exchange(port: int, data: bytes, *, then: bytes = b"") -> bytes:
    """Send ``data`` (and ``then`` after it), read until the server closes (at most 10 s), all bytes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        if then:
            await writer.drain()
            writer.write(then)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


def parse(raw: bytes) -> tuple[int, dict[str, str], WireError]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    status = int(lines[0].split()[1])
    return status, headers, rest_error_of(status, headers, body)


async def test_a_connection_whose_headers_never_complete_is_closed(start: Start) -> None:
    port = await start(http_header_timeout_seconds=0.3)
    assert await exchange(port, b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: x\r\nX-Slow: ") == b""
    assert await exchange(port, b"") == b""  # connected, never a byte


async def test_a_body_that_never_completes_is_answered_408_and_closed(start: Start) -> None:
    port = await start(http_body_timeout_seconds=0.3)
    head = f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    status, headers, doc = parse(await exchange(port, head.encode() + b'{"class_names"'))
    assert status == 408 and headers["connection"] == "close"
    assert (doc.kind, doc.code, doc.field) == ("request_timeout", "DEADLINE_EXCEEDED", "body")


@pytest.mark.parametrize("whole", [True, False], ids=["in-one-read", "trickled"])
async def test_oversize_headers_get_413_with_the_json_body(start: Start, whole: bool) -> None:
    port = await start(http_max_header_bytes=4096)
    head = f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * 8000}\r\n".encode()
    raw = await exchange(port, head + b"\r\n") if whole else await exchange(port, head[:100], then=head[100:])
    status, headers, doc = parse(raw)
    assert status == 413 and headers["connection"] == "close"
    assert (doc.kind, doc.field) == ("payload_too_large", "headers")


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GARBAGE\r\n\r\n",
        b"POST /v1/x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST " + PATH.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n",
    ],
    ids=["request-line", "content-length", "chunk-size"],
)
async def test_framing_errors_get_the_json_error_body(start: Start, request_bytes: bytes) -> None:
    port = await start()
    status, headers, doc = parse(await exchange(port, request_bytes))
    assert (
        status == 400 and headers["content-type"] == "application/json" and headers["connection"] == "close"
    )
    assert doc.kind == "invalid_argument" and "not valid HTTP/1.1" in doc.message


async def test_connections_over_the_limit_get_503_and_the_limit_frees_up(start: Start) -> None:
    port = await start(http_max_connections=2)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base) as first, httpx.AsyncClient(base_url=base) as second:
        assert (await first.get("/healthz")).status_code == 200  # both connections open and kept alive
        assert (await second.get("/healthz")).status_code == 200
        async with httpx.AsyncClient(base_url=base) as third:
            refused = await third.post(PATH, content=BODY, headers={"content-type": "application/json"})
        assert refused.status_code == 503 and refused.headers["connection"] == "close"
        error = rest_error(refused)
        assert (error.kind, error.field, error.retry_delay) == ("unavailable", "connection", 1)
    async with httpx.AsyncClient(base_url=base) as later:  # the two above have closed
        for _ in range(100):  # the server notices the closes as they arrive
            reply = await later.get("/healthz")
            if reply.status_code == 200:
                break
            await asyncio.sleep(0.05)
        assert reply.status_code == 200


async def test_a_good_request_on_a_kept_alive_connection_is_unaffected(start: Start) -> None:
    port = await start(http_header_timeout_seconds=5, http_body_timeout_seconds=5)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(3):
            reply = await client.post(PATH, content=BODY, headers={"content-type": "application/json"})
            assert reply.status_code == 200 and "connection" not in reply.headers
