"""Signed envelopes: what a forger, a tamperer or a rotated key gets - a miss that is counted and then
overwritten, never an answer. Through the seam over the in-process LRU (Redis: tests/test_stored_data.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from curation.cache.memory import MemoryCache
from curation.internal.v1 import cache_pb2
from curation.internal.v1 import classification_pb2 as ipb
from curation.ops import Context, Operations, OperationSpec
from curation.ops.envelopes import Envelopes, Rejected, SigningKeys, load_signing_keys
from curation.ops.keys import canonical_bytes, key_digest, storage_key
from curation.v1 import classification_pb2 as pb
from curation.v1 import common_pb2
from tests.support import answer

NAME = "curation.v1.DiagnosticsService/ScoreClassification"
OLD = "old:" + "o" * 32
NEW = "new:" + "n" * 32


class Rejections:
    """The seam's Observer, counting rejected entries by reason."""

    def __init__(self) -> None:
        self.reasons: Counter[str] = Counter()
        self.computed = 0

    def on_reject_invalid(self, backend: str, reason: str) -> None:
        self.reasons[reason] += 1

    def observe_compute(self, operation: str, seconds: float) -> None:
        self.computed += 1


def evaluate(request: pb.ScoreClassificationRequest) -> ipb.ClassificationEvaluation:
    return ipb.ClassificationEvaluation(summary=pb.ClassificationSummary(num_assets=len(request.asset_ids)))


def respond(
    payload: ipb.ClassificationEvaluation, request: pb.ScoreClassificationRequest, info: common_pb2.CacheInfo
) -> pb.ScoreClassificationResponse:
    return pb.ScoreClassificationResponse(summary=payload.summary, cache=info)


SPEC = OperationSpec(
    name=NAME,
    request_type=pb.ScoreClassificationRequest,
    response_type=pb.ScoreClassificationResponse,
    payload_type=ipb.ClassificationEvaluation,
    evaluate=evaluate,
    respond=respond,
)
REQUEST = pb.ScoreClassificationRequest(asset_ids=["a", "b"], y_true=[0, 1], y_pred=[0, 0])
CTX = Context(namespace="team-a")
DIGEST = key_digest(NAME, 1, CTX.namespace, canonical_bytes(REQUEST, ()))
KEY = storage_key(CTX.namespace, NAME, 1, DIGEST)


def seam(cache: MemoryCache, keys: str, observer: Rejections) -> Operations:
    # local_bytes=0: no decoded tier in front of the cache, every answer is read from it.
    return Operations(
        [SPEC],
        cache,
        workers=1,
        local_bytes=0,
        observer=observer,
        envelopes=Envelopes(SigningKeys.parse(keys)),
    )


def forged(num_assets: int, **fields: object) -> bytes:
    """A well-formed envelope with the right schema, operation and key digest, and a lying payload."""
    payload = ipb.ClassificationEvaluation(summary=pb.ClassificationSummary(num_assets=num_assets))
    return cache_pb2.CacheEnvelope(
        schema_version=1,
        operation=f"{NAME}@v1",
        key_digest=DIGEST,
        payload=payload.SerializeToString(),
        **fields,  # type: ignore[arg-type]
    ).SerializeToString()


async def ask(ops: Operations) -> pb.ScoreClassificationResponse:
    return await answer(ops, NAME, REQUEST, pb.ScoreClassificationResponse, CTX)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({}, "unsigned"),
        ({"key_id": "new", "signature": b"\0" * 32}, "bad_signature"),
        ({"key_id": "someone-else", "signature": b"\1" * 32}, "unknown_key"),
    ],
)
async def test_a_forged_entry_is_recomputed_counted_and_overwritten(
    fields: dict[str, object], reason: str
) -> None:
    cache, seen = MemoryCache(max_bytes=1 << 20, max_entry_bytes=1 << 20), Rejections()
    ops = seam(cache, NEW, seen)
    cache.set_sync(KEY, forged(999, **fields), ttl_seconds=60)
    first = await ask(ops)
    assert first.summary.num_assets == 2 and not first.cache.cached  # the forgery was not served
    assert seen.reasons == Counter({reason: 1}) and seen.computed == 1
    again = await ask(ops)  # overwritten by the genuine, signed entry
    assert again.cache.cached and again.summary.num_assets == 2 and seen.computed == 1
    ops.close()


