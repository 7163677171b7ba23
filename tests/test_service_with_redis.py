"""The whole service over a real Redis: results cached there, and Redis flushed, paused or killed mid-test
never fails a request (the service computes, answers, counts the error, and uses Redis again when back)."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from curation.rest import create_app
from curation.settings import Settings
from curation.wiring import Runtime, build_runtime

PATH = "/v1/diagnostics/classification:score"


def body(seed: int) -> dict[str, Any]:
    """A small valid request; the seed changes its content (so its cache key)."""
    n = 12
    return {
        "class_names": ["a", "b", "c"],
        "asset_ids": [f"s{seed}-{i}" for i in range(n)],
        "y_true": [i % 3 for i in range(n)],
        "y_pred": [(i * (seed + 1)) % 3 for i in range(n)],
    }


def redis_settings(url: str) -> Settings:
    return Settings(
        redis_url=url,
        redis_connect_timeout=0.2,
        redis_socket_timeout=0.2,
        redis_failure_threshold=2,
        redis_cooldown_seconds=0.3,
        workers=2,
        local_cache_bytes=0,  # these tests are about Redis itself: no decoded tier in front of it
    )


async def score(client: httpx.AsyncClient, seed: int) -> dict[str, Any]:
    async with asyncio.timeout(10):  # a hung Redis must not hang the request: fail instead
        response = await client.post(PATH, json=body(seed))
    assert response.status_code == 200, response.text
    return dict(response.json())


def cache_errors(metrics_text: str) -> float:
    return sum(
        float(v) for v in re.findall(r"^curation_cache_errors_total\{[^}]*\} (\S+)$", metrics_text, re.M)
    )


@pytest.fixture
async def service(redis_server: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    runtime = build_runtime(redis_settings(redis_server.url))
    runtime.serving = True
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        yield client, runtime
    await runtime.close()


async def test_results_are_cached_in_redis_and_survive_a_flush(service: Any, redis_server: Any) -> None:
    client, _ = service
    first = await score(client, 1)
    again = await score(client, 1)
    assert (first["cache"]["cached"], again["cache"]["cached"]) == (False, True)
    digest = first["cache"]["key_digest"]
    assert digest.encode() in redis_server.command("KEYS", "curation:default:*")
    redis_server.command("FLUSHALL")
    after_flush = await score(client, 1)
    assert after_flush["cache"] == {"cached": False, "key_digest": digest}
    assert after_flush["summary"] == first["summary"]
    assert (await score(client, 1))["cache"]["cached"]


async def test_paused_redis_never_fails_a_request(service: Any, redis_server: Any) -> None:
    client, _ = service
    await score(client, 2)
    redis_server.pause()
    try:
        for seed in (2, 3, 4):
            answered = await score(client, seed)
            assert answered["summary"]["num_assets"] == "12"
    finally:
        redis_server.resume()
    metrics = (await client.get("/metrics")).text
    assert cache_errors(metrics) >= 1


async def test_killed_redis_never_fails_a_request_and_is_used_again_when_back(
    service: Any, redis_server: Any
) -> None:
    client, runtime = service
    assert not (await score(client, 5))["cache"]["cached"]
    redis_server.kill()
    for seed in (5, 6, 7, 8):
        answered = await score(client, seed)
        assert not answered["cache"]["cached"]
    assert cache_errors((await client.get("/metrics")).text) >= 1
    ready = await client.get("/readyz")
    assert ready.status_code == 200  # Redis is optional: the service stays ready without it
    redis_server.start()  # a new, empty Redis on the same port
    cached = False
    for _ in range(50):  # the breaker's cool-down is 0.3 s: back within a few tries
        await asyncio.sleep(0.1)
        await score(client, 9)
        if (await score(client, 9))["cache"]["cached"]:
            cached = True
            break
    assert cached, "the cache was not used again after Redis came back"
    assert runtime.cache.describe()["breaker"] == "closed"


@pytest.mark.redis
async def test_shared_redis_round_trip() -> None:
    """Against the Redis that `make test` guarantees (CURATION_TEST_REDIS_URL), as a deployment uses it."""
    url = os.environ.get("CURATION_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    runtime = build_runtime(redis_settings(url))
    transport = httpx.ASGITransport(app=create_app(runtime))
    seed = uuid.uuid4().int % 10_000 + 100
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            assert not (await score(client, seed))["cache"]["cached"]
            assert (await score(client, seed))["cache"]["cached"]
    finally:
        await runtime.close()
