"""The ops seam: keys, cache hits, envelopes, failures that write nothing, deadlines, the REST fast path."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TypedDict, Unpack

import pytest

from curation.errors import DeadlineExceeded, InvalidArgument, LimitExceeded, NotFound
from curation.internal.v1 import cache_pb2
from curation.internal.v1 import classification_pb2 as ipb
from curation.ops import BodyFormat, Context, Cost, Operations, OperationSpec
from curation.ops.keys import body_digest, key_digest, storage_key
from curation.ops.paging import encode_page_token
from curation.v1 import classification_pb2 as pb
from curation.v1 import common_pb2
from tests.support import DictCache, answer

NAME = "curation.v1.DiagnosticsService/ScoreClassification"


class Counting:
    """A fake evaluation: counts its calls, optionally fails or blocks."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False
        self.gate: threading.Event | None = None

    def evaluate(self, request: pb.ScoreClassificationRequest) -> ipb.ClassificationEvaluation:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail:
            raise InvalidArgument("bad", field="y_true[3]")
        return ipb.ClassificationEvaluation(
            summary=pb.ClassificationSummary(num_assets=len(request.asset_ids))
        )


def respond(
    payload: ipb.ClassificationEvaluation, request: pb.ScoreClassificationRequest, info: common_pb2.CacheInfo
) -> pb.ScoreClassificationResponse:
    return pb.ScoreClassificationResponse(
        summary=payload.summary,
        cache=info,
        next_page_token=request.page_token or encode_page_token(info.key_digest, 1),
    )


def make(
    counting: Counting, cache: DictCache | None = None, *, local_bytes: int = 0
) -> tuple[Operations, DictCache]:
    cache = cache or DictCache()
    spec = OperationSpec(
        name=NAME,
        request_type=pb.ScoreClassificationRequest,
        response_type=pb.ScoreClassificationResponse,
        payload_type=ipb.ClassificationEvaluation,
        evaluate=counting.evaluate,
        respond=respond,
        paging_fields=("page_size", "page_token"),
    )
    return Operations([spec], cache, workers=2, local_bytes=local_bytes), cache


class RequestChanges(TypedDict, total=False):
    """Fields a test sets on top of the base request."""

    class_names: list[str]
    page_size: int
    page_token: str


def request(**kw: Unpack[RequestChanges]) -> pb.ScoreClassificationRequest:
    return pb.ScoreClassificationRequest(asset_ids=["a", "b"], y_true=[0, 1], y_pred=[0, 0], **kw)


async def test_second_request_is_a_hit_with_the_same_digest() -> None:
    c = Counting()
    ops, _ = make(c)
    first = await answer(ops, NAME, request(), pb.ScoreClassificationResponse, Context())
    second = await answer(ops, NAME, request(), pb.ScoreClassificationResponse, Context())
    assert (first.cache.cached, second.cache.cached) == (False, True)
    assert first.cache.key_digest == second.cache.key_digest
    assert second.summary.num_assets == 2
    assert c.calls == 1


async def test_paging_fields_are_not_part_of_the_key() -> None:
    c = Counting()
    ops, _ = make(c)
    first = await answer(ops, NAME, request(), pb.ScoreClassificationResponse, Context())
    token = first.next_page_token
    paged = await answer(
        ops, NAME, request(page_size=5, page_token=token), pb.ScoreClassificationResponse, Context()
    )
    assert paged.cache.cached and paged.cache.key_digest == first.cache.key_digest
    assert paged.next_page_token == token


async def test_namespace_and_content_change_the_key() -> None:
    c = Counting()
    ops, _ = make(c)
    a = await answer(ops, NAME, request(), pb.ScoreClassificationResponse, Context(namespace="a"))
    b = await answer(ops, NAME, request(), pb.ScoreClassificationResponse, Context(namespace="b"))
    other = await answer(
        ops, NAME, request(class_names=["x", "y"]), pb.ScoreClassificationResponse, Context(namespace="a")
    )
    assert len({a.cache.key_digest, b.cache.key_digest, other.cache.key_digest}) == 3
    assert not b.cache.cached and c.calls == 3


async def test_bad_namespace_is_rejected() -> None:
    ops, _ = make(Counting())
    with pytest.raises(InvalidArgument) as err:
        await ops.dispatch(NAME, request(), Context(namespace="a:b"))
    assert err.value.field == "namespace"


