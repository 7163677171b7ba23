"""Select with score samples (BALD, variation ratio, the power draw) and with a detector's boxes, through
the ops seam and over both protocols; each bad entry refused naming its field and index; limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from curation.cache.memory import MemoryCache
from curation.core.sampling import Detections, bald, image_scores
from curation.errors import InvalidArgument, LimitExceeded
from curation.ops import Context, Operations
from curation.ops import sampling as ops_mod
from curation.ops.sampling import limits as lim
from curation.ops.sampling.cost import select_cost
from curation.v1 import sampling_pb2 as pb
from tests.ops.both_protocols import both_protocols
from tests.support import answer
from tests.wire_errors import rest_error

CTX = Context(namespace="t")
N, S, K = 40, 5, 3
M = 3 * N


@pytest.fixture
def ops() -> Iterator[Operations]:
    cache = MemoryCache(max_bytes=64 << 20, max_entry_bytes=8 << 20)
    o = Operations(list(ops_mod.SPECS), cache, workers=1)
    yield o
    o.close()


def samples(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(N, S, K)) * 2
    p: np.ndarray = (np.exp(z) / np.exp(z).sum(-1, keepdims=True)).astype(np.float32)
    p /= p.sum(-1, keepdims=True)
    return p


def detections(seed: int = 0) -> pb.DetectionPredictions:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, N - 5, M)  # the last 5 images have no box
    box = np.hstack([rng.uniform(0, 50, (M, 2)), rng.uniform(5, 20, (M, 2))]).astype(np.float32)
    scores = rng.dirichlet(np.ones(K), M).astype(np.float32)
    scores /= scores.sum(1, keepdims=True)
    return pb.DetectionPredictions(
        image_index=image.tolist(),
        boxes=box.ravel().tolist(),
        num_classes=K,
        class_scores=scores.ravel().tolist(),
        sample_index=rng.integers(0, S, M).tolist(),
    )


def request(**kw: Any) -> pb.SelectRequest:
    req = pb.SelectRequest(
        asset_ids=[f"a{i}" for i in range(N)],
        num_classes=K,
        num_samples=S,
        score_samples=samples().ravel().tolist(),
        detections=detections(),
        labeled_ids=["a0"],
        budget=8,
        seed=3,
        strategies=[
            pb.SamplingStrategy(
                kind=pb.STRATEGY_KIND_UNCERTAINTY, measure=pb.UNCERTAINTY_MEASURE_BALD, fraction=0.5
            ),
            pb.SamplingStrategy(
                kind=pb.STRATEGY_KIND_DETECTION, box_aggregation=pb.BOX_AGGREGATION_COMBINED, fraction=0.5
            ),
        ],
    )
    for key, value in kw.items():
        if key == "detections":
            req.detections.CopyFrom(value)
        elif isinstance(value, list):
            del getattr(req, key)[:]
            getattr(req, key).extend(value)
        else:
            setattr(req, key, value)
    return req


def core_detections(d: pb.DetectionPredictions) -> Detections:
    return Detections(
        image=np.asarray(d.image_index),
        boxes=np.asarray(d.boxes, np.float32).astype(np.float64).reshape(-1, 4),
        class_scores=np.asarray(d.class_scores, np.float32).astype(np.float64).reshape(-1, K),
        sample=np.asarray(d.sample_index),
        num_samples=S,
    )


async def test_bald_and_detection_picks_follow_their_scores(ops: Operations) -> None:
    r = await answer(ops, ops_mod.SELECT, request(), pb.SelectResponse, CTX)
    assert [s.strategy for s in r.selected] == ["uncertainty"] * 4 + ["detection"] * 4
    b = bald(samples().astype(np.float64))
    b[0] = -1  # labeled
    first = [s.asset_id for s in r.selected[:4]]
    assert first == [f"a{i}" for i in np.argsort(-b, kind="stable")[:4]]
    assert [s.score for s in r.selected[:4]] == pytest.approx(np.sort(b)[::-1][:4])
    score, _ = image_scores(core_detections(detections()), N, "combined")
    picked = {int(s.asset_id[1:]) for s in r.selected[4:]}
    rest = [i for i in range(1, N) if f"a{i}" not in first]
    best = sorted(rest, key=lambda i: -score[i])[:4]
    assert picked == set(best)
    assert [s.score for s in r.selected[4:]] == pytest.approx(sorted(score[best], reverse=True))


async def test_power_draw_is_reproducible_and_seeded(ops: Operations) -> None:
    strat = pb.SamplingStrategy(
        kind=pb.STRATEGY_KIND_UNCERTAINTY,
        measure=pb.UNCERTAINTY_MEASURE_VARIATION_RATIO,
        batch_sampling=pb.ACQUISITION_SAMPLING_POWER,
        power_beta=2.0,
    )
    req = request()
    del req.strategies[:]
    req.strategies.append(strat)
    a = await answer(ops, ops_mod.SELECT, req, pb.SelectResponse, CTX)
    req.seed = 4
    b = await answer(ops, ops_mod.SELECT, req, pb.SelectResponse, CTX)
    assert len(a.selected) == 8 and [s.asset_id for s in a.selected] != [s.asset_id for s in b.selected]


async def test_samples_alone_stand_in_for_scores(ops: Operations) -> None:
    req = request(strategies=[pb.SamplingStrategy(kind=pb.STRATEGY_KIND_UNCERTAINTY)])
    r = await answer(ops, ops_mod.SELECT, req, pb.SelectResponse, CTX)
    mean = samples().astype(np.float64).mean(axis=1)
    top2 = -np.sort(-mean, axis=1)[:, :2]
    margin = 1 - (top2[:, 0] - top2[:, 1])
    margin[0] = -1
    assert [s.asset_id for s in r.selected] == [f"a{i}" for i in np.argsort(-margin, kind="stable")[:8]]


def _with(field: str, value: Any) -> pb.SelectRequest:
    req = request()
    target: Any = req
    *path, last = field.split(".")
    for name in path:
        target = getattr(target, name)
    attr = getattr(target, last)
    if isinstance(value, list):
        del attr[:]
        attr.extend(value)
    else:
        setattr(target, last, value)
    return req


def _bad(values: list[float], index: int, value: float) -> list[float]:
    out = list(values)
    out[index] = value
    return out


FLAT = samples().ravel().tolist()
DET = detections()


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("num_samples", -1, "num_samples"),
        ("num_samples", 4, "score_samples"),
        ("score_samples", _bad(FLAT, 7, float("nan")), "score_samples[7]"),
        ("score_samples", _bad(FLAT, 4, -0.5), "score_samples[4]"),
        ("score_samples", _bad(FLAT, 6, 0.0), "score_samples[6]"),
        ("detections.image_index", _bad(list(DET.image_index), 5, N), "detections.image_index[5]"),
        ("detections.image_index", _bad(list(DET.image_index), 2, -1), "detections.image_index[2]"),
        ("detections.boxes", list(DET.boxes)[:-1], "detections.boxes"),
        ("detections.boxes", _bad(list(DET.boxes), 9, float("inf")), "detections.boxes[9]"),
        ("detections.boxes", _bad(list(DET.boxes), 7, -1.0), "detections.boxes[7]"),
        ("detections.num_classes", 0, "detections.num_classes"),
        ("detections.class_scores", _bad(list(DET.class_scores), 4, 0.9), "detections.class_scores[3]"),
        ("detections.sample_index", _bad(list(DET.sample_index), 11, S), "detections.sample_index[11]"),
        ("detections.sample_index", list(DET.sample_index)[:3], "detections.sample_index"),
    ],
)
async def test_bad_predictions_are_named(ops: Operations, field: str, value: Any, named: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        await ops.dispatch(ops_mod.SELECT, _with(field, value), CTX)
    assert err.value.field == named


async def test_bad_strategy_options_are_named(ops: Operations) -> None:
    for change, named in (
        ({"power_beta": -1.0}, "strategies[0].power_beta"),
        ({"power_beta": float("nan")}, "strategies[0].power_beta"),
        ({"box_aggregation": 99}, "strategies[0].box_aggregation"),
        ({"batch_sampling": 99}, "strategies[0].batch_sampling"),
    ):
        req = request()
        for key, value in change.items():
            setattr(req.strategies[0], key, value)
        with pytest.raises(InvalidArgument) as err:
            await ops.dispatch(ops_mod.SELECT, req, CTX)
        assert err.value.field == named


async def test_a_strategy_without_its_input_is_refused(ops: Operations) -> None:
    req = request()
    req.ClearField("detections")
    with pytest.raises(InvalidArgument, match="detections"):
        await ops.dispatch(ops_mod.SELECT, req, CTX)


async def test_one_score_per_box_is_read_as_binary(ops: Operations) -> None:
    d = detections()
    top = np.asarray(d.class_scores, np.float32).reshape(-1, K).max(axis=1)
    d2 = pb.DetectionPredictions(
        image_index=d.image_index, boxes=d.boxes, num_classes=1, class_scores=top.tolist()
    )
    req = request(detections=d2)
    del req.strategies[0]
    req.strategies[0].fraction = 1.0
    req.strategies[0].box_aggregation = pb.BOX_AGGREGATION_MAX_ENTROPY
    r = await answer(ops, ops_mod.SELECT, req, pb.SelectResponse, CTX)
    assert len(r.selected) == 8
    bad = request(
        detections=pb.DetectionPredictions(
            image_index=[0], boxes=[0, 0, 1, 1], num_classes=1, class_scores=[1.5]
        )
    )
    with pytest.raises(InvalidArgument) as err:
        await ops.dispatch(ops_mod.SELECT, bad, CTX)
    assert err.value.field == "detections.class_scores[0]"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"num_samples": lim.MAX_SAMPLES + 1}, "num_samples"),
        ({"score_samples": [0.0] * (lim.MAX_SAMPLE_CELLS + 1)}, "score_samples"),
        ({"detections.image_index": [0] * (lim.MAX_BOXES + 1)}, "detections.image_index"),
        ({"detections.num_classes": lim.MAX_CLASSES + 1}, "detections.num_classes"),
    ],
)
def test_limits_are_checked_before_anything_is_built(change: dict[str, Any], named: str) -> None:
    ((field, value),) = change.items()
    with pytest.raises(LimitExceeded) as err:
        select_cost(_with(field, value))
    assert err.value.field == named


def test_box_pairs_are_limited() -> None:
    # 20,000 pass-0 boxes and 20,000 pass-1 boxes on one image: 4 x 10^8 pairs.
    m = 20_000
    d = pb.DetectionPredictions(image_index=[0] * (2 * m), sample_index=[0] * m + [1] * m, num_classes=1)
    with pytest.raises(LimitExceeded) as err:
        select_cost(request(detections=d))
    assert err.value.field == "detections.sample_index"
    d.image_index[m:] = [1] * m  # on different images: no pairs
    select_cost(request(detections=d))


async def test_same_answer_over_rest_and_grpc() -> None:
    """Score samples and detections answered the same on both protocols, a bad box index the same way."""
    import grpc

    async with both_protocols(ops_mod.SPECS) as both:
        req = request()
        bad_req = _with("detections.image_index", _bad(list(DET.image_index), 5, N))
        rest, over_grpc = await both.select_both(req)
        assert over_grpc.cache.cached and over_grpc.cache.key_digest == rest["cache"]["key_digest"]
        bad = await both.select_rest(bad_req)
        assert bad.status_code == 400 and rest_error(bad).field == "detections.image_index[5]"
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await both.select_grpc(bad_req)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
