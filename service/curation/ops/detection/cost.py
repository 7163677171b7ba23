"""What a ScoreDetection request will cost, from its stated sizes, before anything is built.

The maxima are checked first (:mod:`.limits`). Then, with n_gt GT objects, n_dt predictions, n_img
assets, K categories, T IoU thresholds, R recall thresholds, A area ranges, M maxDets cuts (largest
``Md``), memory is the sum of (bytes), each part counted only when one of the request's ``views``
runs the step it belongs to (:func:`curation.core.detection.plan`):

* objects: ~384 per object always (input columns, one matching's columns and sorts); with the main
  COCO matching, per prediction ``A*T`` match codes and ``16*T`` matched rows and IoUs, per GT ``A``;
  with the operating point or TIDE, ~640 more per object (their columns, the outcomes and the cached
  per-asset messages) and 256 per asset;
* IoU blocks: ``pairs``, the sum over assets of GT x min(predictions, Md) (read off the stated
  asset-index columns in one pass; ``n_gt * min(n_dt, Md)`` for COCO JSON), bounds the (GT x kept
  prediction) pairs of every (image, category) group, of TIDE's per-image groups and of the
  class-agnostic matching; float64, up to three matchings' blocks at once (24 per pair; 16 when
  neither TIDE nor the confusion matrix is asked for);
* the main matching's COCO arrays: precision and scores ``[T, R, K, A, M]`` float64, each built and
  transposed (``4 * 8 * cells``, and ~4 more per cell for the summary's masks), the accumulation
  scratch ``16 * A*M*T*R`` (a precision and a score per recall threshold of each curve, true positives
  folded in as they come), plus ``A*T`` per GT; with the ARRAYS view the two arrays again as Python
  floats and message fields (``80 * cells``);
* the operating point: PR curves and histograms ``K * (R + bins)``; the confusion matrix
  ``(K + 1)^2``;
* slices (SLICES view): one slice's accumulation (``4 * 8 * cells / (A * M)``) or GT matching at a
  time;
* strings: asset IDs and sliced metadata held as fixed-width arrays (``n * longest * 4``);
* COCO JSON: the parsed objects, ``24 x`` the text (the worst case, ``[{}, {}, ...]``; real files
  parse at ~3 x); masks: ``80 x`` the RLE text decoded;
* keypoints (KEYPOINTS): 24 per columnar keypoint value (the request's, the triples, the geometry),
  and the OKS terms of one span of groups and their exponentials (16 per term, at most
  ``TERMS_BUDGET`` terms); OKS multiplies every matching's pair work by the keypoint count ``k``
  (the most sigmas of a category, 17 by default).

COCO JSON states no counts: they are read off its text without parsing (:func:`stated_sizes`), and
once parsed the files must not cost more than that estimate (:func:`check_parsed`).

Work (elementary steps): IoU pairs x T (main matching) or x 1 per other matching, predictions x A x
T and the cells (main matching), the pairs again per distinct slice value of a GT key and the cells
per value of an asset key (SLICES).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from curation.core.detection import TERMS_BUDGET, plan
from curation.errors import LimitExceeded
from curation.ops.detection import limits
from curation.ops.detection.coco_files import CocoFiles, coco_files, has_coco
from curation.ops.detection.views import requested_views
from curation.ops.operation_spec import Cost
from curation.v1 import detection_pb2 as pb

__all__ = ["Sizes", "check_parsed", "cost", "stated_sizes"]

_PER_OBJECT = 384  # bytes per GT or prediction: input columns, one matching's columns and sorts
_PER_OBJECT_DIAGNOSIS = 640  # more with the operating point or TIDE: their columns, outcomes, messages
_PER_ASSET = 256  # per-asset outcome rows and their messages
_JSON_FACTOR = 24  # parsed COCO JSON objects per byte of text
_RLE_FACTOR = 80  # decoded run lengths and their scratch per byte of RLE text
_BASE = 4 * 1024 * 1024  # fixed per request: messages, small arrays, the report


@dataclass(frozen=True, slots=True)
class Sizes:
    """The counts the estimate is made of: GT objects, predictions, assets, categories."""

    n_gt: int
    n_dt: int
    n_img: int
    K: int
    # Objects per asset and per category (GT, predictions), when known: they bound the IoU pairs and
    # the accumulation scratch far tighter than the totals.
    per_asset: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None
    per_category: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None


def stated_sizes(request: pb.ScoreDetectionRequest, files: CocoFiles | None = None) -> Sizes:
    """The counts the request states: its columnar lengths, or for COCO JSON the keys its text holds
    (an annotation or result per ``"image_id"``, a category per ``"id"`` in the categories section, an
    asset per ``"id"`` anywhere), counted without parsing or copying; :func:`check_parsed` holds the
    parsed files to them. ``files``: the COCO files already read (gzip inflated) from the request."""
    if files is None and not has_coco(request):
        n_cat, n_img = max(1, len(request.category_names)), len(request.asset_ids)
        per_asset = (_per_index(request.gt_asset, n_img), _per_index(request.pred_asset, n_img))
        per_category = (_per_index(request.gt_category, n_cat), _per_index(request.pred_category, n_cat))
        return Sizes(len(request.gt_asset), len(request.pred_asset), n_img, n_cat, per_asset, per_category)
    files = files or coco_files(request)
    gt, res = files.gt, files.results
    start = _find(gt, '"categories"')
    K = 1
    if start >= 0:
        ends = [_find(gt, key, start + 1) for key in ('"images"', '"annotations"', '"info"', '"licenses"')]
        end = min([e for e in ends if e > start] or [len(gt)])
        K = max(1, _count(gt, '"id"', start, end))
    return Sizes(_count(gt, '"image_id"'), _count(res, '"image_id"'), _count(gt, '"id"'), K)


def _find(text: str | bytes, key: str, start: int = 0) -> int:
    """``text.find(key, start)`` for text given as a string or as bytes."""
    return text.find(key, start) if isinstance(text, str) else text.find(key.encode(), start)


def _count(text: str | bytes, key: str, start: int = 0, end: int | None = None) -> int:
    """``text.count(key, start, end)`` for text given as a string or as bytes."""
    return text.count(key, start, end) if isinstance(text, str) else text.count(key.encode(), start, end)


def _per_index(column: Any, n: int) -> npt.NDArray[np.int64]:
    """Objects per asset (or category) from a stated index column (indices out of range are refused
    later, by the validation)."""
    index = np.asarray(column, dtype=np.int64)
    counts = np.bincount(index[(index >= 0) & (index < n)], minlength=n)
    return counts.astype(np.int64, copy=False)


def cost(request: pb.ScoreDetectionRequest) -> Cost:
    """The request's peak memory and work (see the module docstring); maxima checked first."""
    longest = limits.check_request(request)
    files = coco_files(request) if has_coco(request) else None
    return _estimate(request, stated_sizes(request, files), longest, files.chars if files else 0)