async def test_failed_request_writes_nothing() -> None:
    c = Counting()
    c.fail = True
    ops, cache = make(c)
    with pytest.raises(InvalidArgument):
        await ops.dispatch(NAME, request(), Context(), body_digest=body_digest(b"{}"))
    assert cache.data == {}


@pytest.mark.parametrize("corrupt", ["garbage", "version", "operation", "digest"])
async def test_forged_or_stale_entries_are_rejected(corrupt: str) -> None:
    c = Counting()
    ops, cache = make(c)
    first = await answer(ops, NAME, request(), pb.ScoreClassificationResponse, Context())
    (key,) = cache.data
    env = cache_pb2.CacheEnvelope.FromString(cache.data[key])
    if corrupt == "garbage":
        cache.data[key] = b"\xff\xff\xff not a proto"
    else:
        if corrupt == "version":
            env.schema_version = 99
        elif corrupt == "operation":
            env.operation = "something else"
        else:
            env.key_digest = "0" * 64
        cache.data[key] = env.SerializeToString()
    again = await answer(ops, NAME, request(), pb.ScoreClassificationResponse, Context())
    assert not again.cache.cached and c.calls == 2
    assert again.cache.key_digest == first.cache.key_digest


async def test_identical_requests_in_flight_compute_once() -> None:
    c = Counting()
    c.gate = threading.Event()
    ops, _ = make(c)
    tasks = [
        asyncio.create_task(answer(ops, NAME, request(), pb.ScoreClassificationResponse, Context()))
        for _ in range(3)
    ]
    while c.calls == 0:
        await asyncio.sleep(0.001)
    c.gate.set()
    results = await asyncio.gather(*tasks)
    assert c.calls == 1
    assert {r.summary.num_assets for r in results} == {2}


async def test_deadline_gives_deadline_exceeded_and_writes_nothing() -> None:
    c = Counting()
    c.gate = threading.Event()
    ops, cache = make(c)
    try:
        with pytest.raises(DeadlineExceeded):
            await ops.dispatch(NAME, request(), Context(deadline=time.monotonic() + 0.05))
    finally:
        c.gate.set()
    assert cache.data == {}


async def test_body_fast_path_answers_a_byte_identical_body_without_evaluating() -> None:
    c = Counting()
    ops, _ = make(c)
    token = (await ops.dispatch(NAME, request(), Context())).next_page_token  # type: ignore[attr-defined]
    body = b'{"asset_ids": ["a", "b"], "page_token": "%s"}' % token.encode()
    assert await ops.dispatch_body(NAME, Context(), body_digest(body)) is None
    first = await ops.dispatch(NAME, request(page_token=token), Context(), body_digest=body_digest(body))
    assert isinstance(first, pb.ScoreClassificationResponse)
    again = await ops.dispatch_body(NAME, Context(), body_digest(body))
    assert isinstance(again, pb.ScoreClassificationResponse) and again.cache.cached
    assert again.cache.key_digest == first.cache.key_digest
    assert again.next_page_token == token  # the body's paging fields were kept
    assert await ops.dispatch_body(NAME, Context(namespace="other"), body_digest(body)) is None
    assert c.calls == 1


async def test_load_payload_by_digest() -> None:
    ops, _ = make(Counting())
    first = await answer(ops, NAME, request(), pb.ScoreClassificationResponse, Context())
    payload = await ops.load_payload(NAME, first.cache.key_digest, "default", ipb.ClassificationEvaluation)
    assert payload.summary.num_assets == 2
    with pytest.raises(NotFound):
        await ops.load_payload(NAME, "0" * 64, "default", ipb.ClassificationEvaluation)
    with pytest.raises(TypeError):
        await ops.load_payload(NAME, first.cache.key_digest, "default", pb.ScoreClassificationResponse)


def test_storage_key_layout() -> None:
    digest = key_digest(NAME, 1, "default", b"x")
    assert storage_key("default", NAME, 1, digest) == f"curation:default:{NAME}:v1:{digest}"
    assert key_digest(NAME, 2, "default", b"x") != digest


async def test_after_close_requests_are_unavailable() -> None:
    from curation.errors import Unavailable

    ops, _ = make(Counting())
    ops.close()
    with pytest.raises(Unavailable):
        await ops.dispatch(NAME, request(), Context())


