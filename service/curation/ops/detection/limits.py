"""The documented maxima of ScoreDetection (and its stream), checked before anything is built.

Every request parameter that scales memory or time has a maximum here, with why that value; a request
over one is refused with ``LimitExceeded`` naming the field (first bad index of a list) and the maximum.
Within the maxima, :mod:`.cost` estimates the peak memory and work from the stated sizes, and the seam
refuses an estimate over the per-request budget. docs/limits.md (## Diagnostics) lists the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from curation.core.detection import TypedCoco
from curation.errors import LimitExceeded
from curation.ops._limits import at_most, each_at_most, longest_at_most
from curation.v1 import detection_pb2 as pb

__all__ = [
    "MAX_AREA_RANGES",
    "MAX_ASSETS",
    "MAX_COCO_FILE_BYTES",
    "MAX_CATEGORIES",
    "MAX_DETECTIONS",
    "MAX_DETECTION_CUTS",
    "MAX_HISTOGRAM_BINS",
    "MAX_IOU_THRESHOLDS",
    "MAX_LVIS_PAIRS",
    "MAX_KEYPOINTS",
    "MAX_KEYPOINT_VALUES",
    "MAX_MASK_SIDE",
    "MAX_METADATA_COLUMNS",
    "MAX_OBJECTS",
    "MAX_POLYGON_POINTS",
    "MAX_POLYGON_POINTS_EACH",
    "MAX_PRECISION_CELLS",
    "MAX_RECALL_THRESHOLDS",
    "MAX_SLICES_PER_KEY",
    "MAX_SLICE_KEYS",
    "MAX_SLICE_VALUES",
    "MAX_STREAM_CHUNKS",
    "check_coco_sizes",
    "check_request",
    "check_typed_sizes",
    "effective_params",
]

# Assets (images): one row per asset in several per-asset arrays and in the paged asset list; a
# million is ten COCO train sets, far above any single evaluation we serve in one request.
MAX_ASSETS = 1_000_000
# Categories: K enters the [T, R, K, A, M] arrays, the K x R curves and the (K + 1)^2 confusion matrix
# (array, counts and message: ~32 bytes a cell, 128 MB at 2,000); LVIS has 1,203 categories, Open
# Images 600 boxable ones, Objects365 365.
MAX_CATEGORIES = 2_000
# GT objects and predictions (each): every per-object array is linear in them; 10 million objects is
# about 400 MB of request on the wire, more than the request size limit lets through.
MAX_OBJECTS = 10_000_000
# LVIS (asset, category) label pairs of each kind (negative, not exhaustive): one int64 key each and a
# sort; LVIS v1 val holds about 0.4 million negative pairs.
MAX_LVIS_PAIRS = MAX_OBJECTS
# One maxDets value: buckets, scratch and IoU blocks are sized by it (2^31 - 1 allocated 17 GB). COCO
# uses 100, LVIS 300; 10,000 detections per image and category is more than any detector keeps.
MAX_DETECTIONS = 10_000
# How many maxDets cuts (M): M multiplies the precision arrays and the accumulation scratch; COCO uses 3.
MAX_DETECTION_CUTS = 10
# IoU thresholds (T): multiply matching work and every per-detection code array; 101 is a 0.01 step
# over [0, 1] (COCO uses 10).
MAX_IOU_THRESHOLDS = 101
# Recall thresholds (R): multiply the precision and scores arrays and the sampling work (10^6 took
# 37 s); 1,001 is a 0.001 step over [0, 1] (COCO uses 101).
MAX_RECALL_THRESHOLDS = 1_001
# Area ranges (A): multiply the match codes, accumulation and arrays; COCO uses 4.
MAX_AREA_RANGES = 16
# T x R x K x A x M: the cells of each of the precision and scores arrays (four float64 copies live at
# once while they are built); 20 million = 160 MB each, enough for LVIS (1,203 categories) at COCO's
# default parameters (14.6 million).
MAX_PRECISION_CELLS = 20_000_000
# Matched-IoU histogram bins: K x bins counts; 1,000 bins is a 0.001 step.
MAX_HISTOGRAM_BINS = 1_000
# Keys in slice_by and in slice_gt_by (each): every key re-runs an accumulation (asset keys) or a whole
# matching (GT keys) per value.
MAX_SLICE_KEYS = 16
# Metadata columns (metadata and gt_metadata, each): each is a column of strings copied once.
MAX_METADATA_COLUMNS = 64
# Distinct values of one sliced key: each value costs a COCO accumulation (asset slices) or a full
# matching (GT slices); 1,000 values already multiply the work of the request a thousandfold.
MAX_SLICE_VALUES = 1_000
# Slices reported per key: each is a message in the response.
MAX_SLICES_PER_KEY = 1_000
# Mask height and width: pycocotools keeps run lengths as uint32, so h x w must stay below 2^32;
# polygon rasterisation work grows with the image side.
MAX_MASK_SIDE = 65_535
# Boundary points of one COCO file's polygons (GT, or results, box results in segm included), as
# rasterised (rleFrPoly upsamples each edge 5x): the work and the scratch grow with the coordinates,
# not the text (one 8-number polygon can span any size). Each point costs a few ns, 16 bytes of scratch
# while its polygon is rasterised, and at most 8 bytes of run counts kept. A COCO val2017-sized GT takes
# about 7 x 10^7 in all (scaled from 100 val2014 images), their largest polygon 1.5 x 10^4.
MAX_POLYGON_POINTS = 300_000_000
MAX_POLYGON_POINTS_EACH = 10_000_000
# Chunks of one ScoreDetectionStream: each chunk is a message held until the stream ends (a million
# empty chunks, 5 MB on the wire, held 900 MB); 100,000 chunks of the 4 MB message limit is far more
# than the request size limit lets through.
MAX_STREAM_CHUNKS = 100_000
# One COCO file once gzip is inflated: the default request size limit (CURATION_MAX_REQUEST_BYTES), so a
# compressed file can grow no larger than the same file sent uncompressed could be; inflation stops
# there (a zip bomb costs this much at most).
MAX_COCO_FILE_BYTES = 512 * 1024 * 1024

# Keypoints of one category (its sigmas): every OKS pair computes one term per keypoint; COCO has 17,
# COCO-WholeBody 133, the densest face landmark sets 98.
MAX_KEYPOINTS = 256
# Values of gt_keypoints and of pred_keypoints (each; 3 per keypoint): 60 million doubles is 480 MB,
# about the largest request the default request size limit lets through.
MAX_KEYPOINT_VALUES = 60_000_000

# pycocotools' defaults (CocoParams), for a list the request leaves empty.
_DEFAULT_T, _DEFAULT_R, _DEFAULT_A, _DEFAULT_CUTS = 10, 101, 4, (1, 10, 100)


def effective_params(rp: pb.DetectionParams) -> tuple[int, int, int, tuple[int, ...]]:
    """(T, R, A, maxDets) the request evaluates with: its lists, pycocotools' defaults where empty."""
    cuts = tuple(rp.max_detections) or _DEFAULT_CUTS
    return (
        len(rp.iou_thresholds) or _DEFAULT_T,
        len(rp.recall_thresholds) or _DEFAULT_R,
        len(rp.area_ranges) or _DEFAULT_A,
        cuts,
    )


