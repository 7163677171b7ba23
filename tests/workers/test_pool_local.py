"""The serving process's share of small calls: repeats answered from its cache without a hop, and at
most ``LOCAL_CALLS`` small computations at once here, the rest in the compute processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from curation.metrics import Metrics
from curation.ops import Context, Operations
from curation.ops.envelopes import Envelopes
from curation.ops.gateway import PROTO, InProcess
from curation.store import MemoryStore
from curation.v1 import classification_pb2 as pb
from curation.wiring import CODECS
from curation.workers import ProcessPool, WorkerConfig
from curation.workers.pool import LOCAL_CALLS
from tests.support import DictCache
from tests.workers.slow_specs import NAME, request, specs
from tests.workers.test_pool import KEYS, REGISTRY, SETTINGS


@pytest.fixture
async def pool() -> AsyncIterator[tuple[ProcessPool, list[str]]]:
    """A one-process pool with a local seam over the same cache; the list records every hop's call."""
    cache = DictCache()
    config = WorkerConfig(SETTINGS, 1, signing_keys=KEYS, codecs=CODECS, registry=REGISTRY)
    local = InProcess(Operations(specs(), cache, workers=4, local_bytes=0, envelopes=Envelopes(KEYS)))
    pool = ProcessPool(config, cache, MemoryStore(max_bytes=1 << 20), Metrics(), local=local)
    hops: list[str] = []
    hop = pool._call

    async def counted(name: str, frames: list[bytes], *args: Any, **kw: Any) -> bytes | None:
        hops.append(name)
        return await hop(name, frames, *args, **kw)

    pool._call = counted  # type: ignore[method-assign]
    await pool.start()
    await asyncio.wait_for(pool.wait_ready(), 120)
    yield pool, hops
    await pool.close()


async def ask(pool: ProcessPool, message: pb.ScoreClassificationRequest) -> pb.ScoreClassificationResponse:
    body = message.SerializeToString()
    return pb.ScoreClassificationResponse.FromString(
        await asyncio.wait_for(pool.answer(NAME, body, PROTO, Context()), 60)
    )


async def test_a_small_repeat_of_a_process_s_answer_is_answered_here(
    pool: tuple[ProcessPool, list[str]],
) -> None:
    processes, hops = pool
    local, processes.local = processes.local, None
    first = await ask(processes, request(1))  # computed in the process, stored in the shared cache
    assert hops == [NAME] and not first.cache.cached
    processes.local = local
    again = await ask(processes, request(1))
    assert hops == [NAME]  # no second hop
    assert again.cache.cached and again.cache.key_digest == first.cache.key_digest
    assert again.summary == first.summary


async def test_small_computations_here_are_bounded_and_the_rest_go_to_the_processes(
    pool: tuple[ProcessPool, list[str]],
) -> None:
    processes, hops = pool
    calls = LOCAL_CALLS + 2
    requests = [
        pb.ScoreClassificationRequest(class_names=["x"], asset_ids=[f"r{i}"], y_true=[0], y_pred=[0])
        for i in range(calls)
    ]
    answers = await asyncio.gather(*(ask(processes, r) for r in requests))
    assert [a.summary.num_assets for a in answers] == [1] * calls
    assert len(hops) == calls - LOCAL_CALLS