async def test_fast_path_keys_json_and_wire_bodies_apart() -> None:
    c = Counting()
    ops, _ = make(c)
    digest = body_digest(request().SerializeToString())
    await ops.dispatch(NAME, request(), Context(), body_digest=digest, body_format=BodyFormat.PROTO)
    assert await ops.dispatch_body(NAME, Context(), digest, body_format=BodyFormat.JSON) is None
    hit = await ops.dispatch_body(NAME, Context(), digest, body_format=BodyFormat.PROTO)
    assert isinstance(hit, pb.ScoreClassificationResponse) and hit.cache.cached


async def test_decoded_tier_answers_repeats_without_reading_the_cache() -> None:
    c = Counting()
    ops, cache = make(c, local_bytes=1 << 20)
    first = await answer(ops, NAME, request(), pb.ScoreClassificationResponse, Context())
    cache.data.clear()  # a flushed shared cache: the decoded tier still knows the content-addressed answer
    again = await answer(ops, NAME, request(), pb.ScoreClassificationResponse, Context())
    assert again.cache.cached and again.cache.key_digest == first.cache.key_digest
    payload = await ops.load_payload(NAME, first.cache.key_digest, "default", ipb.ClassificationEvaluation)
    assert payload.summary.num_assets == 2
    assert c.calls == 1


async def test_decoded_tier_is_bounded_by_bytes() -> None:
    c = Counting()
    # Room for a few small payloads only (each ~150 serialized bytes, charged ~1.1 kB of memory).
    ops, cache = make(c, local_bytes=12_000)
    for i in range(20):
        await ops.dispatch(NAME, request(class_names=[f"c{i}"]), Context())
    cache.data.clear()
    oldest = await answer(ops, NAME, request(class_names=["c0"]), pb.ScoreClassificationResponse, Context())
    newest = await answer(ops, NAME, request(class_names=["c19"]), pb.ScoreClassificationResponse, Context())
    assert (oldest.cache.cached, newest.cache.cached) == (False, True)


@pytest.mark.parametrize("size", [-1, 10_001])
async def test_bad_page_size_is_rejected_before_computing(size: int) -> None:
    c = Counting()
    ops, cache = make(c)
    with pytest.raises(InvalidArgument) as err:
        await ops.dispatch(NAME, request(page_size=size), Context())
    assert err.value.field == "page_size"
    assert c.calls == 0 and cache.data == {}


async def test_a_request_over_the_memory_budget_is_refused_before_it_is_evaluated() -> None:
    c = Counting()
    spec = OperationSpec(
        name=NAME,
        request_type=pb.ScoreClassificationRequest,
        response_type=pb.ScoreClassificationResponse,
        payload_type=ipb.ClassificationEvaluation,
        evaluate=c.evaluate,
        respond=respond,
        cost=lambda r: Cost(memory_bytes=1000 * len(r.asset_ids)),
    )
    ops = Operations([spec], DictCache(), workers=1, max_request_memory_bytes=1500)
    with pytest.raises(LimitExceeded, match="per-request budget of 1,500") as refused:
        await ops.dispatch(NAME, request(), Context())
    assert refused.value.field == "request" and c.calls == 0
    small = pb.ScoreClassificationRequest(asset_ids=["a"], y_true=[0], y_pred=[0])
    await ops.dispatch(NAME, small, Context())
    assert c.calls == 1


@pytest.mark.parametrize("local_bytes", [0, 1 << 20])
async def test_body_fast_path_leaves_a_cached_result_over_the_bound_alone(local_bytes: int) -> None:
    """``max_payload_bytes``: a result larger than that is a miss (decoded tier and cache alike), so a
    loop that must stay prompt never decodes it; within the bound it is the usual hit."""
    ops, cache = make(Counting(), local_bytes=local_bytes)
    digest = body_digest(b"{}")
    await ops.dispatch(NAME, request(), Context(), body_digest=digest)
    stored = max(len(v) for k, v in cache.data.items() if ":body:" not in k)
    assert await ops.dispatch_body(NAME, Context(), digest, max_payload_bytes=1) is None
    hit = await ops.dispatch_body(NAME, Context(), digest, max_payload_bytes=stored)
    assert isinstance(hit, pb.ScoreClassificationResponse) and hit.cache.cached