def check_parsed(request: pb.ScoreDetectionRequest, parsed: Sizes, files: CocoFiles) -> None:
    """Refuse COCO JSON whose parsed files cost more than the estimate the budget accepted from their
    text (keys written with escapes hide from the count): the work never outgrows its estimate."""
    longest = limits.check_request(request)
    accepted = _estimate(request, stated_sizes(request, files), longest, files.chars)
    actual = _estimate(request, parsed, longest, files.chars)
    if actual.memory_bytes > accepted.memory_bytes:
        raise LimitExceeded(
            f"the parsed COCO files would take about {actual.memory_bytes:,} bytes, more than the "
            f"{accepted.memory_bytes:,} estimated from their text",
            field="coco_gt_json",
        )


def _estimate(request: pb.ScoreDetectionRequest, sizes: Sizes, longest: int, json_chars: int) -> Cost:
    """Memory and work of ``request`` with ``sizes`` objects and ``json_chars`` of COCO text (the module
    docstring's formula)."""
    n_gt, n_dt, n_img, K = sizes.n_gt, sizes.n_dt, sizes.n_img, sizes.K
    todo = plan(requested_views(request), asset_slices=bool(request.slice_by))
    T, R, A, cuts = limits.effective_params(request.params)
    M, Md = len(cuts), max(cuts)
    cells = min(T * R * K * A * M, limits.MAX_PRECISION_CELLS)
    if sizes.per_asset is None:
        pairs = n_gt * min(n_dt, Md)
    else:
        gt_per, dt_per = sizes.per_asset
        pairs = int((gt_per * np.minimum(dt_per, Md)).sum())
    objects = (n_dt + n_gt) * _PER_OBJECT
    if todo.operating_point or todo.tide:
        objects += (n_dt + n_gt) * _PER_OBJECT_DIAGNOSIS + n_img * _PER_ASSET
    main = _main_matching(request, sizes, pairs, cells) if todo.main else Cost(0)
    per_category = 0
    if todo.operating_point:
        per_category += 32 * K * (R + (request.iou_histogram_bins or 20))
    if "confusion" in todo.views:
        per_category += 32 * (K + 1) ** 2
    strings = 4 * longest * (n_img + n_gt + n_dt) if request.slice_by or request.slice_gt_by else 0
    strings += 4 * longest * n_img
    slices = _slices(request, sizes, pairs) if "slices" in todo.views else Cost(0)
    masks = _RLE_FACTOR * sum(len(m.counts) for f in ("gt_masks", "pred_masks") for m in getattr(request, f))
    parsed = _JSON_FACTOR * json_chars
    ious = (24 if todo.tide or "confusion" in todo.views else 16) * pairs
    memory = _BASE + objects + ious + main.memory_bytes + per_category + strings + parsed
    memory += slices.memory_bytes + masks
    others = int(todo.operating_point) + int(todo.tide) + int("confusion" in todo.views)
    work = pairs * (2 + others) + main.work + slices.work + json_chars + masks
    kp = _keypoints(request, pairs * (2 + others))
    return Cost(memory + kp.memory_bytes, work + kp.work)


