"""Stored data is not cache, and cache entries are signed - the whole service, in process and over a
real Redis (a throwaway redis-server per test, never the shared one):

- cache pressure from one namespace, far past the cache's budget, leaves another namespace's embedding
  collection and fitted label model whole (in-process LRU; Redis with a small maxmemory and the chart's
  ``volatile-lru``);
- a put over the store's budget is 429 on REST and RESOURCE_EXHAUSTED on gRPC (``STORAGE_FULL``, no
  RetryInfo), and everything stored before is intact (not even partly overwritten);
- a well-formed forged envelope written straight into Redis is not served: recomputed, counted in
  /metrics, then overwritten; replicas sharing the signing keys share entries, others do not.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import grpc
import httpx
import numpy as np
import pytest
import redis

from curation.contract import NAMESPACE_HEADER
from curation.internal.v1 import cache_pb2
from curation.internal.v1 import classification_pb2 as ipb
from curation.ops import classification as cls_ops
from curation.ops import embeddings as emb_ops
from curation.ops.keys import storage_key
from curation.rest import create_app
from curation.rpc import create_grpc_server
from curation.settings import Settings
from curation.store.redis import KEY_PREFIX
from curation.v1 import classification_pb2, embeddings_pb2, embeddings_pb2_grpc
from curation.wiring import Runtime, build_runtime
from tests.conftest import RedisProcess
from tests.synth.label_model import synthetic_votes
from tests.wire_errors import grpc_error, rest_error

SCORE = "/v1/diagnostics/classification:score"
SCORE_RPC = "curation.v1.DiagnosticsService/ScoreClassification"
SCORE_VERSION = cls_ops.SPECS[0].version
KEYS = "k1:" + "s" * 32


# ------------------------------------------------------------------------------------ helpers
def vectors(n: int, dim: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype("<f4")


def put_body(collection: str, ids: list[str], vecs: np.ndarray) -> dict[str, Any]:
    return {
        "collection": collection,
        "dimension": int(vecs.shape[1]),
        "asset_ids": ids,
        "vectors": base64.b64encode(vecs.tobytes()).decode(),
    }


def heavy_score(seed: int) -> dict[str, Any]:
    """An ordinary classification request whose cached evaluation is ~175 KB (300 classes)."""
    n, k = 3000, 300
    return {
        "class_names": [f"c{j}" for j in range(k)],
        "asset_ids": [f"s{i}" for i in range(n)],
        "y_true": [i % k for i in range(n)],
        "y_pred": [(i * (seed + 2)) % k for i in range(n)],
    }


def label_matrix() -> dict[str, Any]:
    L = synthetic_votes(400, 5, 2, seed=7).L
    rows, fns = np.nonzero(L >= 0)
    return {
        "num_rows": int(L.shape[0]),
        "num_functions": int(L.shape[1]),
        "rows": rows.tolist(),
        "functions": fns.tolist(),
        "labels": L[rows, fns].tolist(),
    }


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any], namespace: str) -> httpx.Response:
    return await client.post(path, json=body, headers={NAMESPACE_HEADER: namespace})


async def ok(client: httpx.AsyncClient, path: str, body: dict[str, Any], namespace: str) -> dict[str, Any]:
    response = await post(client, path, body, namespace)
    assert response.status_code == 200, response.text
    return dict(response.json())


class Stored:
    """Namespace ``team-b``'s collection and fitted model, and the answers that prove them whole."""

    IDS: ClassVar[list[str]] = [f"b-{i}" for i in range(300)]
    VECS: ClassVar[np.ndarray] = vectors(300, 16, seed=1)

    def __init__(self) -> None:
        self.model_id = ""
        self.predictions: dict[str, Any] = {}

    async def put(self, client: httpx.AsyncClient) -> None:
        await ok(client, "/v1/embeddings:put", put_body("kept", self.IDS, self.VECS), "team-b")
        fitted = await ok(
            client,
            "/v1/label-model:fit",
            {
                "class_names": ["no", "yes"],
                "label_matrix": label_matrix(),
                "model": "LABEL_MODEL_TYPE_DAWID_SKENE",
            },
            "team-b",
        )
        self.model_id, self.predictions = fitted["model_id"], fitted["predictions"]

    async def check(self, client: httpx.AsyncClient) -> None:
        got = await ok(client, "/v1/embeddings:get", {"collection": "kept", "asset_ids": self.IDS}, "team-b")
        assert got.get("missing_ids", []) == [] and got["asset_ids"] == self.IDS
        assert base64.b64decode(got["vectors"]) == self.VECS.tobytes()
        predicted = await ok(
            client,
            "/v1/label-model:predict",
            {"model_id": self.model_id, "label_matrix": label_matrix()},
            "team-b",
        )
        assert predicted["predictions"] == self.predictions


