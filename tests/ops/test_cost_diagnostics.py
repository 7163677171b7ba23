"""The diagnostics operations' cost estimates hold their real peak memory: for realistic requests the
peak measured with tracemalloc (numpy reports its buffers to it) while the cached evaluation is built,
a page is cut and both are serialized is at most the estimate, and the estimate is at most 8x the peak
(an estimate that loose would refuse requests the service can answer)."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import pytest
from google.protobuf.message import Message

from curation.errors import LimitExceeded
from curation.ops import OperationSpec, classification, detection
from curation.ops.detection import coco_json
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as dpb
from tests.ops.cost_cases import classification_request, coco_json_request, detection_request

LOOSEST = 8.0

CLASSIFICATION = classification.SPECS[0]
DETECTION = detection.SPEC

CASES: dict[str, tuple[OperationSpec[Any, Any, Any], Message]] = {
    "classification probabilities 50k x 10": (CLASSIFICATION, classification_request(50_000, 10)),
    "classification probabilities 5k x 200": (CLASSIFICATION, classification_request(5_000, 200)),
    "classification labels 1k x 1500": (CLASSIFICATION, classification_request(1_000, 1_500, scores=False)),
    "classification labels 20k x 50, two slice keys": (
        CLASSIFICATION,
        classification_request(20_000, 50, scores=False, slices=2),
    ),
    "classification probabilities 5k x 100, a slice key": (
        CLASSIFICATION,
        classification_request(5_000, 100, slices=1),
    ),
    "classification multi-label 10k x 50": (CLASSIFICATION, classification_request(10_000, 50, multi=True)),
    "classification multi-label labels 10k x 50, a slice key": (
        CLASSIFICATION,
        classification_request(10_000, 50, multi=True, scores=False, slices=1),
    ),
    "classification multi-label labels 1k x 1000": (
        CLASSIFICATION,
        classification_request(1_000, 1_000, multi=True, scores=False),
    ),
    "classification labels 100k x 5": (CLASSIFICATION, classification_request(100_000, 5, scores=False)),
    "detection 500 images x 80 categories x 10 boxes": (DETECTION, detection_request(500, 80, 10)),
    "detection 50 images x 1203 categories x 20 boxes": (DETECTION, detection_request(50, 1203, 20)),
    "detection one image 1500 x 1500 boxes, maxDets 1500": (
        DETECTION,
        detection_request(1, 1, 1_500, params=dpb.DetectionParams(max_detections=[1_500])),
    ),
    "detection slices and arrays": (
        DETECTION,
        detection_request(200, 10, 10, slices=True, include_arrays=True),
    ),
    "detection 1001 recall thresholds": (
        DETECTION,
        detection_request(
            100, 20, 10, params=dpb.DetectionParams(recall_thresholds=[i / 1000 for i in range(1001)])
        ),
    ),
    # One view at a time: each part's steps alone (and the arrays named as a view, not include_arrays).
    "detection COCO view 500 images x 80 categories x 10 boxes": (
        DETECTION,
        detection_request(500, 80, 10, views=[dpb.DETECTION_VIEW_COCO]),
    ),
    "detection TIDE view one image 1500 x 1500 boxes, maxDets 1500": (
        DETECTION,
        detection_request(
            1, 1, 1_500, params=dpb.DetectionParams(max_detections=[1_500]), views=[dpb.DETECTION_VIEW_TIDE]
        ),
    ),
    "detection CONFUSION view 50 images x 1203 categories x 20 boxes": (
        DETECTION,
        detection_request(50, 1203, 20, views=[dpb.DETECTION_VIEW_CONFUSION]),
    ),
    "detection ASSETS and SLICES views": (
        DETECTION,
        detection_request(
            200, 10, 10, slices=True, views=[dpb.DETECTION_VIEW_ASSETS, dpb.DETECTION_VIEW_SLICES]
        ),
    ),
    "detection ARRAYS view 1001 recall thresholds": (
        DETECTION,
        detection_request(
            100,
            20,
            10,
            params=dpb.DetectionParams(recall_thresholds=[i / 1000 for i in range(1001)]),
            views=[dpb.DETECTION_VIEW_ARRAYS],
        ),
    ),
    "detection COCO JSON 500 images x 20 categories x 10 boxes": (DETECTION, coco_json_request(500, 20, 10)),
    "detection COCO JSON 100 images x 80 categories x 50 boxes": (DETECTION, coco_json_request(100, 80, 50)),
    "detection COCO JSON segm 200 images x 10 categories x 20 masks": (
        DETECTION,
        coco_json_request(200, 10, 20, segm=True),
    ),
}


def _peak(spec: OperationSpec[Any, Any, Any], request: Message) -> int:
    assert spec.evaluate is not None and spec.respond is not None
    gc.collect()
    tracemalloc.start()
    try:
        payload = spec.evaluate(request)
        spec.respond(payload, request, common_pb2.CacheInfo()).SerializeToString()
        payload.SerializeToString()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    detection.warm_up()  # compiling the kernels allocates; no request pays for it


@pytest.mark.parametrize("name", list(CASES))
def test_estimate_bounds_the_measured_peak(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec, request = CASES[name]
    assert spec.cost is not None
    estimate = spec.cost(request).memory_bytes
    peak = _peak(spec, request)
    assert peak <= estimate, f"{name}: measured {peak:,} bytes over the estimate {estimate:,}"
    if "COCO JSON" in name:
        # The estimate is made before parsing, so it must cover the generic reading too (files the typed
        # decoder declines go through json.loads): measure that path as well.
        monkeypatch.setattr(coco_json, "decode_typed", lambda *_a, **_k: None)
        generic = _peak(spec, request)
        assert generic <= estimate, (
            f"{name}: generic reading {generic:,} bytes over the estimate {estimate:,}"
        )
        peak = max(peak, generic)
    assert estimate <= LOOSEST * peak, f"{name}: estimate {estimate:,} is over {LOOSEST}x the peak {peak:,}"


@pytest.mark.parametrize("spec", [CLASSIFICATION, DETECTION], ids=lambda s: s.name.rsplit("/", 1)[1])
def test_estimate_counts_work(spec: OperationSpec[Any, Any, Any]) -> None:
    request = next(r for s, r in CASES.values() if s is spec)
    assert spec.cost is not None
    assert spec.cost(request).work > 0


def test_coco_json_that_hides_its_size_from_the_estimate_is_refused() -> None:
    """Keys written with escapes are not counted from the text; the parsed files are held to the
    estimate the budget accepted, so the work never outgrows it."""
    hidden = ", ".join(f'{{"\\u0069d": {c}, "name": "c{c}"}}' for c in range(2_000))
    gt = f'{{"images": [{{"id": 1}}], "categories": [{hidden}], "annotations": []}}'
    request = dpb.ScoreDetectionRequest(
        coco_gt_json=gt,
        coco_results_json="[]",
        params=dpb.DetectionParams(iou_thresholds=[0.5], recall_thresholds=[0.5], max_detections=[1]),
    )
    request.params.area_ranges.add(min=0, max=1e10)
    with pytest.raises(LimitExceeded) as refused:
        DETECTION.evaluate(request)  # type: ignore[misc]  # set for a cached operation
    assert refused.value.field == "coco_gt_json"
    honest = request.__deepcopy__()
    honest.coco_gt_json = gt.replace("\\u0069d", "id")
    assert DETECTION.evaluate(honest).report  # type: ignore[misc]


def test_estimate_follows_the_views() -> None:
    """A COCO-only request is estimated below the full diagnosis, and the arrays named as a view cost
    what include_arrays costs."""
    assert DETECTION.cost is not None
    full = DETECTION.cost(detection_request(50, 1203, 20)).memory_bytes
    coco = DETECTION.cost(detection_request(50, 1203, 20, views=[dpb.DETECTION_VIEW_COCO])).memory_bytes
    tide = DETECTION.cost(detection_request(50, 1203, 20, views=[dpb.DETECTION_VIEW_TIDE])).memory_bytes
    assert tide < coco < full
    by_flag = detection_request(50, 10, 20, include_arrays=True)
    every = [
        dpb.DETECTION_VIEW_COCO,
        dpb.DETECTION_VIEW_PER_CLASS,
        dpb.DETECTION_VIEW_TIDE,
        dpb.DETECTION_VIEW_CONFUSION,
        dpb.DETECTION_VIEW_ASSETS,
        dpb.DETECTION_VIEW_SLICES,
        dpb.DETECTION_VIEW_ARRAYS,
    ]
    by_view = detection_request(50, 10, 20, views=every)
    assert DETECTION.cost(by_flag) == DETECTION.cost(by_view)
