"""The REST adapter over the real registered operations (all_specs): answers, pages, errors, schemas."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest

from curation.ops import Context
from curation.rest import create_app, protojson
from curation.settings import Settings
from curation.v1 import classification_pb2 as pb
from curation.wiring import Runtime, build_runtime
from tests.support import answer
from tests.wire_errors import rest_error

PATH = "/v1/diagnostics/classification:score"
NAME = "curation.v1.DiagnosticsService/ScoreClassification"
BODY: dict[str, Any] = {
    "class_names": ["cat", "dog", "eel"],
    "asset_ids": ["a", "b", "c", "d", "e"],
    "y_true": [0, 1, 2, 1, 0],
    "y_pred": [0, 2, 2, 0, 1],
    "scores": [0.8, 0.1, 0.1, 0.2, 0.3, 0.5, 0.1, 0.1, 0.8, 0.5, 0.4, 0.1, 0.3, 0.6, 0.1],
    "score_type": "SCORE_TYPE_PROBABILITY",
    "metadata": [{"key": "site", "values": ["x", "y", "x", "y", "x"]}],
    "slice_by": ["site"],
    "page_size": 2,
}


@pytest.fixture
async def runtime() -> AsyncIterator[Runtime]:
    rt = build_runtime(Settings(workers=1))
    rt.serving = True
    yield rt
    await rt.close()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://rest") as c:
        yield c


async def test_same_answer_as_the_ops_seam(client: httpx.AsyncClient, runtime: Runtime) -> None:
    response = await client.post(PATH, json=BODY, headers={"x-curation-namespace": "team"})
    assert response.status_code == 200
    request = pb.ScoreClassificationRequest()
    protojson.parse_object(BODY, request)
    direct = await answer(
        runtime.ops, NAME, request, pb.ScoreClassificationResponse, Context(namespace="team")
    )
    assert direct.cache.cached  # REST computed it; the seam read the same key
    doc = response.json()
    doc["cache"]["cached"] = True
    assert doc == protojson.to_dict(direct)


async def test_pages_follow_next_page_token(client: httpx.AsyncClient) -> None:
    first = (await client.post(PATH, json=BODY)).json()
    assert len(first["misclassified"]) == 2 and first["misclassified_total"] == "3"
    second = (await client.post(PATH, json={**BODY, "page_token": first["next_page_token"]})).json()
    assert second["cache"]["cached"] is True
    rows = [m["row"] for m in first["misclassified"] + second["misclassified"]]
    assert sorted(rows) == ["1", "3", "4"]


async def test_operation_validation_is_400_with_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, json={**BODY, "y_true": [0, 1, 7, 1, 0]})
    assert response.status_code == 400
    assert rest_error(response).field == "y_true[2]"


async def test_real_answers_match_the_openapi_schemas(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    responses = document["paths"][PATH]["post"]["responses"]
    for body, status in [(BODY, "200"), ({**BODY, "task": "CLASSIFICATION_TASK_MULTI_LABEL"}, "400")]:
        response = await client.post(PATH, json=body)
        assert str(response.status_code) == status
        schema = responses[status]["content"]["application/json"]["schema"]
        validator = jsonschema.Draft202012Validator({**schema, "components": document["components"]})
        validator.validate(response.json())
