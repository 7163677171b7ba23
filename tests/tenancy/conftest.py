"""A real server for the two-tenant suite, its tenants' API keys, and one way to call it over either
protocol.

The server runs as a process (``python -m curation``) with a fixed signing key and a keys file, once with
the in-process cache and store and compute in threads, once with Redis as cache and store
(``CURATION_TEST_REDIS_URL``, default db 15) and a compute process, so every lookup is tried where it
really happens. Each test gets two fresh tenants, each with its own API key (tenant A's key is also
granted ``<a>-dev``), added to the keys file, which the server reloads. ``Wire`` sends a request message
with a tenant's key over gRPC or REST and returns the answer, or the error exactly as it came over the
wire: gRPC's status code, message and ``grpc-status-details-bin`` bytes, REST's status and body bytes.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import httpx
import pytest
import redis
from google.protobuf import json_format, message_factory
from google.protobuf.message import Message

from curation.descriptors import http_bindings, method_descriptor
from curation.v1 import embeddings_pb2
from tests.auth.credentials import KeysFile
from tests.deploy.served import Served, serving

SIGNING_KEYS = "tenancy-test:" + "s" * 32
REQUEST_ID = "tenancy-probe"
TENANT_PREFIX = "tenancy-"


@dataclass(frozen=True)
class Failure:
    """An error as the wire carried it: everything a caller can see of it."""

    code: str  # gRPC status code name, or the HTTP status
    message: str
    details: bytes  # grpc-status-details-bin, or the REST body


@dataclass(frozen=True)
class Backend:
    name: str
    served: Served
    redis_url: str | None
    keys: KeysFile


@dataclass(frozen=True)
class Tenant:
    """Who calls: the namespace it acts in, the API key it presents, and the namespace header it sends
    (None: the key's own tenant)."""

    name: str
    key: str = field(repr=False)
    header: str | None = None


def _redis_url() -> str:
    return os.environ.get("CURATION_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="module", params=["memory-threads", "redis-processes"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    keys = KeysFile(tmp_path_factory.mktemp("keys") / "keys.json")
    keys.add("operator", "operations", ["admin"])
    keys.write()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        CURATION_API_KEYS_FILE=str(keys.path),
        CURATION_CACHE_SIGNING_KEYS=SIGNING_KEYS,
        CURATION_WORKERS="2",
        PYTHONPATH=os.pathsep.join(sys.path),
    )
    url = None
    if request.param == "redis-processes":
        url = _redis_url()
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        except redis.RedisError as error:
            pytest.skip(f"no Redis at {url}: {error}")
        env.update(REDIS_URL=url, CURATION_COMPUTE_PROCESSES="1")
    else:
        env.update(CURATION_COMPUTE_PROCESSES="0")
    with serving([sys.executable, "-m", "curation"], env, timeout=120) as served:
        yield Backend(request.param, served, url, keys)
    if url is not None:  # stored data has no TTL: drop what the suite's tenants left
        client = redis.Redis.from_url(url)
        for pattern in (f"curation-store:{TENANT_PREFIX}*", f"curation:{TENANT_PREFIX}*"):
            for key in client.scan_iter(match=pattern, count=1000):
                client.unlink(key)
        client.close()


class Wire:
    """Calls one server over one protocol, as a tenant: its API key, and its namespace header if any."""

    def __init__(self, protocol: str, served: Served) -> None:
        self.protocol = protocol
        self._channel = grpc.aio.insecure_channel(f"127.0.0.1:{served.grpc}")
        self._http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{served.http}", timeout=60)

    async def close(self) -> None:
        await self._channel.close()
        await self._http.aclose()

    async def call(self, rpc: str, request: Message, tenant: Tenant) -> Any:
        """The response; ``AssertionError`` when the call failed."""
        answer = await self.attempt(rpc, request, tenant)
        assert not isinstance(answer, Failure), (rpc, answer)
        return answer

    async def attempt(self, rpc: str, request: Message, tenant: Tenant) -> Any:
        """The response message, or the ``Failure`` the wire carried."""
        method = method_descriptor(rpc)
        response_type = _message_class(method.output_type)
        headers = {"authorization": f"Bearer {tenant.key}", "x-request-id": REQUEST_ID}
        if tenant.header is not None:
            headers["x-curation-namespace"] = tenant.header
        if self.protocol == "grpc":
            call: grpc.aio.UnaryUnaryMultiCallable[Message, Message] = self._channel.unary_unary(
                "/" + rpc,
                request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=response_type.FromString,
            )
            try:
                return await call(request, metadata=tuple(headers.items()), timeout=60)
            except grpc.aio.AioRpcError as error:
                trailers = dict(error.trailing_metadata() or ())
                details = trailers.get("grpc-status-details-bin", b"")
                assert isinstance(details, bytes)
                return Failure(error.code().name, error.details() or "", details)
        binding = http_bindings(method)[0]
        response = await self._http.request(
            binding.verb,
            binding.path,
            content=json_format.MessageToJson(request),
            headers={**headers, "content-type": "application/json"},
        )
        if response.status_code != 200:
            return Failure(str(response.status_code), "", response.content)
        return json_format.Parse(response.text, response_type())


def _message_class(descriptor: Any) -> type[Message]:
    return message_factory.GetMessageClass(descriptor)


@pytest.fixture(params=["grpc", "rest"])
async def wire(request: pytest.FixtureRequest, backend: Backend) -> AsyncIterator[Wire]:
    w = Wire(request.param, backend.served)
    yield w
    await w.close()


@pytest.fixture
async def tenants(backend: Backend, wire: Wire) -> tuple[Tenant, Tenant]:
    """Two fresh tenants (a shared Redis may hold earlier runs' keys) with a key each, every scope; A's key
    is granted ``<a>-dev`` as well. Returned once the server has reloaded the keys file."""
    run = uuid.uuid4().hex[:8]
    a, b = f"{TENANT_PREFIX}a-{run}", f"{TENANT_PREFIX}b-{run}"
    scopes = ["read", "write", "admin"]
    key_a = backend.keys.add(f"a-{run}", a, scopes, namespaces=[a, f"{a}-dev"])
    key_b = backend.keys.add(f"b-{run}", b, scopes)
    backend.keys.write()
    pair = Tenant(a, key_a), Tenant(b, key_b)
    probe = embeddings_pb2.GetEmbeddingsRequest(collection="none", asset_ids=["x"])
    for _ in range(100):  # the file is looked at once a second at most
        answers = [await wire.attempt("curation.v1.EmbeddingService/GetEmbeddings", probe, t) for t in pair]
        if all(isinstance(x, Failure) and x.code in ("NOT_FOUND", "404") for x in answers):
            return pair
        await asyncio.sleep(0.1)
    raise AssertionError(f"the server did not take the new keys: {answers}")