def rest(runtime: Runtime) -> httpx.AsyncClient:
    runtime.serving = True
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime)), base_url="http://svc")


def redis_settings(url: str, **overrides: Any) -> Settings:
    fields: dict[str, Any] = {
        "redis_url": url,
        "redis_connect_timeout": 0.5,
        "redis_socket_timeout": 1.0,
        "workers": 2,
        "local_cache_bytes": 0,  # every answer read from Redis itself, no decoded tier in front
        "cache_signing_keys": KEYS,
    }
    fields.update(overrides)
    return Settings(**fields)


def info(server: RedisProcess, field: str) -> int:
    text = server.command("INFO").decode()
    return int(re.search(rf"^{field}:(\d+)", text, re.M).group(1))  # type: ignore[union-attr]


def rejected(metrics: str, reason: str) -> float:
    found = re.search(
        rf'^curation_cache_rejected_total\{{backend="[^"]+",reason="{reason}"\}} (\S+)$', metrics, re.M
    )
    return float(found.group(1)) if found else 0.0


# ------------------------------------------------------------------------------------ eviction
async def test_cache_pressure_never_evicts_stored_data_in_process() -> None:
    runtime = build_runtime(
        Settings(
            cache_memory_bytes=512 << 10, cache_max_entry_bytes=256 << 10, local_cache_bytes=0, workers=2
        )
    )
    stored = Stored()
    async with rest(runtime) as client:
        await stored.put(client)
        for seed in range(40):  # ~7 MB of ordinary results through a 512 KiB cache
            await ok(client, SCORE, heavy_score(seed), "team-a")
        evictions = getattr(runtime.cache, "evictions", 0)
        assert evictions >= 30, f"the cache was not under pressure ({evictions} evictions)"
        await stored.check(client)
    await runtime.close()


async def test_cache_pressure_never_evicts_stored_data_in_redis(redis_server: RedisProcess) -> None:
    runtime = build_runtime(redis_settings(redis_server.url))
    stored = Stored()
    async with rest(runtime) as client:
        await stored.put(client)
        # The chart's policy, and only 2 MiB of room above what Redis holds now.
        redis_server.command("CONFIG", "SET", "maxmemory-policy", "volatile-lru")
        redis_server.command("CONFIG", "SET", "maxmemory", str(info(redis_server, "used_memory") + (2 << 20)))
        for seed in range(40):  # ~7 MB of ordinary results
            await ok(client, SCORE, heavy_score(seed), "team-a")
        assert info(redis_server, "evicted_keys") >= 10, "Redis never had to evict: no cache pressure"
        await stored.check(client)
        ttl = redis_server.command("TTL", f"{KEY_PREFIX}team-b:emb:kept:header")
        assert ttl.startswith(b":-1"), ttl  # stored keys have no TTL: volatile-lru cannot pick them
    await runtime.close()


# ------------------------------------------------------------------------------------ store full
async def test_store_full_is_429_and_loses_nothing_in_process() -> None:
    runtime = build_runtime(Settings(store_memory_bytes=64 << 10, workers=2), emb_ops.SPECS)
    first_ids, first = [f"a{i}" for i in range(100)], vectors(100, 64, seed=2)
    async with rest(runtime) as client:
        await ok(client, "/v1/embeddings:put", put_body("c1", first_ids, first), "t")
        # A second collection over the budget, and an update of c1 (its 100 vectors changed, 150 added).
        over = [
            put_body("c2", [f"b{i}" for i in range(200)], vectors(200, 64, seed=3)),
            put_body("c1", first_ids + [f"n{i}" for i in range(150)], vectors(250, 64, seed=4)),
        ]
        for body in over:
            response = await post(client, "/v1/embeddings:put", body, "t")
            assert response.status_code == 429, response.text
            assert (rest_error(response).kind, rest_error(response).retry_delay) == ("storage_full", None)
        got = await ok(
            client, "/v1/embeddings:get", {"collection": "c1", "asset_ids": [*first_ids, "n0"]}, "t"
        )
        assert got["missing_ids"] == ["n0"] and base64.b64decode(got["vectors"]) == first.tobytes()
        missing = await post(client, "/v1/embeddings:get", {"collection": "c2", "asset_ids": ["b0"]}, "t")
        assert missing.status_code == 404
        # Deleting frees the budget: the refused put now fits.
        await ok(client, "/v1/embeddings:delete", {"collection": "c1", "delete_collection": True}, "t")
        assert await runtime.store.used_bytes() == 0
        await ok(client, "/v1/embeddings:put", over[0], "t")
    await runtime.close()


