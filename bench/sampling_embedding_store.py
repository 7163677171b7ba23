"""The embedding store: put and get of n x 128 float32 vectors through the in-process store (and the Redis
store when REDIS_URL is set: staged writes and one all-or-nothing commit), one store entry per vector. Prints seconds and vectors per second, and compares with
the floor of the same bytes copied as one numpy array (what a single-blob layout would cost in process).

    python -m bench.sampling_embedding_store           # 100,000 x 128
    python -m bench.sampling_embedding_store --smoke   # 2,000 x 32
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

import numpy as np

from curation.ops.embeddings import EmbeddingStore
from curation.store import MemoryStore, RedisStore, Store


async def measure(backend: Store, name: str, n: int, d: int) -> None:
    x = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
    ids = [f"asset-{i:07d}" for i in range(n)]
    store = EmbeddingStore(backend, "bench")
    started = time.perf_counter()
    await store.put("c", d, 1, ids, x)
    t_put = time.perf_counter() - started
    started = time.perf_counter()
    _, found, got = await store.get("c", ids)
    t_get = time.perf_counter() - started
    assert found.all() and np.array_equal(got, x)
    started = time.perf_counter()
    np.frombuffer(x.tobytes(), dtype=np.float32).reshape(n, d).copy()
    t_blob = time.perf_counter() - started
    print(
        f"{name}: n={n:,} d={d}: put {t_put:6.2f} s ({n / t_put:,.0f}/s), get {t_get:6.2f} s ({n / t_get:,.0f}/s)"
        f" | one-blob copy {t_blob * 1000:.1f} ms",
        flush=True,
    )
    await store.delete_collection("c")


async def main_async(n: int, d: int) -> None:
    await measure(MemoryStore(max_bytes=2 << 30), "memory", n, d)
    url = os.environ.get("REDIS_URL")
    if url:
        redis_store = RedisStore(url, max_bytes=2 << 30)
        try:
            await measure(redis_store, "redis", n, d)
        finally:
            await redis_store.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    asyncio.run(main_async(2_000, 32) if args.smoke else main_async(100_000, 128))


if __name__ == "__main__":
    main()
