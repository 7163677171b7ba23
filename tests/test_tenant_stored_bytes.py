"""The per-tenant cap on stored embeddings against a real server over both protocols, with Redis as the
store: a put over the tenant's cap is STORAGE_FULL (RESOURCE_EXHAUSTED / 429, no RetryInfo) naming
``vectors``, another tenant is unaffected, the count survives a restart of the server, and deleting a
collection frees it. Redis: a redis-server child of the test's own (``tests.conftest.RedisProcess``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import httpx
import pytest
from bench._server import Running, running_server
from bench._traffic import put_embeddings_request
from google.protobuf.message import Message

from curation.contract import NAMESPACE_HEADER
from curation.rest import protojson
from curation.v1 import embeddings_pb2 as pb
from tests.conftest import RedisProcess
from tests.wire_errors import WireError, grpc_error, rest_error

CAP = 40_000  # one put of 100 x 64 float32 vectors (about 33 KB with keys) fits, two do not
ROWS, DIM = 100, 64
PATHS = {
    "PutEmbeddings": "/v1/embeddings:put",
    "DeleteEmbeddings": "/v1/embeddings:delete",
}

pytestmark = pytest.mark.slow


def _grpc(server: Running, method: str, request: Message, tenant: str) -> WireError | bytes:
    with grpc.insecure_channel(server.grpc) as channel:
        call: grpc.UnaryUnaryMultiCallable[Any, bytes] = channel.unary_unary(
            f"/curation.v1.EmbeddingService/{method}", request_serializer=type(request).SerializeToString
        )
        try:
            return call(request, metadata=((NAMESPACE_HEADER, tenant),), timeout=30)
        except grpc.RpcError as error:
            return grpc_error(error)


def _rest(server: Running, method: str, request: Message, tenant: str) -> WireError | bytes:
    response = httpx.post(
        server.http + PATHS[method],
        content=protojson.dumps(request),
        headers={"content-type": "application/json", NAMESPACE_HEADER: tenant},
        timeout=30,
    )
    return rest_error(response) if response.status_code >= 400 else response.content


Call = Callable[[Running, str, Message, str], "WireError | bytes"]


def _refused(outcome: WireError | bytes) -> WireError:
    assert isinstance(outcome, WireError), outcome
    assert (outcome.kind, outcome.code, outcome.field) == ("storage_full", "RESOURCE_EXHAUSTED", "vectors")
    assert outcome.retry_delay is None and "CURATION_TENANT_STORED_BYTES" in outcome.message
    return outcome


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
def test_a_tenant_over_its_stored_bytes_is_refused_across_restarts_and_deleting_frees(
    redis_server: RedisProcess, protocol: str
) -> None:
    call: Call = _grpc if protocol == "grpc" else _rest
    env = {
        "REDIS_URL": redis_server.url,
        "CURATION_TENANT_STORED_BYTES": str(CAP),
        "CURATION_COMPUTE_PROCESSES": "1",
    }
    a, b = f"stored-{protocol}-a", f"stored-{protocol}-b"
    with running_server(env) as server:
        assert not isinstance(
            call(server, "PutEmbeddings", put_embeddings_request("one", ROWS, DIM), a), WireError
        )
        _refused(call(server, "PutEmbeddings", put_embeddings_request("two", ROWS, DIM), a))
        assert not isinstance(
            call(server, "PutEmbeddings", put_embeddings_request("one", ROWS, DIM), b), WireError
        )
    with running_server(env) as server:  # a restart: the count is in Redis
        _refused(call(server, "PutEmbeddings", put_embeddings_request("two", ROWS, DIM, seed=1), a))
        deleted = call(
            server,
            "DeleteEmbeddings",
            pb.DeleteEmbeddingsRequest(collection="one", delete_collection=True),
            a,
        )
        assert not isinstance(deleted, WireError), deleted
        stored = call(server, "PutEmbeddings", put_embeddings_request("two", ROWS, DIM), a)
        assert not isinstance(stored, WireError), stored
