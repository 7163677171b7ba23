"""Over REST, a labeling, sampling or embeddings parameter over its documented maximum is 400 with reason
``limit_exceeded`` and the field -- whether the seam's estimate refuses it or the handler, once it has
read a collection's dimension."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from curation.ops import embeddings as emb_ops
from curation.ops import labeling as lab_ops
from curation.ops import sampling as smp_ops
from curation.ops.embedding_limits import MAX_DIMENSION, MAX_VECTOR_BYTES
from curation.ops.labeling.limits import MAX_PATTERN_PROGRAM, MAX_PROGRAM_TOTAL
from curation.ops.sampling.limits import MAX_BUDGET
from curation.rest import create_app
from curation.settings import Settings
from curation.wiring import Runtime, build_runtime
from tests.wire_errors import rest_error

# 4,096-instruction regexes (a counted repetition then literal characters): the 25th goes over the total.
COUNTED = "a{1000}" * 4 + "b" * (MAX_PATTERN_PROGRAM - 4004)
PATTERNS = [COUNTED] * (MAX_PROGRAM_TOTAL // MAX_PATTERN_PROGRAM + 1)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    runtime: Runtime = build_runtime(Settings(workers=1), [*lab_ops.SPECS, *smp_ops.SPECS, *emb_ops.SPECS])
    runtime.serving = True
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://rest") as c:
        yield c
    await runtime.close()


APPLY: dict[str, Any] = {
    "class_names": ["neg", "pos"],
    "asset_ids": ["a"],
    "texts": [{"key": "t", "values": ["ab"]}],
    "labeling_functions": [
        {"name": "many", "label": 1, "rule": {"keyword": {"field": "t", "patterns": PATTERNS, "regex": True}}}
    ],
}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/v1/labeling-functions:apply", APPLY, "labeling_functions[0].rule.keyword.patterns[24]"),
        ("POST", "/v1/sampling:select", {"asset_ids": ["a"], "budget": str(MAX_BUDGET + 1)}, "budget"),
        (
            "POST",
            "/v1/embeddings:put",
            {"collection": "c", "dimension": MAX_DIMENSION + 1, "asset_ids": ["a"], "vectors": ""},
            "dimension",
        ),
    ],
    ids=["apply programs in total", "select budget", "put dimension"],
)
async def test_over_a_maximum_is_400_limit_exceeded(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    response = await client.request(method, path, json=body)
    assert response.status_code == 400, response.text
    detail = rest_error(response)
    assert (detail.kind, detail.code) == ("limit_exceeded", "INVALID_ARGUMENT")
    assert detail.field == field
    assert "maximum" in detail.message


async def test_a_size_read_from_the_store_is_checked_before_reading(client: httpx.AsyncClient) -> None:
    """A get of more vector bytes than allowed at the collection's dimension: 400 naming asset_ids."""
    vector = base64.b64encode(bytes(4 * MAX_DIMENSION)).decode()
    put = {"collection": "wide", "dimension": MAX_DIMENSION, "asset_ids": ["a0"], "vectors": vector}
    assert (await client.post("/v1/embeddings:put", json=put)).status_code == 200
    ids = [f"a{i}" for i in range(MAX_VECTOR_BYTES // (4 * MAX_DIMENSION) + 1)]
    response = await client.post("/v1/embeddings:get", json={"collection": "wide", "asset_ids": ids})
    assert response.status_code == 400, response.text
    assert rest_error(response).kind == "limit_exceeded" and rest_error(response).field == "asset_ids"
