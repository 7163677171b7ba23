"""The client against a real running server: the same answer and the same errors over gRPC and REST."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import json_format

import curation_client
from curation import contract
from curation_client import (
    AsyncCurationClient,
    CurationClient,
    CurationClientError,
    RestCurationClient,
    headers,
    resolve,
)
from curation_client.errors import from_http_response
from curation_client.v1 import classification_pb2 as pb

from .conftest import MAX_REQUEST_BYTES, RunningServer

REQUEST = pb.ScoreClassificationRequest(
    class_names=["cat", "dog", "bird"],
    asset_ids=["a", "b", "c", "d"],
    y_true=[0, 1, 2, 1],
    y_pred=[0, 2, 2, 1],
    scores=[0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.1, 0.1, 0.8, 0.2, 0.7, 0.1],
    score_type=pb.SCORE_TYPE_PROBABILITY,
)
BAD = pb.ScoreClassificationRequest(
    class_names=["cat", "dog", "bird"], asset_ids=["a", "b"], y_true=[0, 7], y_pred=[0, 1]
)


def without_cache_flag(response: pb.ScoreClassificationResponse) -> dict[str, object]:
    doc = json_format.MessageToDict(response, preserving_proto_field_name=True)
    doc.get("cache", {}).pop("cached", None)
    return doc


@pytest.fixture
def grpc_client(server: RunningServer) -> CurationClient:
    return CurationClient(server.grpc_target, namespace="client-tests", timeout=30)


@pytest.fixture
def rest_client(server: RunningServer) -> RestCurationClient:
    return RestCurationClient(server.base_url, namespace="client-tests", timeout=30)


def test_same_answer_over_both_protocols(
    grpc_client: CurationClient, rest_client: RestCurationClient
) -> None:
    with grpc_client, rest_client:
        over_grpc = grpc_client.score_classification(REQUEST)
        over_rest = rest_client.score_classification(REQUEST)
    assert over_grpc.summary.num_assets == 4
    assert over_grpc.summary.accuracy == pytest.approx(0.75)
    assert [m.asset_id for m in over_grpc.misclassified] == ["b"]
    assert without_cache_flag(over_grpc) == without_cache_flag(over_rest)
    assert over_grpc.cache.key_digest == over_rest.cache.key_digest


def test_same_error_over_both_protocols(grpc_client: CurationClient, rest_client: RestCurationClient) -> None:
    with grpc_client, rest_client:
        with pytest.raises(CurationClientError) as over_grpc:
            grpc_client.score_classification(BAD, request_id="bad-grpc")
        with pytest.raises(CurationClientError) as over_rest:
            rest_client.score_classification(BAD, request_id="bad-rest")
    g, r = over_grpc.value, over_rest.value
    assert (g.kind, g.field, g.status) == ("invalid_argument", "y_true[1]", grpc.StatusCode.INVALID_ARGUMENT)
    assert (r.kind, r.field, r.status) == ("invalid_argument", "y_true[1]", 400)
    assert (g.code, r.code, g.retry_delay, r.retry_delay) == (
        "INVALID_ARGUMENT",
        "INVALID_ARGUMENT",
        None,
        None,
    )
    assert (
        (g.rpc_status.code, len(g.rpc_status.details))
        == (r.rpc_status.code, len(r.rpc_status.details))
        == (3, 3)
    )
    assert "y_true[1]" in g.message
    assert g.message == r.message
    assert (g.request_id, r.request_id) == ("bad-grpc", "bad-rest")


def test_generic_call_by_any_name(grpc_client: CurationClient, rest_client: RestCurationClient) -> None:
    names = [
        "ScoreClassification",
        "DiagnosticsService/ScoreClassification",
        "curation.v1.DiagnosticsService/ScoreClassification",
        "/curation.v1.DiagnosticsService/ScoreClassification",
    ]
    with grpc_client, rest_client:
        answers = [grpc_client.call(name, REQUEST) for name in names]
        answers.append(rest_client.call(names[0], REQUEST))
    typed = [a for a in answers if isinstance(a, pb.ScoreClassificationResponse)]
    assert len(typed) == len(answers)
    assert len({a.cache.key_digest for a in typed}) == 1
    with pytest.raises(ValueError, match="no RPC"):
        resolve("NoSuchMethod")
    with pytest.raises(TypeError, match="takes"):
        CurationClient("127.0.0.1:1").call("ScoreClassification", pb.ClassMetrics())


def test_namespace_is_part_of_the_key(server: RunningServer) -> None:
    with (
        CurationClient(server.grpc_target, namespace="ns-one") as one,
        CurationClient(server.grpc_target, namespace="ns-two") as two,
    ):
        assert (
            one.score_classification(REQUEST).cache.key_digest
            != two.score_classification(REQUEST).cache.key_digest
        )
        bad = CurationClient(server.grpc_target, namespace="bad namespace!")
        with bad, pytest.raises(CurationClientError) as info:
            bad.score_classification(REQUEST)
    assert (info.value.kind, info.value.field) == ("invalid_argument", "namespace")


async def test_async_client(server: RunningServer) -> None:
    async with AsyncCurationClient(server.grpc_target, timeout=30) as client:
        response = await client.score_classification(REQUEST)
        with pytest.raises(CurationClientError) as info:
            await client.score_classification(BAD)
    assert response.summary.accuracy == pytest.approx(0.75)
    assert (info.value.kind, info.value.field) == ("invalid_argument", "y_true[1]")


def test_unknown_route_and_non_json_errors(server: RunningServer) -> None:
    with RestCurationClient(server.base_url) as client:
        reply = client._http.post("/v1/no/such:route", content=b"{}")
    error = from_http_response(reply.status_code, reply.content)
    assert (error.kind, error.status) == ("not_found", 404)
    assert error.request_id == reply.headers["x-request-id"]
    plain = from_http_response(502, b"<html>bad gateway</html>", "rid")
    assert (plain.kind, plain.status, plain.request_id, plain.code) == ("internal", 502, "rid", "UNKNOWN")
    assert "bad gateway" in plain.message


def test_oversize_request_maps_the_same_on_both_protocols(
    grpc_client: CurationClient, rest_client: RestCurationClient
) -> None:
    big = pb.ScoreClassificationRequest(class_names=["cat"], scores=[0.5] * (MAX_REQUEST_BYTES // 4 + 1))
    assert big.ByteSize() > MAX_REQUEST_BYTES
    with grpc_client, rest_client:
        with pytest.raises(CurationClientError) as over_grpc:
            grpc_client.score_classification(big)
        with pytest.raises(CurationClientError) as over_rest:
            rest_client.score_classification(big)
    assert (over_grpc.value.kind, over_grpc.value.status) == (
        "payload_too_large",
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    )
    assert (over_rest.value.kind, over_rest.value.status) == ("payload_too_large", 413)
    # gRPC's own message-size limit answers a bare status: the kind is read from the code.
    assert (over_grpc.value.code, list(over_grpc.value.rpc_status.details)) == ("RESOURCE_EXHAUSTED", [])
    assert (over_rest.value.code, over_rest.value.field) == ("RESOURCE_EXHAUSTED", "body")


def test_public_surface_is_exported() -> None:
    assert set(curation_client.__all__) == {
        "DEFAULT_RETRY",
        "AsyncCurationClient",
        "AsyncRestCurationClient",
        "CurationClient",
        "CurationClientError",
        "RestCurationClient",
        "RetryPolicy",
        "Rpc",
        "from_coco",
        "resolve",
    }
    assert all(hasattr(curation_client, name) for name in curation_client.__all__)


def test_header_names_are_the_services() -> None:
    """The client cannot import the service; its header names are written twice and kept equal here."""

    assert headers.REQUEST_ID_HEADER == contract.REQUEST_ID_HEADER
    assert headers.NAMESPACE_HEADER == contract.NAMESPACE_HEADER
    assert headers.REQUEST_TIMEOUT_HEADER == contract.REQUEST_TIMEOUT_HEADER