def _keypoints(request: pb.ScoreDetectionRequest, pair_work: int) -> Cost:
    """OKS input and terms (KEYPOINTS), and the keypoint count's multiple of the pair work."""
    if request.iou_type != pb.DETECTION_IOU_TYPE_KEYPOINTS:
        return Cost(0)
    k = max((len(s.sigmas) for s in request.params.keypoint_sigmas), default=0) or 17
    values = len(request.gt_keypoints) + len(request.pred_keypoints)
    return Cost(24 * values + 16 * TERMS_BUDGET, pair_work * (k - 1))


def _main_matching(request: pb.ScoreDetectionRequest, sizes: Sizes, pairs: int, cells: int) -> Cost:
    """The main COCO matching (every threshold, area range and maxDets) and its arrays."""
    n_gt, n_dt = sizes.n_gt, sizes.n_dt
    T, R, A, cuts = limits.effective_params(request.params)
    M = len(cuts)
    # The accumulation's scratch: a precision and a score per recall threshold of each curve, and three
    # counters per curve (the kernel folds true positives in as they come).
    scratch = 16 * A * M * T * R + 24 * A * M * T
    memory = n_dt * (A * T + 16 * T) + n_gt * (A + A * T) + 36 * cells + scratch
    if request.include_arrays or pb.DETECTION_VIEW_ARRAYS in request.views:
        memory += 80 * cells
    return Cost(memory, pairs * T + n_dt * A * T + cells)


def _slices(request: pb.ScoreDetectionRequest, sizes: Sizes, pairs: int) -> Cost:
    """The slices: one at a time (memory), every value of every key (work)."""
    n_gt, n_dt, K = sizes.n_gt, sizes.n_dt, sizes.K
    T, R, A, _ = limits.effective_params(request.params)
    slice_values = min(limits.MAX_SLICE_VALUES, max(sizes.n_img, n_gt))
    memory = work = 0
    if request.slice_by:
        memory = max(memory, 32 * T * R * K + 8 * n_dt * (A * T + 64))
        work += len(request.slice_by) * slice_values * (T * R * K + n_dt)
    if request.slice_gt_by:
        memory = max(memory, 16 * pairs + n_dt * (17 * T + 64) + 32 * T * R * K)
        work += len(request.slice_gt_by) * slice_values * (pairs * T + n_gt + n_dt)
    return Cost(memory, work)
