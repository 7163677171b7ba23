"""Compute processes: answers equal to the in-process gateway's, one shared cache, errors rebuilt with
their field, cancellation that frees the process, and a dead process replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator

import pytest

from curation.errors import DeadlineExceeded, InvalidArgument, Unavailable
from curation.metrics import Metrics
from curation.ops import Context, Operations
from curation.ops.envelopes import Envelopes, SigningKeys
from curation.ops.gateway import PROTO, InProcess
from curation.settings import Settings
from curation.store import MemoryStore
from curation.v1 import classification_pb2 as pb
from curation.wiring import CODECS
from curation.workers import ProcessPool, WorkerConfig
from curation.workers.pool import HEAVY_BODY_BYTES
from tests.support import DictCache
from tests.workers.slow_specs import NAME, request, specs

REGISTRY = "tests.workers.slow_specs:specs"
SETTINGS = Settings(workers=1, local_cache_bytes=0)
KEYS = SigningKeys.random()


@pytest.fixture
async def pool() -> AsyncIterator[tuple[ProcessPool, DictCache]]:
    cache = DictCache()
    config = WorkerConfig(SETTINGS, 1, signing_keys=KEYS, codecs=CODECS, registry=REGISTRY)
    pool = ProcessPool(config, cache, MemoryStore(max_bytes=1 << 20), Metrics())
    await pool.start()
    await asyncio.wait_for(pool.wait_ready(), 120)
    yield pool, cache
    await pool.close()


async def ask(pool: ProcessPool, message: pb.ScoreClassificationRequest, ctx: Context | None = None) -> bytes:
    return await asyncio.wait_for(pool.answer(NAME, message.SerializeToString(), PROTO, ctx or Context()), 60)


async def test_a_process_answers_as_this_process_would_and_shares_its_cache(
    pool: tuple[ProcessPool, DictCache],
) -> None:
    processes, cache = pool
    first = pb.ScoreClassificationResponse.FromString(await ask(processes, request(2)))
    assert first.summary.num_assets == 2 and not first.cache.cached
    assert any(first.cache.key_digest in key for key in cache.data)  # stored in the server's cache
    local = InProcess(Operations(specs(), cache, workers=1, local_bytes=0, envelopes=Envelopes(KEYS)))
    again = pb.ScoreClassificationResponse.FromString(
        await local.answer(NAME, request(2).SerializeToString(), PROTO, Context())
    )
    assert again.cache.cached and again.cache.key_digest == first.cache.key_digest
    assert again.summary == first.summary


async def test_an_error_comes_back_with_its_kind_and_field(pool: tuple[ProcessPool, DictCache]) -> None:
    processes, _ = pool
    with pytest.raises(InvalidArgument) as error:
        await ask(processes, request(2, bad=True))
    assert (error.value.field, error.value.message) == ("y_true[1]", "labels must be >= 0")


async def test_a_caller_that_leaves_frees_the_process_for_the_next_call(
    pool: tuple[ProcessPool, DictCache],
) -> None:
    processes, _ = pool
    slow = asyncio.create_task(processes.answer(NAME, request(6000).SerializeToString(), PROTO, Context()))
    await asyncio.sleep(1.0)
    slow.cancel()
    # One process with one worker thread: this call runs only once the 10-minute one has stopped.
    answer = pb.ScoreClassificationResponse.FromString(await ask(processes, request(1)))
    assert answer.summary.num_assets == 1


async def test_a_process_that_dies_fails_its_calls_and_is_replaced(
    pool: tuple[ProcessPool, DictCache],
) -> None:
    processes, _ = pool
    slow = asyncio.create_task(processes.answer(NAME, request(6000).SerializeToString(), PROTO, Context()))
    await asyncio.sleep(0.5)
    (pid,) = processes.pids
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(Unavailable, match="compute process stopped"):
        await asyncio.wait_for(slow, 30)
    await asyncio.wait_for(processes.wait_ready(), 120)
    assert processes.pids != [pid]
    answer = pb.ScoreClassificationResponse.FromString(await ask(processes, request(1)))
    assert answer.summary.num_assets == 1


async def test_a_passed_deadline_stops_the_computation_in_its_process(
    pool: tuple[ProcessPool, DictCache],
) -> None:
    processes, _ = pool
    with pytest.raises(DeadlineExceeded):
        await ask(processes, request(6000), Context(deadline=time.monotonic() + 0.5))
    answer = pb.ScoreClassificationResponse.FromString(await ask(processes, request(1)))
    assert answer.summary.num_assets == 1


async def test_heavy_calls_leave_the_last_process_to_small_ones() -> None:
    """Two heavy calls (bodies over HEAVY_BODY_BYTES) both go to the first of two processes, each with one
    worker thread: a small call is answered by the second at once instead of waiting behind them."""
    config = WorkerConfig(SETTINGS, 2, signing_keys=KEYS, codecs=CODECS, registry=REGISTRY)
    processes = ProcessPool(config, DictCache(), MemoryStore(max_bytes=1 << 20), Metrics())
    await processes.start()
    try:
        await asyncio.wait_for(processes.wait_ready(), 120)
        heavy = request(6000)
        heavy.class_names[0] = "x" * HEAVY_BODY_BYTES  # the body's size is what makes a call heavy
        body = heavy.SerializeToString()
        running = [asyncio.create_task(processes.answer(NAME, body, PROTO, Context())) for _ in range(2)]
        await asyncio.sleep(0.5)
        answer = pb.ScoreClassificationResponse.FromString(await ask(processes, request(1)))
        assert answer.summary.num_assets == 1
        for task in running:
            task.cancel()
    finally:
        await processes.close()
