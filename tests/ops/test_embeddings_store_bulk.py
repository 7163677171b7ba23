"""Large embedding reads and writes: the same keys and value layout as one row at a time, each row checked
against its asset ID, and the hashing and decoding done off the event loop (other requests keep being
answered while a large get runs)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator

import numpy as np
import pytest

from curation.cache.memory import MemoryCache
from curation.ops import Context, Operations
from curation.ops import embeddings as emb_ops
from curation.ops.embeddings import INLINE_IDS, EmbeddingStore, store_for
from curation.store import MemoryStore
from curation.v1 import embeddings_pb2 as pb

CTX = Context(namespace="team-a")


@pytest.fixture
def ops() -> Iterator[Operations]:
    o = Operations(
        emb_ops.SPECS,
        MemoryCache(max_bytes=1 << 20, max_entry_bytes=1 << 16),
        store=MemoryStore(max_bytes=1 << 30),
        workers=1,
    )
    yield o
    o.close()


def mixed_ids(n: int) -> list[str]:
    """IDs of several lengths, some with multi-byte UTF-8."""
    return [f"a{i}" if i % 3 else f"é-asset-{i:06d}" for i in range(n)]


def key(namespace: str, collection: str, generation: str, asset: str) -> str:
    return f"{namespace}:emb:{collection}:{generation}:" + hashlib.sha256(asset.encode()).hexdigest()[:32]


@pytest.mark.parametrize("n", [50, INLINE_IDS + 500])
@pytest.mark.parametrize(
    ("dtype", "np_dtype"), [(pb.EMBEDDING_DTYPE_FLOAT32, "<f4"), (pb.EMBEDDING_DTYPE_FLOAT16, "<f2")]
)
async def test_round_trip_keeps_the_layout_and_reads_a_wrong_suffix_as_missing(
    n: int, dtype: int, np_dtype: str
) -> None:
    backend = MemoryStore(max_bytes=1 << 28)
    store = EmbeddingStore(backend, "team-a")
    ids = mixed_ids(n)
    vecs = np.random.default_rng(1).normal(size=(n, 6)).astype(np.float32)
    stored, created, head = await store.put("c", 6, dtype, ids, vecs)
    assert (stored, created) == (n, True)
    raw = vecs.astype(np_dtype)
    # The layout: one entry per vector under the hash of its ID, its bytes followed by the ID's UTF-8.
    for i in (0, 1, n - 1):
        assert (
            await backend.get(key("team-a", "c", head.generation, ids[i]))
            == raw[i].tobytes() + ids[i].encode()
        )
    # Stand-ins for hash collisions: another ID of the same length, one of another length, a short value.
    await backend.put_many(
        {
            key("team-a", "c", head.generation, ids[1]): raw[1].tobytes() + b"a9",
            key("team-a", "c", head.generation, ids[2]): raw[2].tobytes() + b"a22",
            key("team-a", "c", head.generation, ids[3]): b"\x00" * 3,
        }
    )
    wanted = [*ids, "never-stored", "é"]
    _, found, got = await store.get("c", wanted)
    expected = np.ones(len(wanted), dtype=bool)
    expected[[1, 2, 3, n, n + 1]] = False
    assert found.tolist() == expected.tolist()
    assert got.dtype == np.float32 and got.shape == (len(wanted), 6)
    assert got[found].astype(np_dtype).tobytes() == raw[found[:n]].tobytes()
    assert not got[~found].any()


async def test_a_get_of_one_length_all_missing_or_all_found_reads_right() -> None:
    store = EmbeddingStore(MemoryStore(max_bytes=1 << 26), "t")
    ids = [f"b{i:05d}" for i in range(INLINE_IDS + 10)]
    vecs = np.arange(len(ids) * 4, dtype=np.float32).reshape(-1, 4)
    await store.put("c", 4, 0, ids[:-1], vecs[:-1])
    _, found, got = await store.get("c", ids[:-1])
    assert found.all() and np.array_equal(got, vecs[:-1])
    got[0] = -1.0  # the caller owns what it got
    _, found, got = await store.get("c", ids[-1:] + ids[:2])
    assert found.tolist() == [False, True, True] and np.array_equal(got[1:], vecs[:2]) and not got[0].any()


async def test_a_large_get_through_the_seam_leaves_the_event_loop_free(ops: Operations) -> None:
    n = 100_000
    store = store_for(ops, CTX)
    ids = [f"asset-{i}" for i in range(n)]
    vecs = np.random.default_rng(0).normal(size=(n, 16)).astype(np.float32)
    await store.put("big", 16, 0, ids, vecs)
    gaps: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.03)
    began = time.perf_counter()
    _, found, got = await store.get("big", ids)
    took = time.perf_counter() - began
    done.set()
    await ticker
    assert found.all() and np.array_equal(got, vecs)
    # The ticker kept ticking: its longest wait is a small part of the get, not all of it (the hashing
    # and decoding ran in a worker thread; the store was read in chunks with the loop free in between).
    assert len(gaps) > 5 and max(gaps) < took / 3