def check_request(request: pb.ScoreDetectionRequest) -> int:
    """Refuse a request with a parameter over its maximum (from the stated sizes only); returns the
    length of the longest string it states (asset IDs, category names, metadata values)."""
    at_most(len(request.asset_ids), MAX_ASSETS, "asset_ids", what="assets")
    at_most(len(request.category_names), MAX_CATEGORIES, "category_names", what="categories")
    at_most(len(request.gt_asset), MAX_OBJECTS, "gt_asset", what="GT objects")
    at_most(len(request.pred_asset), MAX_OBJECTS, "pred_asset", what="predictions")
    for field in ("lvis_neg_asset", "lvis_not_exhaustive_asset"):
        at_most(len(getattr(request, field)), MAX_LVIS_PAIRS, field, what="label pairs")
    rp = request.params
    at_most(len(rp.max_detections), MAX_DETECTION_CUTS, "params.max_detections", what="entries")
    each_at_most(rp.max_detections, MAX_DETECTIONS, "params.max_detections")
    at_most(len(rp.iou_thresholds), MAX_IOU_THRESHOLDS, "params.iou_thresholds", what="thresholds")
    at_most(len(rp.recall_thresholds), MAX_RECALL_THRESHOLDS, "params.recall_thresholds", what="thresholds")
    at_most(len(rp.area_ranges), MAX_AREA_RANGES, "params.area_ranges", what="ranges")
    T, R, A, cuts = effective_params(rp)
    # Without categories stated (COCO JSON input) K is bounded by the maximum, counted after parsing.
    K = max(1, len(request.category_names))
    cells = T * R * K * A * len(cuts)
    at_most(cells, MAX_PRECISION_CELLS, "params", what="precision cells (T x R x K x A x M)")
    at_most(request.iou_histogram_bins, MAX_HISTOGRAM_BINS, "iou_histogram_bins", what="bins")
    _check_keypoints(request)
    at_most(len(request.metadata), MAX_METADATA_COLUMNS, "metadata", what="columns")
    at_most(len(request.gt_metadata), MAX_METADATA_COLUMNS, "gt_metadata", what="columns")
    at_most(len(request.slice_by), MAX_SLICE_KEYS, "slice_by", what="keys")
    at_most(len(request.slice_gt_by), MAX_SLICE_KEYS, "slice_gt_by", what="keys")
    at_most(request.max_slices_per_key, MAX_SLICES_PER_KEY, "max_slices_per_key", what="slices")
    for field in ("gt_masks", "pred_masks"):
        masks = getattr(request, field)
        each_at_most((m.height for m in masks), MAX_MASK_SIDE, f"{field}.height")
        each_at_most((m.width for m in masks), MAX_MASK_SIDE, f"{field}.width")
    _check_slice_values(request.metadata, request.slice_by, "metadata")
    _check_slice_values(request.gt_metadata, request.slice_gt_by, "gt_metadata")
    longest = max(
        longest_at_most(request.asset_ids, "asset_ids"),
        longest_at_most(request.category_names, "category_names"),
    )
    for field in ("metadata", "gt_metadata"):
        for i, col in enumerate(getattr(request, field)):
            longest = max(longest, longest_at_most(col.values, f"{field}[{i}].values"))
    return longest


