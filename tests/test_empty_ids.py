"""An empty ID (asset, labeled or excluded asset) is refused in every family, on both protocols, naming
the field and the first bad index -- never accepted as an asset called ""."""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import AsyncIterator
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf import json_format

from curation.rest import create_app
from curation.rest.routes import rest_routes
from curation.rpc import create_grpc_server
from curation.settings import Settings
from curation.wiring import Runtime, build_runtime
from tests.wire_errors import grpc_error, rest_error

VECTORS = base64.b64encode(struct.pack("<4f", 0.0, 1.0, 1.0, 0.0)).decode()
KEYWORD = {"name": "f", "label": 0, "rule": {"keyword": {"field": "t", "patterns": ["k"]}}}

# (method, request JSON, the field reported): the empty entry is always at index 1.
CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "ScoreClassification",
        {"class_names": ["a"], "asset_ids": ["x", ""], "y_true": [0, 0], "y_pred": [0, 0]},
        "asset_ids[1]",
    ),
    ("ScoreDetection", {"asset_ids": ["x", ""], "category_names": ["c"]}, "asset_ids[1]"),
    (
        "ApplyLabelingFunctions",
        {
            "class_names": ["a", "b"],
            "asset_ids": ["x", ""],
            "labeling_functions": [KEYWORD],
            "texts": [{"key": "t", "values": ["k", "j"]}],
        },
        "asset_ids[1]",
    ),
    (
        "FitLabelModel",
        {
            "class_names": ["a", "b"],
            "asset_ids": ["x", ""],
            "label_matrix": {
                "num_rows": 2,
                "num_functions": 3,
                "rows": [0, 1],
                "functions": [0, 1],
                "labels": [0, 1],
            },
        },
        "asset_ids[1]",
    ),
    ("Select", {"asset_ids": ["x", ""], "budget": 1}, "asset_ids[1]"),
    ("Select", {"asset_ids": ["x", "y"], "labeled_ids": ["x", ""], "budget": 1}, "labeled_ids[1]"),
    ("Select", {"asset_ids": ["x", "y"], "exclude_ids": ["y", ""], "budget": 1}, "exclude_ids[1]"),
    (
        "FindNearDuplicates",
        {"asset_ids": ["x", ""], "embeddings": VECTORS, "embedding_dimension": 2},
        "asset_ids[1]",
    ),
    (
        "PutEmbeddings",
        {"collection": "c", "asset_ids": ["x", ""], "dimension": 2, "vectors": VECTORS},
        "asset_ids[1]",
    ),
    ("GetEmbeddings", {"collection": "c", "asset_ids": ["x", ""]}, "asset_ids[1]"),
]


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return build_runtime(Settings(workers=1))


@pytest.fixture
async def channel(runtime: Runtime) -> AsyncIterator[grpc.aio.Channel]:
    server = create_grpc_server(runtime, host="127.0.0.1", port=0)
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as chan:
        yield chan
    await server.server.stop(0)


def spec_of(runtime: Runtime, method: str) -> Any:
    [spec] = [s for name, s in runtime.ops.specs.items() if name.endswith("/" + method)]
    return spec


@pytest.mark.parametrize(("method", "body", "field"), CASES, ids=[f"{m}-{f}" for m, _, f in CASES])
async def test_an_empty_id_is_invalid_argument_over_rest(
    runtime: Runtime, method: str, body: dict[str, Any], field: str
) -> None:
    routes = rest_routes(runtime.ops.specs.values())
    [route] = [r for r in routes if r.rpc.endswith("/" + method) and not r.deprecated]
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://rest") as client:
        reply = await client.request(
            route.http_method,
            route.path,
            content=json.dumps(body),
            headers={"content-type": "application/json"},
        )
    assert reply.status_code == 400, reply.text
    assert (rest_error(reply).kind, rest_error(reply).field) == ("invalid_argument", field)


@pytest.mark.parametrize(("method", "body", "field"), CASES, ids=[f"{m}-{f}" for m, _, f in CASES])
async def test_an_empty_id_is_invalid_argument_over_grpc(
    runtime: Runtime, channel: grpc.aio.Channel, method: str, body: dict[str, Any], field: str
) -> None:
    spec = spec_of(runtime, method)
    request = json_format.Parse(json.dumps(body), spec.request_type())
    call: grpc.aio.UnaryUnaryMultiCallable[Any, Any] = channel.unary_unary(
        f"/{spec.name}",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=spec.response_type.FromString,
    )
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call(request)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT, info.value.details()
    assert grpc_error(info.value).field == field
