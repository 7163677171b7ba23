"""What the REST app refuses before an operation runs: bodies not declared JSON (415) and, once shutdown
has begun, every call (503 with ``Connection: close``) while the probes keep answering."""

from __future__ import annotations

import httpx
import pytest

from curation.wiring import Runtime
from tests.wire_errors import rest_error

from .conftest import PATH, FakeScoring

BODY = b'{"class_names": ["a"], "asset_ids": ["x"], "y_true": [0], "y_pred": [0]}'


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        'Application/JSON;charset="UTF-8"',
        "application/json;",
    ],
)
async def test_json_bodies_are_accepted(client: httpx.AsyncClient, content_type: str) -> None:
    reply = await client.post(PATH, content=BODY, headers={"content-type": content_type})
    assert reply.status_code == 200, reply.text


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
        "application/jsonx",
        "application/json; boundary=x",
    ],
)
async def test_other_bodies_are_415_naming_the_header(
    client: httpx.AsyncClient, scoring: FakeScoring, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type is not None else {}
    async with httpx.AsyncClient(
        transport=client._transport, base_url="http://rest", headers=headers
    ) as bare:
        reply = await bare.post(PATH, content=BODY)
    assert reply.status_code == 415
    doc = rest_error(reply)
    assert (doc.kind, doc.code, doc.field) == ("unsupported_media_type", "INVALID_ARGUMENT", "content-type")
    assert doc.request_id == reply.headers["x-request-id"]
    assert scoring.calls == 0


async def test_once_draining_calls_get_503_with_connection_close(
    client: httpx.AsyncClient, runtime: Runtime, scoring: FakeScoring
) -> None:
    assert runtime.drain.in_flight == 0
    runtime.serving = False
    runtime.drain.begin()
    refused = await client.post(PATH, content=BODY)
    assert refused.status_code == 503 and refused.headers["connection"] == "close"
    doc = rest_error(refused)
    assert doc.kind == "unavailable" and doc.request_id == refused.headers["x-request-id"]
    assert refused.headers["retry-after"] == "1"
    assert scoring.calls == 0
    for probe, status in (("/healthz", 200), ("/readyz", 503), ("/metrics", 200)):
        reply = await client.get(probe)
        assert (reply.status_code, reply.headers["connection"]) == (status, "close")
    counted = runtime.metrics.registry.get_sample_value(
        "curation_requests_total",
        {"protocol": "rest", "method": "curation.v1.DiagnosticsService/ScoreClassification", "code": "503"},
    )
    assert counted == 1