async def test_a_tampered_payload_is_rejected() -> None:
    cache, seen = MemoryCache(max_bytes=1 << 20, max_entry_bytes=1 << 20), Rejections()
    ops = seam(cache, NEW, seen)
    await ask(ops)
    raw = cache.get_sync(KEY)
    assert raw is not None
    envelope = cache_pb2.CacheEnvelope.FromString(raw)
    evaluation = ipb.ClassificationEvaluation.FromString(envelope.payload)
    evaluation.summary.num_assets = 999
    envelope.payload = evaluation.SerializeToString()  # signature and key ID left as they were
    cache.set_sync(KEY, envelope.SerializeToString(), ttl_seconds=60)
    answered = await ask(ops)
    assert answered.summary.num_assets == 2 and not answered.cache.cached
    assert seen.reasons == Counter({"bad_signature": 1})
    ops.close()


async def test_a_genuine_entry_moved_to_another_key_is_rejected() -> None:
    cache, seen = MemoryCache(max_bytes=1 << 20, max_entry_bytes=1 << 20), Rejections()
    ops = seam(cache, NEW, seen)
    other = Context(namespace="team-b")
    await answer(ops, NAME, REQUEST, pb.ScoreClassificationResponse, other)
    copied = cache.get_sync(
        storage_key(other.namespace, NAME, 1, key_digest(NAME, 1, "team-b", canonical_bytes(REQUEST, ())))
    )
    assert copied is not None
    envelope = cache_pb2.CacheEnvelope.FromString(copied)
    envelope.key_digest = DIGEST  # make the lookup fields match team-a's key; the signature binds the key
    cache.set_sync(KEY, envelope.SerializeToString(), ttl_seconds=60)
    assert not (await ask(ops)).cache.cached
    assert seen.reasons == Counter({"bad_signature": 1})
    ops.close()


async def test_key_rotation() -> None:
    cache = MemoryCache(max_bytes=1 << 20, max_entry_bytes=1 << 20)
    old_only, both, new_only = Rejections(), Rejections(), Rejections()
    writer = seam(cache, OLD, old_only)
    assert not (await ask(writer)).cache.cached  # signed by "old"
    # Rotation step 1: the new key signs, the old one still verifies: the entry is still a hit.
    rotating = seam(cache, f"{NEW},{OLD}", both)
    assert (await ask(rotating)).cache.cached and both.reasons == Counter()
    # Step 2: the old key removed: its entries are misses (recomputed, re-signed by "new", then hits).
    rotated = seam(cache, NEW, new_only)
    assert not (await ask(rotated)).cache.cached
    assert new_only.reasons == Counter({"unknown_key": 1})
    assert (await ask(rotated)).cache.cached
    raw = cache.get_sync(KEY)
    assert raw is not None and cache_pb2.CacheEnvelope.FromString(raw).key_id == "new"
    for ops in (writer, rotating, rotated):
        ops.close()


def test_envelope_round_trip_and_checks() -> None:
    env = Envelopes(SigningKeys.parse(NEW))
    sealed = env.seal(operation="op@v1", key_digest="d", key="k", payload=b"payload")
    assert env.open(sealed, operation="op@v1", key_digest="d", key="k") == b"payload"
    for kwargs, reason in [
        ({"operation": "op@v2", "key_digest": "d", "key": "k"}, "mismatch"),
        ({"operation": "op@v1", "key_digest": "e", "key": "k"}, "mismatch"),
        ({"operation": "op@v1", "key_digest": "d", "key": "other"}, "bad_signature"),
    ]:
        with pytest.raises(Rejected) as info:
            env.open(sealed, **kwargs)
        assert info.value.reason == reason
    with pytest.raises(Rejected) as info:
        env.open(b"\xff\xff not a proto", operation="op@v1", key_digest="d", key="k")
    assert info.value.reason == "corrupt"


def test_signing_keys_configuration(tmp_path: Path) -> None:
    keys = SigningKeys.parse(f" {NEW} ,\n{OLD}\n")
    assert keys.ids == ("new", "old") and not keys.ephemeral
    assert SigningKeys.parse("k1:" + "a:b" * 6).keys[0][1] == b"a:b" * 6  # a secret may contain ':'
    secret_file = tmp_path / "keys"
    secret_file.write_text(OLD + "\n")
    assert load_signing_keys(NEW, str(secret_file)).ids == ("old",)  # the file wins
    assert load_signing_keys(NEW, "").ids == ("new",)
    random = load_signing_keys("", "")
    assert random.ephemeral and random.ids[0].startswith("process-")
    assert "o" * 32 not in repr(keys)  # secrets never printed
    for bad, message in [
        ("", "at least one"),
        ("nokey", "key-id:secret"),
        ("k:short", "at least 16"),
        (f"{NEW},{NEW}", "unique"),
        ("bad id:" + "x" * 16, "key-id:secret"),
    ]:
        with pytest.raises(ValueError, match=message):
            SigningKeys.parse(bad)
