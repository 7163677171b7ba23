"""Per-tenant rate limits against a real server (``python -m curation`` with its compute processes), over
both protocols: a tenant over its burst gets RATE_LIMITED (RESOURCE_EXHAUSTED / 429) with RetryInfo and
REST's Retry-After, byte-identical repeats (answered from the cache) count like any call, and another
tenant is unaffected."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import httpx
import pytest
from bench._server import Running, running_server
from bench._traffic import small_classification_request

from curation.contract import NAMESPACE_HEADER
from curation.rest import protojson
from curation.v1 import classification_pb2 as pb
from tests.wire_errors import WireError, grpc_error, rest_error

SCORE = "/curation.v1.DiagnosticsService/ScoreClassification"
RATE, BURST = 0.01, 2  # one token per 100 s: nothing refills during the test

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    env = {"CURATION_TENANT_RATE_PER_SECOND": str(RATE), "CURATION_TENANT_BURST": str(BURST)}
    with running_server(env) as running:
        yield running


def _grpc(server: Running, tenant: str) -> WireError | pb.ScoreClassificationResponse:
    body = small_classification_request().SerializeToString()
    with grpc.insecure_channel(server.grpc) as channel:
        call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(SCORE)
        try:
            reply = call(body, metadata=((NAMESPACE_HEADER, tenant),), timeout=30)
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            return grpc_error(error)
    return pb.ScoreClassificationResponse.FromString(reply)


def _rest(server: Running, tenant: str) -> WireError | pb.ScoreClassificationResponse:
    response = httpx.post(
        f"{server.http}/v1/diagnostics/classification:score",
        content=protojson.dumps(small_classification_request()),
        headers={"content-type": "application/json", NAMESPACE_HEADER: tenant},
        timeout=30,
    )
    if response.status_code != 200:
        assert response.status_code == 429, response.text
        return rest_error(response)  # checks Retry-After against RetryInfo
    return protojson.CODEC.decode(response.content, pb.ScoreClassificationResponse)


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
def test_a_tenant_over_its_rate_is_refused_with_retry_info_and_others_are_not(
    server: Running, protocol: str
) -> None:
    call = _grpc if protocol == "grpc" else _rest
    a, b = f"rate-{protocol}-a", f"rate-{protocol}-b"
    first, repeat = call(server, a), call(server, a)
    assert isinstance(first, pb.ScoreClassificationResponse) and not first.cache.cached
    assert isinstance(repeat, pb.ScoreClassificationResponse) and repeat.cache.cached  # a repeat counts
    refused = call(server, a)
    assert isinstance(refused, WireError), refused
    assert (refused.kind, refused.code) == ("rate_limited", "RESOURCE_EXHAUSTED")
    assert refused.retry_delay is not None and 0 < refused.retry_delay <= 1 / RATE
    other = call(server, b)
    assert isinstance(other, pb.ScoreClassificationResponse) and other.summary.num_assets == 5
    assert httpx.get(f"{server.http}/healthz", timeout=10).status_code == 200  # probes are never limited
