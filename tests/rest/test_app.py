"""The REST adapter over fake operations: routing, JSON, errors, limits, request IDs, health, metrics."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable, MutableMapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from curation.contract import OFF_LOOP_BYTES
from curation.internal.v1 import classification_pb2 as ipb
from curation.rest import caller_from_headers, create_app, protojson
from curation.rest.routes import rest_routes
from curation.settings import Settings
from curation.wiring import Runtime
from tests.wire_errors import WireError, rest_error, rest_error_of

if TYPE_CHECKING:
    from .conftest import FakeScoring  # the fixture's class (pytest imports conftest itself)

NAME = "curation.v1.DiagnosticsService/ScoreClassification"
PATH = "/v1/diagnostics/classification:score"
BODY = {"class_names": ["cat", "dog"], "asset_ids": ["a", "b", "c"], "y_true": [0, 1, 1]}


def _error(response: httpx.Response) -> WireError:
    error = rest_error(response)
    assert error.request_id == response.headers["x-request-id"]
    return error


async def test_routes_come_from_the_proto_http_option(runtime: Runtime) -> None:
    [route] = rest_routes(runtime.ops.specs.values())
    assert (route.rpc, route.http_method, route.path) == (NAME, "POST", PATH)


async def test_score_round_trip_and_cache_hit(client: httpx.AsyncClient, scoring: FakeScoring) -> None:
    first = await client.post(PATH, json=BODY)
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    doc = first.json()
    assert doc["summary"]["num_assets"] == "3"  # int64 as a string
    assert doc["summary"]["per_class"][1] == {
        "class_name": "dog",
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": "3",
        "predicted": "0",
    }
    assert doc["next_page_token"] == "" and doc["slices"] == []  # defaults are printed
    assert doc["cache"]["cached"] is False
    # A byte-identical repeat takes the fast path; a re-spelt one (camelCase) parses to the same key.
    again = await client.post(PATH, content=first.request.content)
    camel = await client.post(
        PATH, json={"classNames": ["cat", "dog"], "assetIds": ["a", "b", "c"], "yTrue": [0, 1, 1]}
    )
    assert (
        again.json()["cache"]
        == camel.json()["cache"]
        == {"cached": True, "key_digest": doc["cache"]["key_digest"]}
    )
    assert scoring.calls == 1


async def test_non_finite_floats_are_strings(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, json={})
    assert response.status_code == 200
    assert response.json()["summary"]["accuracy"] == "NaN"


async def test_paging_fields_pass_through_the_fast_path(client: httpx.AsyncClient) -> None:
    token = (await client.post(PATH, json={**BODY, "page_size": 1})).json()["next_page_token"]
    assert token
    for _ in range(2):  # parsed, then a byte-identical repeat answered by the fast path
        paged = await client.post(PATH, json={**BODY, "page_size": 1, "page_token": token})
        assert paged.json()["next_page_token"] == token
        assert paged.json()["cache"]["cached"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"y_true": [0, "one"]}', "y_true[1]"),
        (b'{"metadata": [{"key": "k", "values": ["a", 2]}]}', "metadata[0].values[1]"),
        (b'{"y_true": [0, -1]}', "y_true[1]"),  # refused by the operation, same shape
        (b'{"nonsense": 1}', "nonsense"),
        (b'{"y_true": [0,', ""),
        (b"", ""),
    ],
)
async def test_bad_requests_are_400_naming_the_field(
    client: httpx.AsyncClient, body: bytes, field: str
) -> None:
    response = await client.post(PATH, content=body)
    assert response.status_code == 400
    doc = _error(response)
    assert doc.kind == "invalid_argument" and doc.field == field


async def test_bad_headers_are_400(client: httpx.AsyncClient) -> None:
    for header, field in [
        ({"x-curation-namespace": "a:b"}, "namespace"),
        ({"x-request-timeout-ms": "soon"}, "x-request-timeout-ms"),
        ({"grpc-timeout": "5x"}, "grpc-timeout"),
    ]:
        response = await client.post(PATH, json=BODY, headers=header)
        assert response.status_code == 400 and _error(response).field == field


async def test_unexpected_errors_are_500_with_the_request_id(
    client: httpx.AsyncClient, scoring: FakeScoring, caplog: pytest.LogCaptureFixture
) -> None:
    scoring.bug = True
    with caplog.at_level(logging.ERROR, logger="curation.rest"):
        response = await client.post(PATH, json=BODY, headers={"x-request-id": "trace-me"})
    assert response.status_code == 500
    doc = _error(response)
    assert doc.kind == "internal" and doc.request_id == "trace-me" and "a bug" not in doc.message
    assert any(r.exc_info and isinstance(r.exc_info[1], ZeroDivisionError) for r in caplog.records)


async def test_unknown_route_and_wrong_method(client: httpx.AsyncClient) -> None:
    missing = await client.post("/v1/nothing:here", json={})
    assert missing.status_code == 404 and _error(missing).kind == "not_found"
    wrong = await client.get(PATH)
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"
    assert _error(wrong).kind == "method_not_allowed"


async def test_deadline_exceeded_is_504(client: httpx.AsyncClient, scoring: FakeScoring) -> None:
    scoring.gate = threading.Event()
    response = await client.post(PATH, json=BODY, headers={"x-request-timeout-ms": "1"})
    assert response.status_code == 504 and _error(response).kind == "deadline_exceeded"


def test_deadline_headers() -> None:
    assert caller_from_headers({"x-request-timeout-ms": "250"}, now=10.0).deadline == 10.25
    assert caller_from_headers({"grpc-timeout": "2S"}, now=10.0).deadline == 12.0
    ctx = caller_from_headers({"x-curation-namespace": "team-a"}, now=0.0)
    assert (ctx.namespace, ctx.deadline) == ("team-a", None)


async def test_request_id_round_trip(client: httpx.AsyncClient) -> None:
    given = await client.post(PATH, json=BODY, headers={"x-request-id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    fresh = await client.get("/healthz", headers={"x-request-id": "x" * 500})
    generated = fresh.headers["x-request-id"]
    assert len(generated) == 32 and generated != "x" * 500


# ----------------------------------------------------------------------------------- body size limit
async def test_declared_oversize_body_is_413_before_reading(runtime: Runtime, scoring: FakeScoring) -> None:
    reads = 0

    async def receive() -> dict[str, object]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"{}", "more_body": False}

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-length", b"999999999999"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("rest", 80),
    }
    await create_app(runtime)(scope, receive, send)
    assert sent[0]["status"] == 413
    headers = {name.decode(): value.decode() for name, value in sent[0]["headers"]}
    assert rest_error_of(413, headers, sent[1]["body"]).kind == "payload_too_large"
    assert reads == 0 and scoring.calls == 0


async def test_chunked_oversize_body_is_413_mid_stream(
    client: httpx.AsyncClient, scoring: FakeScoring
) -> None:
    produced = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal produced
        for _ in range(1000):  # would be 1 MB; the limit is 64 KiB
            produced += 1
            yield b" " * 1024

    response = await client.post(PATH, content=chunks())
    assert response.status_code == 413 and _error(response).kind == "payload_too_large"
    assert "content-length" not in response.request.headers  # really streamed
    assert produced < 100 and scoring.calls == 0  # reading stopped just past 64 KiB


async def test_body_under_the_limit_is_served(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"asset_ids": '
        yield b'["a", "b"]}'

    response = await client.post(PATH, content=chunks())
    assert response.status_code == 200 and response.json()["summary"]["num_assets"] == "2"


# ------------------------------------------------------------------------------- health and metrics
async def test_healthz_and_readyz(client: httpx.AsyncClient, runtime: Runtime) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "serving"
    assert ready.json()["cache"]["backend"] == "memory"
    runtime.serving = False
    not_ready = await client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json()["status"] == "not_serving"


async def test_metrics_count_requests_by_rpc_and_status(client: httpx.AsyncClient) -> None:
    await client.post(PATH, json=BODY)
    await client.post(PATH, content=b"{")
    await client.get("/no/such/path")
    response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert f'curation_requests_total{{code="200",method="{NAME}",protocol="rest"}} 1.0' in text
    assert f'curation_requests_total{{code="400",method="{NAME}",protocol="rest"}} 1.0' in text
    assert 'curation_requests_total{code="404",method="other",protocol="rest"} 1.0' in text
    assert f'curation_request_duration_seconds_count{{method="{NAME}",protocol="rest"}} 2.0' in text
    assert 'curation_requests_in_flight{protocol="rest"} 1.0' in text  # this very request


async def test_access_log_line(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="curation.rest"):
        await client.post(PATH, json=BODY, headers={"x-request-id": "log-me"})
    [line] = [r for r in caplog.records if getattr(r, "path", None) == PATH]
    assert (line.method, line.status, line.rpc) == ("POST", 200, NAME)  # type: ignore[attr-defined]
    assert line.duration_ms >= 0  # type: ignore[attr-defined]


async def test_health_answers_while_a_slow_operation_runs(
    client: httpx.AsyncClient, scoring: FakeScoring
) -> None:
    scoring.gate = threading.Event()
    slow = asyncio.create_task(client.post(PATH, json=BODY))
    while not scoring.entered.is_set():  # the computation is running in a worker thread
        await asyncio.sleep(0.005)
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert not slow.done()
    scoring.gate.set()
    assert (await slow).status_code == 200


async def test_large_bodies_are_parsed_and_printed_off_the_event_loop(
    make_runtime: Callable[[Settings], Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: dict[str, list[str]] = {"parse": [], "dumps": []}
    real_parse, real_dumps = protojson.parse, protojson.dumps

    def parse(*args: object) -> object:
        threads["parse"].append(threading.current_thread().name)
        return real_parse(*args)  # type: ignore[arg-type]

    def dumps(*args: object) -> bytes:
        threads["dumps"].append(threading.current_thread().name)
        return real_dumps(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(protojson, "parse", parse)
    monkeypatch.setattr(protojson, "dumps", dumps)
    runtime = make_runtime(Settings(max_request_bytes=4 * 1024 * 1024, workers=1))
    n = 40_000
    body = {"asset_ids": [f"asset-{i}" for i in range(n)], "class_names": [f"c{i}" for i in range(20_000)]}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(runtime)), base_url="http://r"
    ) as c:
        response = await c.post(PATH, json=body)
        small = await c.post(PATH, json={"asset_ids": ["a"]})
    assert len(response.request.content) >= OFF_LOOP_BYTES
    assert response.status_code == 200 and response.json()["summary"]["num_assets"] == str(n)
    assert small.status_code == 200
    main = threading.current_thread().name
    assert threads["parse"][0].startswith("curation-worker") and threads["parse"][1] == main
    assert threads["dumps"][0].startswith("curation-worker") and threads["dumps"][1] == main


def test_route_declarations_that_cannot_be_served_fail_at_start_up(runtime: Runtime) -> None:
    [spec] = runtime.ops.specs.values()
    with pytest.raises(ValueError, match="differ"):
        rest_routes([replace(spec, request_type=ipb.ClassificationEvaluation)])
    with pytest.raises(KeyError):
        rest_routes([replace(spec, name="curation.v1.DiagnosticsService/NoSuchMethod")])
    with pytest.raises(ValueError, match="both declare"):
        rest_routes([spec, replace(spec, name=NAME)])
