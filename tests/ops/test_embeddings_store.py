"""Embedding collections in the store: deletes free every byte (orphans included), a put is one
all-or-nothing store put, and a collection created again never sees an old vector."""

from __future__ import annotations

import numpy as np

from curation.ops.embeddings import EmbeddingStore
from curation.store import MemoryStore


async def test_deleting_a_collection_frees_every_byte_orphans_included() -> None:
    backend = MemoryStore(max_bytes=1 << 20)
    store = EmbeddingStore(backend, "team-a")
    ids = [f"a{i}" for i in range(20)]
    vecs = np.random.default_rng(0).normal(size=(20, 8)).astype(np.float32)
    await store.put("c1", 8, 0, ids, vecs)
    c1_bytes = await backend.used_bytes()
    await store.put("c10", 8, 0, ids, vecs)  # a name that c1's prefix must not reach
    kept = await backend.used_bytes() - c1_bytes
    # What two racing creations leave behind: vectors under a generation the header does not name.
    await backend.put_many({"team-a:emb:c1:0123456789abcdef:" + "0" * 32: b"orphan"})
    assert await store.delete_collection("c1")
    assert await backend.used_bytes() == kept
    assert not await store.delete_collection("c1")
    _, found, got = await store.get("c10", ids)
    assert found.all() and np.array_equal(got, vecs)
    # Created again: a new generation, none of the old vectors.
    await store.put("c1", 8, 0, ids[:1], vecs[:1])
    _, found, _ = await store.get("c1", ids)
    assert found.tolist() == [True] + [False] * 19