def _check_keypoints(request: pb.ScoreDetectionRequest) -> None:
    """The keypoint fields' sizes: sigma lists (one per category, each at most :data:`MAX_KEYPOINTS`)
    and keypoint values."""
    sigmas = request.params.keypoint_sigmas
    at_most(len(sigmas), MAX_CATEGORIES, "params.keypoint_sigmas", what="categories")
    for i, s in enumerate(sigmas):
        at_most(len(s.sigmas), MAX_KEYPOINTS, f"params.keypoint_sigmas[{i}].sigmas", what="keypoints")
    for field in ("gt_keypoints", "pred_keypoints"):
        at_most(len(getattr(request, field)), MAX_KEYPOINT_VALUES, field, what="values")


def _check_slice_values(columns: Any, keys: Any, field: str) -> None:
    """Refuse a sliced column (``field[i].values``) with more distinct values than
    :data:`MAX_SLICE_VALUES`: each value is an accumulation or a whole matching."""
    sliced = set(keys)
    for i, col in enumerate(columns):
        if col.key in sliced:
            at_most(len(set(col.values)), MAX_SLICE_VALUES, f"{field}[{i}].values", what="distinct values")


def check_coco_sizes(
    gt: Any, res: Any, params: pb.DetectionParams, *, segm: bool, names: tuple[str, str]
) -> None:
    """The maxima of COCO JSON input read the generic way (``json.loads`` values): image and mask sides,
    categories (and the precision cells they make) and objects. ``names``: the request fields of the
    GT and results files; mask sizes are checked when segmentations are read (``segm``)."""
    gt_name, res_name = names
    if isinstance(gt, dict):
        images, anns, cats = gt.get("images"), gt.get("annotations"), gt.get("categories")
        if isinstance(cats, list):
            _check_categories(len(cats), params, gt_name)
        if isinstance(images, list):
            at_most(len(images), MAX_ASSETS, f"{gt_name}.images", what="images")
            for i, image in enumerate(images):
                if isinstance(image, dict):
                    for side in ("height", "width"):
                        _side(image.get(side), f"{gt_name}.images[{i}].{side}")
        if isinstance(anns, list):
            at_most(len(anns), MAX_OBJECTS, f"{gt_name}.annotations", what="annotations")
            if segm:
                _segmentation_sizes(anns, f"{gt_name}.annotations", _member)
    if isinstance(res, list):
        at_most(len(res), MAX_OBJECTS, res_name, what="results")
        if segm:
            _segmentation_sizes(res, res_name, _member)