async def test_store_full_is_resource_exhausted_on_grpc() -> None:
    runtime = build_runtime(Settings(store_memory_bytes=64 << 10, workers=2), emb_ops.SPECS)
    server = create_grpc_server(runtime, host="127.0.0.1", port=0)
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{server.port}")
    stub = embeddings_pb2_grpc.EmbeddingServiceStub(channel)
    first_ids, first = [f"a{i}" for i in range(100)], vectors(100, 64, seed=2)
    try:
        await stub.PutEmbeddings(
            embeddings_pb2.PutEmbeddingsRequest(
                collection="c1", dimension=64, asset_ids=first_ids, vectors=first.tobytes()
            )
        )
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.PutEmbeddings(
                embeddings_pb2.PutEmbeddingsRequest(
                    collection="c1",
                    dimension=64,
                    asset_ids=first_ids + [f"n{i}" for i in range(150)],
                    vectors=vectors(250, 64, seed=4).tobytes(),
                )
            )
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert grpc_error(err.value).kind == "storage_full"
        got = await stub.GetEmbeddings(
            embeddings_pb2.GetEmbeddingsRequest(collection="c1", asset_ids=first_ids)
        )
        assert got.vectors == first.tobytes() and not got.missing_ids
    finally:
        await channel.close()
        await server.stop(0)
        await runtime.close()


async def test_redis_store_budget_is_429_and_loses_nothing(redis_server: RedisProcess) -> None:
    runtime = build_runtime(redis_settings(redis_server.url, store_redis_bytes=64 << 10), emb_ops.SPECS)
    first_ids, first = [f"a{i}" for i in range(100)], vectors(100, 64, seed=2)
    async with rest(runtime) as client:
        await ok(client, "/v1/embeddings:put", put_body("c1", first_ids, first), "t")
        body = put_body("c1", first_ids + [f"n{i}" for i in range(150)], vectors(250, 64, seed=4))
        response = await post(client, "/v1/embeddings:put", body, "t")
        assert response.status_code == 429, response.text
        assert (rest_error(response).kind, rest_error(response).retry_delay) == ("storage_full", None)
        got = await ok(client, "/v1/embeddings:get", {"collection": "c1", "asset_ids": first_ids}, "t")
        assert base64.b64decode(got["vectors"]) == first.tobytes()
        # Stored data cannot be recomputed: with Redis gone, reading it is 503, not an empty answer.
        redis_server.kill()
        down = await post(client, "/v1/embeddings:get", {"collection": "c1", "asset_ids": first_ids}, "t")
        assert down.status_code == 503, down.text
    await runtime.close()


# ------------------------------------------------------------------------------------ signed entries
@pytest.fixture
async def redis_runtime(redis_server: RedisProcess) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    runtime = build_runtime(redis_settings(redis_server.url))
    async with rest(runtime) as client:
        yield client, runtime
    await runtime.close()


SMALL = {"class_names": ["a", "b"], "asset_ids": ["x", "y", "z"], "y_true": [0, 1, 1], "y_pred": [0, 1, 0]}


async def test_a_forged_envelope_in_redis_is_not_served(
    redis_runtime: tuple[httpx.AsyncClient, Runtime], redis_server: RedisProcess
) -> None:
    client, _ = redis_runtime
    first = await ok(client, SCORE, SMALL, "default")
    digest = first["cache"]["key_digest"]
    key = storage_key("default", SCORE_RPC, SCORE_VERSION, digest)
    lie = ipb.ClassificationEvaluation(summary=classification_pb2.ClassificationSummary(num_assets=999))
    forged = cache_pb2.CacheEnvelope(
        schema_version=1,
        operation=f"{SCORE_RPC}@v{SCORE_VERSION}",
        key_digest=digest,
        payload=lie.SerializeToString(),
    )
    with redis.Redis.from_url(redis_server.url) as r:
        assert r.exists(key)
        r.set(key, forged.SerializeToString(), ex=600)
    answered = await ok(client, SCORE, SMALL, "default")
    assert answered["summary"] == first["summary"] and answered["cache"]["cached"] is False
    # Counted on every read (here twice: the REST fast path's lookup, then the seam's own).
    assert rejected((await client.get("/metrics")).text, "unsigned") >= 1
    assert (await ok(client, SCORE, SMALL, "default"))["cache"]["cached"] is True  # overwritten, signed


async def test_replicas_sharing_keys_share_entries_and_others_do_not(redis_server: RedisProcess) -> None:
    writer = build_runtime(redis_settings(redis_server.url))
    same = build_runtime(redis_settings(redis_server.url))
    stranger = build_runtime(redis_settings(redis_server.url, cache_signing_keys=""))  # a random key
    async with rest(writer) as a, rest(same) as b, rest(stranger) as c:
        assert (await ok(a, SCORE, SMALL, "default"))["cache"]["cached"] is False
        assert (await ok(b, SCORE, SMALL, "default"))["cache"]["cached"] is True
        assert (await ok(c, SCORE, SMALL, "default"))["cache"]["cached"] is False
        assert rejected((await c.get("/metrics")).text, "unknown_key") >= 1
    for runtime in (writer, same, stranger):
        await runtime.close()
