"""ScoreDetection's views: each part alone equals that part of the full answer and nothing else is
filled; the arrays as a view equal include_arrays; bad views name ``views[i]``; the cache key holds
the view set written canonically, and page tokens stay bound to it; the stream honours views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from google.protobuf.message import Message

from curation.core.detection import diagnosis
from curation.core.detection.coco import evaluate_images
from curation.core.detection.coco_by_category import coco_arrays
from curation.core.detection.tide import tide_errors
from curation.errors import InvalidArgument
from curation.ops import Context, Operations
from curation.ops import detection as od
from curation.ops.detection.views import canonical
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as pb
from tests.ops import test_detection
from tests.ops.test_detection import DATA
from tests.support import DictCache, answer

NAME = od.SPEC.name
STREAM = od.STREAM_SPEC.name
V = pb.DetectionView
COCO, PER_CLASS, TIDE = pb.DETECTION_VIEW_COCO, pb.DETECTION_VIEW_PER_CLASS, pb.DETECTION_VIEW_TIDE
CONFUSION, ASSETS = pb.DETECTION_VIEW_CONFUSION, pb.DETECTION_VIEW_ASSETS
SLICES, ARRAYS = pb.DETECTION_VIEW_SLICES, pb.DETECTION_VIEW_ARRAYS
EVERY = [COCO, PER_CLASS, TIDE, CONFUSION, ASSETS, SLICES, ARRAYS]
# The response fields of each view; the others are always filled.
FIELDS: dict[int, tuple[str, ...]] = {
    COCO: ("summary",),
    PER_CLASS: ("per_class", "iou_histogram_edges"),
    TIDE: ("errors",),
    CONFUSION: ("confusion",),
    ASSETS: ("assets", "assets_total", "next_page_token"),
    SLICES: ("slices",),
    ARRAYS: ("arrays",),
}
ALWAYS = ("mode", "params", "mode_changes", "counts", "warnings", "cache")


def _request(*, views: Sequence[int] = (), **kw: Any) -> pb.ScoreDetectionRequest:
    r = test_detection._request(**kw)
    r.views.extend(views)  # type: ignore[arg-type]  # numbers outside the enum too, as a client may send
    return r


def _full_request(**kw: Any) -> pb.ScoreDetectionRequest:
    """Every part non-empty: DIAGNOSTIC mode, asset and GT slices, a small page."""
    r = _request(mode=pb.DETECTION_MODE_DIAGNOSTIC, page_size=4, **kw)
    r.gt_ignore.extend(DATA.gt_ignore.tolist())  # type: ignore[union-attr]
    r.metadata.add(key="weather", values=["night" if i % 2 else "day" for i in range(DATA.num_images)])
    r.slice_by.append("weather")
    r.gt_metadata.add(key="occluded", values=["yes" if i % 3 else "no" for i in range(DATA.num_gt)])
    r.slice_gt_by.append("occluded")
    return r


def _run(r: pb.ScoreDetectionRequest) -> pb.ScoreDetectionResponse:
    return od.respond(od.evaluate(r), r, common_pb2.CacheInfo(key_digest="k"))


def _filled(m: Message, field: str) -> bool:
    value = getattr(m, field)
    return m.HasField(field) if isinstance(value, Message) else bool(value)


@pytest.fixture(scope="module")
def full() -> pb.ScoreDetectionResponse:
    out = _run(_full_request(include_arrays=True))
    for fields in FIELDS.values():
        assert all(_filled(out, f) for f in fields), fields
    assert all(_filled(out, f) for f in ALWAYS if f != "cache")
    return out


@pytest.mark.parametrize("view", EVERY, ids=V.Name)
def test_each_view_alone_is_that_part_of_the_full_answer(view: int, full: pb.ScoreDetectionResponse) -> None:
    out = _run(_full_request(views=[view]))
    assert list(out.views) == [view]
    for v, fields in FIELDS.items():
        for f in fields:
            if v == view:
                assert getattr(out, f) == getattr(full, f), f
            else:
                assert not _filled(out, f), f"{V.Name(view)} filled {f}"
    for f in ALWAYS:
        assert getattr(out, f) == getattr(full, f), f


def test_views_combine_and_repeats_count_once(full: pb.ScoreDetectionResponse) -> None:
    out = _run(_full_request(views=[TIDE, COCO, TIDE, ASSETS]))
    assert list(out.views) == [COCO, TIDE, ASSETS]
    assert (out.summary, out.errors, out.assets) == (full.summary, full.errors, full.assets)
    assert not out.per_class and not out.HasField("confusion") and not out.slices
    default = _run(_full_request())
    assert list(default.views) == [COCO, PER_CLASS, TIDE, CONFUSION, ASSETS, SLICES]
    assert list(full.views) == EVERY


def test_arrays_view_equals_include_arrays() -> None:
    by_flag = _run(_full_request(views=[COCO], include_arrays=True))
    by_view = _run(_full_request(views=[COCO, ARRAYS]))
    assert by_flag == by_view and by_view.arrays.precision
    alone = _run(_full_request(views=[ARRAYS]))
    assert alone.arrays == by_view.arrays and not alone.summary


@pytest.mark.parametrize(
    ("views", "field"), [([COCO, 99], "views[1]"), ([0], "views[0]"), ([-3], "views[0]")]
)
def test_bad_views_are_named(views: list[int], field: str) -> None:
    r = _request(views=views)
    for check in (od.evaluate, canonical, od.SPEC.cost):
        assert check is not None
        with pytest.raises(InvalidArgument) as err:
            check(r)
        assert err.value.field == field


def test_only_the_steps_of_the_views_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """COCO alone runs one matching (by category, keeping no match table) and no TIDE; TIDE alone no
    COCO matching at all."""
    calls: list[str] = []

    def counted_eval(*a: Any, **k: Any) -> Any:
        calls.append("coco")
        return evaluate_images(*a, **k)

    def counted_by_category(*a: Any, **k: Any) -> Any:
        calls.append("coco by category")
        return coco_arrays(*a, **k)

    def counted_tide(*a: Any, **k: Any) -> Any:
        calls.append("tide")
        return tide_errors(*a, **k)

    monkeypatch.setattr(diagnosis, "evaluate_images", counted_eval)
    monkeypatch.setattr(diagnosis, "coco_arrays", counted_by_category)
    monkeypatch.setattr(diagnosis, "tide_errors", counted_tide)
    cases = (([COCO], ["coco by category"]), ([TIDE], ["tide"]), ([COCO, PER_CLASS], ["coco"]))
    for views, expected in cases:
        calls.clear()
        out = _run(_request(views=views))
        assert calls == expected, views
        assert out.counts.num_truncated == _run(_request()).counts.num_truncated > 0


def _ops() -> Operations:
    return Operations(od.SPECS, DictCache(), workers=1)


async def _ask(ops: Operations, r: pb.ScoreDetectionRequest) -> pb.ScoreDetectionResponse:
    return await answer(ops, NAME, r, pb.ScoreDetectionResponse, Context())


async def test_cache_keys_follow_the_view_set() -> None:
    ops = _ops()
    digest = {}
    for label, r in {
        "default": _request(),
        "default named": _request(views=[SLICES, COCO, PER_CLASS, TIDE, CONFUSION, ASSETS]),
        "coco": _request(views=[COCO]),
        "coco repeated": _request(views=[COCO, COCO]),
        "coco tide": _request(views=[COCO, TIDE]),
        "tide coco": _request(views=[TIDE, COCO]),
        "coco arrays": _request(views=[COCO, ARRAYS]),
        "coco include_arrays": _request(views=[COCO], include_arrays=True),
        "every": _request(views=EVERY),
        "default include_arrays": _request(include_arrays=True),
    }.items():
        digest[label] = (await _ask(ops, r)).cache.key_digest
    same = [
        ("default", "default named"),
        ("coco", "coco repeated"),
        ("coco tide", "tide coco"),
        ("coco arrays", "coco include_arrays"),
        ("every", "default include_arrays"),
    ]
    for a, b in same:
        assert digest[a] == digest[b], (a, b)
    assert len({digest[a] for a, _ in same}) == len(same)
    # The request the caller holds is left as it was.
    r = _request(views=[TIDE, COCO, TIDE])
    await _ask(ops, r)
    assert list(r.views) == [TIDE, COCO, TIDE]


async def test_page_tokens_are_bound_to_the_views() -> None:
    ops = _ops()
    first = await _ask(ops, _request(views=[ASSETS], page_size=5))
    assert first.next_page_token and len(first.assets) == 5
    # The same view set written another way continues the pages.
    again = await _ask(ops, _request(views=[ASSETS, ASSETS], page_size=5, page_token=first.next_page_token))
    assert again.assets[0] != first.assets[0] and again.cache.cached
    for other in ([COCO, ASSETS], []):
        with pytest.raises(InvalidArgument, match="different request") as err:
            await _ask(ops, _request(views=other, page_token=first.next_page_token))
        assert err.value.field == "page_token"
    # Without the assets there is nothing to page.
    coco = await _ask(ops, _request(views=[COCO], page_size=5))
    assert (coco.assets_total, coco.next_page_token, len(coco.assets)) == (0, "", 0)


async def test_the_stream_honours_views() -> None:
    ops = _ops()
    whole = _request(views=[COCO, CONFUSION])
    head = pb.ScoreDetectionRequest(views=[COCO])
    head.asset_ids.extend(whole.asset_ids)
    head.category_names.extend(whole.category_names)
    rest = pb.ScoreDetectionRequest()
    rest.CopyFrom(whole)
    del rest.asset_ids[:], rest.category_names[:], rest.views[:]
    rest.views.append(CONFUSION)
    chunks = [pb.ScoreDetectionStreamRequest(chunk=head), pb.ScoreDetectionStreamRequest(chunk=rest)]
    streamed = await ops.dispatch_stream(STREAM, chunks, Context())
    assert isinstance(streamed, pb.ScoreDetectionStreamResponse)
    unary = await _ask(ops, whole)
    assert unary.cache.cached and unary.cache.key_digest == streamed.response.cache.key_digest
    assert list(streamed.response.views) == [COCO, CONFUSION]
    assert not streamed.response.per_class and not streamed.response.HasField("errors")
    streamed.response.cache.cached = True
    assert streamed.response == unary
    assert np.array(unary.confusion.counts).sum() > 0