def check_typed_sizes(doc: TypedCoco, params: pb.DetectionParams, *, names: tuple[str, str]) -> None:
    """:func:`check_coco_sizes` of a typed document (the same maxima, the same first offender)."""
    gt_name, res_name = names
    _check_categories(len(doc.categories), params, gt_name)
    at_most(len(doc.images), MAX_ASSETS, f"{gt_name}.images", what="images")
    sides = doc.image_sides()
    over = np.flatnonzero((sides > MAX_MASK_SIDE).ravel())
    if over.size:
        i, side = divmod(int(over[0]), 2)
        _side(sides[i, side], f"{gt_name}.images[{i}].{('height', 'width')[side]}")
    at_most(len(doc.annotations), MAX_OBJECTS, f"{gt_name}.annotations", what="annotations")
    at_most(len(doc.results), MAX_OBJECTS, res_name, what="results")
    if doc.segm:
        _segmentation_sizes(doc.annotations, f"{gt_name}.annotations", _segmentation)
        _segmentation_sizes(doc.results.segm or [], res_name, _itself)


def _check_categories(n: int, params: pb.DetectionParams, gt_name: str) -> None:
    at_most(n, MAX_CATEGORIES, f"{gt_name}.categories", what="categories")
    T, R, A, cuts = effective_params(params)
    cells = T * R * max(1, n) * A * len(cuts)
    at_most(cells, MAX_PRECISION_CELLS, "params", what="precision cells (T x R x K x A x M)")


def _segmentation(obj: Any, key: str) -> Any:
    """A Struct's member (None when its type has none)."""
    return getattr(obj, key, None)


def _itself(segmentation: Any, _key: str) -> Any:
    """A segmentation listed on its own (the typed results' column)."""
    return segmentation


def _member(obj: Any, key: str) -> Any:
    """A JSON object's member (None for anything else)."""
    return obj.get(key) if isinstance(obj, dict) else None


def _side(value: Any, field: str) -> None:
    if isinstance(value, int | float) and value > MAX_MASK_SIDE:
        shown = int(value) if isinstance(value, float) and value.is_integer() else value
        message = f"{shown} pixels is over the documented maximum of {MAX_MASK_SIDE:,}"
        raise LimitExceeded(message, field=field)


def _segmentation_sizes(objects: list[Any], field: str, get: Callable[[Any, str], Any]) -> None:
    for i, obj in enumerate(objects):
        seg = get(obj, "segmentation")
        size = seg.get("size") if isinstance(seg, dict) else None
        if isinstance(size, list) and len(size) == 2:  # [height, width]
            _side(size[0], f"{field}[{i}].segmentation.size[0]")
            _side(size[1], f"{field}[{i}].segmentation.size[1]")
