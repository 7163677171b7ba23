"""A diagnostics request over a documented maximum is 400 ``LIMIT_EXCEEDED`` (AIP-193 body), before work."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from curation.rest import create_app
from curation.settings import Settings
from curation.wiring import Runtime, build_runtime
from tests.wire_errors import rest_error

# The 245-byte request: maxDets 2^31 - 1 sized a bucket array of 17 GB.
ATTACK = {
    "asset_ids": ["a"],
    "category_names": ["c"],
    "gt_asset": [0],
    "gt_category": [0],
    "gt_boxes": [1, 1, 5, 5],
    "params": {"max_detections": [2147483647]},
}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    runtime: Runtime = build_runtime(Settings(workers=1))
    runtime.serving = True
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://rest") as c:
        yield c
    await runtime.close()


async def test_over_a_maximum_is_400_limit_exceeded(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/diagnostics/detection:score", json=ATTACK)
    assert response.status_code == 400
    body = rest_error(response)
    assert (body.kind, body.field) == ("limit_exceeded", "params.max_detections[0]")
    assert "10,000" in body.message


async def test_classification_over_a_maximum_is_400(client: httpx.AsyncClient) -> None:
    request = {"class_names": ["a"], "asset_ids": ["x"], "y_true": [0], "y_pred": [0], "top_k": [1] * 101}
    response = await client.post("/v1/diagnostics/classification:score", json=request)
    assert response.status_code == 400
    assert (rest_error(response).kind, rest_error(response).field) == ("limit_exceeded", "top_k")
