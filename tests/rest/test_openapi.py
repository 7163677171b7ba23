"""/openapi.json describes the real routes with schemas that real requests and responses satisfy."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest

import curation.rest
from curation.rest import protojson
from curation.v1 import classification_pb2 as pb

PATH = "/v1/diagnostics/classification:score"


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({**schema, "components": document["components"]})


def test_public_api_is_explicit() -> None:
    assert sorted(curation.rest.__all__) == sorted(
        [
            "RestRoute",
            "build_openapi",
            "caller_from_headers",
            "create_app",
            "dumps",
            "message_schemas",
            "parse",
            "parse_object",
            "rest_routes",
            "to_dict",
        ]
    )
    assert all(hasattr(curation.rest, name) for name in curation.rest.__all__)


def test_document_structure(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {PATH, "/healthz", "/readyz", "/metrics"}
    operation = document["paths"][PATH]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/curation.v1.ScoreClassificationRequest"
    }
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/curation.v1.ScoreClassificationResponse"
    }
    errors = {status for status in operation["responses"] if status != "200"}
    assert errors == {"400", "401", "403", "404", "405", "408", "413", "415", "429", "500", "503", "504"}
    for status in errors:
        response = operation["responses"][status]
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        assert ("Retry-After" in response["headers"]) == (status in ("429", "503"))
        assert ("WWW-Authenticate" in response["headers"]) == (status == "401")
    assert operation["security"] == [{"bearer": []}]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    assert "security" not in document["paths"]["/healthz"]["get"]
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        refs = [v for v in _walk(schema) if isinstance(v, str) and v.startswith("#/components/schemas/")]
        assert all(ref.rsplit("/", 1)[1] in schemas for ref in refs), name


def _walk(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [x for v in node.values() for x in _walk(v)]
    if isinstance(node, list):
        return [x for v in node for x in _walk(v)]
    return [node]


async def test_real_responses_validate(client: httpx.AsyncClient, document: dict[str, Any]) -> None:
    operation = document["paths"][PATH]["post"]
    ok_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    ok = await client.post(
        PATH, json={"class_names": ["a"], "asset_ids": ["x"], "task": "CLASSIFICATION_TASK_SINGLE_LABEL"}
    )
    assert ok.status_code == 200
    _validator(document, ok_schema).validate(ok.json())
    nan = await client.post(PATH, json={})
    _validator(document, ok_schema).validate(nan.json())
    error_schema = operation["responses"]["400"]["content"]["application/json"]["schema"]
    bad = await client.post(PATH, json={"y_true": ["x"]})
    missing = await client.post("/v1/no:such", json={})
    for error in (bad, missing):
        _validator(document, error_schema).validate(error.json())
    assert not _validator(document, error_schema).is_valid({"error": {**bad.json()["error"], "kind": "x"}})
    for path in ("/healthz", "/readyz"):
        response = await client.get(path)
        schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        _validator(document, schema).validate(response.json())


def test_request_schema_accepts_real_requests_and_refuses_unknown_fields(document: dict[str, Any]) -> None:
    schema = {"$ref": "#/components/schemas/curation.v1.ScoreClassificationRequest"}
    request = pb.ScoreClassificationRequest(
        class_names=["a", "b"],
        asset_ids=["x", "y"],
        y_true=[0, 1],
        scores=[0.5, float("inf"), 0.25, 0.75],
        decision_threshold=0.5,
    )
    validator = _validator(document, schema)
    validator.validate(protojson.to_dict(request))
    # class_names and asset_ids are REQUIRED (google.api.field_behavior): absent or empty is refused.
    assert not validator.is_valid({"asset_ids": ["x"]})
    assert not validator.is_valid({"class_names": ["a"], "asset_ids": []})
    named = {"class_names": ["a"], "asset_ids": ["x"]}
    assert not validator.is_valid({**named, "y_true": [0], "surprise": 1})
    assert not validator.is_valid({**named, "scores": ["lots"]})
    assert not validator.is_valid({**named, "task": "CLASSIFICATION_TASK_TRIANGLE"})
