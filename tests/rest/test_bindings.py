"""The REST surface over the real registered operations is the protos' ``google.api.http`` rules: the
route table equals the annotations, old routes answer the same with a Deprecation header, and the
OpenAPI document shows only public messages, marks required fields and deprecated operations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import numpy as np
import pytest
from starlette.routing import Route

from curation.descriptors import all_methods, http_bindings
from curation.rest import create_app
from curation.rest.routes import rest_routes
from curation.settings import Settings
from curation.wiring import Runtime, build_runtime

SCHEMAS = "#/components/schemas/"


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


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_route_table_equals_the_proto_annotations(runtime: Runtime) -> None:
    declared = {
        (b.verb, b.path, name, b.deprecated)
        for name, md in all_methods().items()
        if not (md.client_streaming or md.server_streaming)
        for b in http_bindings(md)
    }
    routes = rest_routes(runtime.ops.specs.values())
    assert {(r.http_method, r.path, r.rpc, r.deprecated) for r in routes} == declared
    assert len(routes) == len(declared) == 16  # 14 RPCs, 2 of them with their old route
    served = {
        (method, route.path)
        for route in create_app(runtime).router.routes
        if isinstance(route, Route)
        for method in route.methods or ()
    }
    assert {(verb, path) for verb, path, _, _ in declared} <= served


def _near_duplicates_body() -> dict[str, Any]:
    import base64

    x = np.random.default_rng(0).standard_normal((6, 4)).astype("<f4")
    x[1] = x[0]
    return {
        "asset_ids": [f"a{i}" for i in range(6)],
        "embeddings": base64.b64encode(x.tobytes()).decode(),
        "embedding_dimension": 4,
        "threshold": 0.01,
    }


async def test_old_routes_answer_the_same_with_a_deprecation_header(client: httpx.AsyncClient) -> None:
    body = _near_duplicates_body()
    new = await client.post("/v1/sampling:findNearDuplicates", json=body)
    old = await client.post("/v1/sampling:near-duplicates", json=body)
    assert new.status_code == old.status_code == 200
    assert new.json()["groups"][0]["asset_ids"] == ["a0", "a1"]
    assert old.json() == {**new.json(), "cache": {**new.json()["cache"], "cached": True}}  # one entry
    assert "deprecation" not in new.headers
    assert old.headers["deprecation"] == "true"
    assert old.headers["link"] == '</v1/sampling:findNearDuplicates>; rel="successor-version"'
    # An error on the old route is marked too.
    bad = await client.post("/v1/sampling:near-duplicates", json={**body, "embedding_dimension": 5})
    assert bad.status_code >= 400 and bad.headers["deprecation"] == "true"


async def test_put_embeddings_is_a_post_and_the_old_put_still_answers(client: httpx.AsyncClient) -> None:
    import base64

    vectors = base64.b64encode(np.ones((2, 3), "<f4").tobytes()).decode()
    body = {"collection": "c1", "dimension": 3, "asset_ids": ["a", "b"], "vectors": vectors}
    posted = await client.post("/v1/embeddings:put", json=body)
    assert posted.status_code == 200 and posted.json()["created"] is True
    assert "deprecation" not in posted.headers
    put = await client.put("/v1/embeddings:put", json=body)
    assert put.status_code == 200 and put.json()["created"] is False
    assert put.headers["deprecation"] == "true"
    assert (await client.delete("/v1/embeddings:put")).status_code == 405


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].removeprefix(SCHEMAS)} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def test_openapi_shows_only_public_messages_reachable_from_the_routes(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    # Ours, the AIP-193 error body and the standard google.rpc details it carries: nothing internal.
    public = ("curation.v1.", "google.rpc.")
    assert not [name for name in schemas if not name.startswith(public) and name != "Error"]
    reached: set[str] = set()
    pending = _refs(document["paths"])
    while pending:
        name = pending.pop()
        reached.add(name)
        pending |= _refs(schemas[name]) - reached
    assert reached == set(schemas)
    # 81 before the storage messages left curation.v1 (PlanRequest.diagnostics reached
    # ClassificationEvaluation); the others were never reachable. The old error body (ErrorDetail) gave way
    # to the AIP-193 one and its 4 standard details. AdminService/FlushCache added its request and response.
    # Issue 13 added the classification curves (PrecisionRecallCurve, RocCurve), OneVsOneRocAuc, the
    # detection KeypointSigmas and the label model's gold scores (LabelModelScore, LabelModelMetricValue).
    # Detection-aware selection added DetectionPredictions (SelectRequest.detections), the adaptive
    # default SelectionRegime (SelectResponse.regime).
    assert len(schemas) == 80 - 1 + 5 + 2 + 6 + 2


def test_openapi_marks_deprecated_operations(document: dict[str, Any]) -> None:
    deprecated = {
        (verb, path)
        for path, ops in document["paths"].items()
        for verb, op in ops.items()
        if op.get("deprecated")
    }
    assert deprecated == {("put", "/v1/embeddings:put"), ("post", "/v1/sampling:near-duplicates")}
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_openapi_required_and_int64_forms(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    put = schemas["curation.v1.PutEmbeddingsRequest"]
    assert put["required"] == ["collection", "dimension", "asset_ids", "vectors"]
    assert put["properties"]["asset_ids"]["minItems"] == 1
    assert put["properties"]["collection"]["minLength"] == 1
    assert "required" not in schemas["curation.v1.ScoreDetectionRequest"]  # columns or COCO JSON
    assert schemas["curation.v1.SelectResponse"]["properties"]["cache"]["readOnly"] is True
    count = schemas["curation.v1.ClassMetrics"]["properties"]["support"]
    assert count["type"] == "string" and count["format"] == "int64"
    seed = schemas["curation.v1.SelectRequest"]["properties"]["seed"]
    assert seed["type"] == "string" and seed["format"] == "uint64"
    assert schemas["curation.v1.ClassMetrics"]["properties"]["predicted"] == count


async def test_a_request_missing_a_required_field_is_refused_naming_it(client: httpx.AsyncClient) -> None:
    """REQUIRED is truthful: each such field, left out of a valid request, is refused by name."""
    body = {"collection": "c2", "dimension": 3, "asset_ids": ["a"], "vectors": "AACAPwAAgD8AAIA/"}
    assert (await client.post("/v1/embeddings:put", json=body)).status_code == 200
    for field in ("collection", "dimension", "asset_ids", "vectors"):
        response = await client.post("/v1/embeddings:put", json={k: v for k, v in body.items() if k != field})
        assert response.status_code >= 400, field
        assert field in response.text, field
