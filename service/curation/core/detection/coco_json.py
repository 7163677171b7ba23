"""COCO JSON (a GT dataset and a results list) to columnar :class:`DetectionData`, as pycocotools reads it.

pycocotools evaluates the images of ``images`` and the categories of ``categories``, each sorted by id;
annotations or results naming another category are silently left out (we count them so the caller can
warn); results on an image that is not in ``images`` fail ``loadRes``'s assertion (we raise). Result
boxes get area ``w * h`` as in ``loadRes``. A GT without ``area``/``iscrowd`` is an error in
pycocotools; here it defaults to the box area / 0 and is counted. With ``need_keypoints`` the raw
``keypoints`` (and GT ``num_keypoints``) are kept for :mod:`~curation.core.detection.coco_keypoints`,
and a result may lack a box.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core.detection.coco import DetectionData
from curation.core.detection.rle import (
    PolygonLimitError,
    RleError,
    RleSet,
    decode_strings,
    from_polygons,
    from_uncompressed,
)

__all__ = ["CocoFormatError", "CocoJsonData", "CocoLimitError", "from_coco_json", "masks_from_segmentations"]

# Entries read between two cancellation checkpoints (a few ms of Python per span).
_CHECK_EVERY = 4096


class CocoFormatError(ValueError):
    """Malformed COCO input; ``field`` names the offending entry, for example ``results[12].bbox``."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.message = message
        self.field = field


class CocoLimitError(CocoFormatError):
    """COCO input over a maximum the caller set (the polygons' boundary points)."""


@dataclass(frozen=True)
class CocoJsonData:
    """A parsed GT file and results list: the columns in evaluation order, and what maps them back to
    the input (ids, indices, raw segmentations) or was left out on the way."""

    data: DetectionData
    image_ids: list[Any]
    category_ids: list[Any]
    category_names: list[str]
    # GT annotation ids in input order of the kept annotations; result indices kept.
    gt_ann_ids: list[Any]
    gt_ann_index: IntArray
    dt_result_index: IntArray
    gt_dropped_unknown: int
    dt_dropped_unknown_category: int
    gt_missing_area: int
    # Raw segmentations (RLE dicts or polygons) of kept GT / results, when present.
    gt_segm: list[Any] | None
    dt_segm: list[Any] | None
    # (height, width) of each image (evaluation order), when the GT file gives them.
    image_sizes: list[tuple[int, int] | None]
    # Raw keypoints of kept GT / results and GT num_keypoints (need_keypoints), and each category's
    # ``keypoints`` list length (None where it has none), in evaluation order.
    gt_keypoints: list[Any] | None = None
    gt_num_keypoints: list[Any] | None = None
    dt_keypoints: list[Any] | None = None
    category_keypoints: list[int | None] | None = None


def from_coco_json(
    gt: dict[str, Any], results: list[Any], *, need_segm: bool = False, need_keypoints: bool = False
) -> CocoJsonData:
    """Parse a COCO GT dataset and a results list (``loadRes`` input) into evaluation order."""
    images, cats, anns = _gt_lists(gt, results)
    image_ids = _sorted_ids(images, "coco_gt.images")
    category_ids = _sorted_ids(cats, "coco_gt.categories")
    img_index = {v: i for i, v in enumerate(image_ids)}
    cat_index = {v: i for i, v in enumerate(category_ids)}
    name_of = {c["id"]: str(c.get("name", c["id"])) for c in cats}
    image_sizes = _image_sizes(images, image_ids)
    g = _read_gt(anns, img_index, cat_index, need_segm, need_keypoints)
    d = _read_results(results, img_index, cat_index, need_segm, need_keypoints)
    names = [name_of[c] for c in category_ids]
    file_order = [img_index[im["id"]] for im in images]
    parsed = assemble(
        image_ids, category_ids, names, g=g, d=d, image_sizes=image_sizes, image_file_order=file_order
    )
    if not need_keypoints:
        return parsed
    kp_len = {c["id"]: len(c["keypoints"]) if isinstance(c.get("keypoints"), list) else None for c in cats}
    return replace(
        parsed,
        gt_keypoints=g.keypoints,
        gt_num_keypoints=g.num_keypoints,
        dt_keypoints=d.keypoints,
        category_keypoints=[kp_len[c] for c in category_ids],
    )


def assemble(
    image_ids: list[Any],
    category_ids: list[Any],
    category_names: list[str],
    *,
    g: KeptGt,
    d: KeptResults,
    image_sizes: list[tuple[int, int] | None],
    image_file_order: list[int],
) -> CocoJsonData:
    """The columns and what maps them back to the files, from the kept objects of either reading.
    ``image_file_order`` lists the images (evaluation indices) in the order of the file's ``images``."""
    source_rank = np.empty(len(image_ids), np.int64)
    source_rank[np.asarray(image_file_order, dtype=np.int64)] = np.arange(len(image_ids), dtype=np.int64)
    data = DetectionData(
        num_images=len(image_ids),
        num_categories=len(category_ids),
        gt_image=g.image,
        gt_category=g.category,
        gt_box=g.box,
        gt_area=g.area,
        gt_iscrowd=g.crowd,
        dt_image=d.image,
        dt_category=d.category,
        dt_box=d.box,
        dt_score=d.score,
        dt_area=d.box[:, 2] * d.box[:, 3],
        gt_ignore=g.ignore,
        gt_zero_id=g.zero_id,
        image_source_rank=source_rank,
    )
    return CocoJsonData(
        data=data,
        image_ids=image_ids,
        category_ids=category_ids,
        category_names=category_names,
        gt_ann_ids=g.ids,
        gt_ann_index=g.index,
        dt_result_index=d.index,
        gt_dropped_unknown=g.dropped,
        dt_dropped_unknown_category=d.dropped,
        gt_missing_area=g.missing_area,
        gt_segm=g.segm,
        dt_segm=d.segm,
        image_sizes=image_sizes,
    )


@dataclass(frozen=True, slots=True)
class KeptGt:
    """The kept GT annotations, columnar (evaluation indices), and what was left out or defaulted (both
    readings, generic and typed, produce it)."""

    image: IntArray
    category: IntArray
    box: FloatArray
    area: FloatArray
    crowd: BoolArray
    ignore: BoolArray
    zero_id: BoolArray
    ids: list[Any]
    index: IntArray
    segm: list[Any] | None
    dropped: int
    missing_area: int
    keypoints: list[Any] | None = None
    num_keypoints: list[Any] | None = None


@dataclass(frozen=True, slots=True)
class KeptResults:
    """The kept results, columnar (evaluation indices), and how many named an unknown category."""

    image: IntArray
    category: IntArray
    box: FloatArray
    score: FloatArray
    index: IntArray
    segm: list[Any] | None
    dropped: int
    keypoints: list[Any] | None = None


def _gt_lists(gt: Any, results: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """The GT file's images, categories and annotations, once both inputs have the right shape."""
    if not isinstance(gt, dict):
        raise CocoFormatError("must be a COCO dataset object", "coco_gt")
    if not isinstance(results, list):
        raise CocoFormatError("must be a list of results", "coco_results")
    images = gt.get("images", [])
    cats = gt.get("categories", [])
    anns = gt.get("annotations", [])
    if not isinstance(images, list) or not isinstance(cats, list) or not isinstance(anns, list):
        raise CocoFormatError("images, categories and annotations must be lists", "coco_gt")
    return images, cats, anns


def _sorted_ids(items: Sequence[Any], name: str) -> list[Any]:
    """The ids of ``items`` sorted, as pycocotools' ``getImgIds``/``getCatIds`` order them."""
    ids = []
    for i, it in enumerate(items):
        if not isinstance(it, dict) or "id" not in it:
            raise CocoFormatError("must be an object with an id", f"{name}[{i}]")
        ids.append(it["id"])
    if len(set(ids)) != len(ids):
        raise CocoFormatError("ids must be unique", name)
    try:
        return sorted(ids)
    except TypeError:
        raise CocoFormatError("ids must all be numbers or all strings", name) from None


def _image_sizes(images: list[dict[str, Any]], image_ids: list[Any]) -> list[tuple[int, int] | None]:
    """(height, width) of each image in evaluation order, None where the GT file does not give both."""
    by_id = {im["id"]: im for im in images}
    sizes: list[tuple[int, int] | None] = []
    for i in image_ids:
        h, w = by_id[i].get("height"), by_id[i].get("width")
        sizes.append((h, w) if isinstance(h, int) and isinstance(w, int) else None)
    return sizes


def _read_gt(
    anns: list[Any], img_index: dict[Any, int], cat_index: dict[Any, int], need_segm: bool, need_kp: bool
) -> KeptGt:
    """The annotations pycocotools evaluates (known image and category); area defaults to the box's."""
    img, cat, box, area, crowd, ignore, ids, index, segm = [], [], [], [], [], [], [], [], []
    kps: list[Any] = []
    nkp: list[Any] = []
    dropped = missing_area = 0
    for j, a in enumerate(anns):
        if j % _CHECK_EVERY == 0:
            checkpoint()
        if not isinstance(a, dict):
            raise CocoFormatError("must be an object", f"coco_gt.annotations[{j}]")
        ii = img_index.get(a.get("image_id"))
        kk = cat_index.get(a.get("category_id"))
        if ii is None or kk is None:
            dropped += 1
            continue
        if "bbox" not in a:
            raise CocoFormatError("missing bbox", f"coco_gt.annotations[{j}].bbox")
        img.append(ii)
        cat.append(kk)
        box.append(a["bbox"])
        missing_area += "area" not in a
        area.append(a.get("area", math.nan))
        crowd.append(bool(a.get("iscrowd", 0)))
        ignore.append(bool(a.get("ignore", 0)))
        ids.append(a.get("id"))
        index.append(j)
        if need_segm:
            segm.append(a.get("segmentation"))
        if need_kp:
            for key in ("keypoints", "num_keypoints"):
                if key not in a:
                    raise CocoFormatError(f"missing {key}", f"coco_gt.annotations[{j}].{key}")
            kps.append(a["keypoints"])
            nkp.append(a["num_keypoints"])
    gt_box = _boxes(box, "coco_gt.annotations") if box else np.zeros((0, 4))
    try:
        gt_area = np.array(area, dtype=np.float64)
    except (TypeError, ValueError):
        raise CocoFormatError("area must be a number", "coco_gt.annotations") from None
    nan_area = np.isnan(gt_area)
    gt_area[nan_area] = gt_box[nan_area, 2] * gt_box[nan_area, 3]
    if len(set(ids)) != len(ids):
        raise CocoFormatError("annotation ids must be unique", "coco_gt.annotations")
    return KeptGt(
        image=np.array(img, dtype=np.int64),
        category=np.array(cat, dtype=np.int64),
        box=gt_box,
        area=gt_area,
        crowd=np.array(crowd, dtype=np.bool_),
        ignore=np.array(ignore, dtype=np.bool_),
        zero_id=np.array([i == 0 for i in ids], dtype=np.bool_),
        ids=ids,
        index=np.array(index, dtype=np.int64),
        segm=segm if need_segm else None,
        dropped=dropped,
        missing_area=missing_area,
        keypoints=kps if need_kp else None,
        num_keypoints=nkp if need_kp else None,
    )


def _read_results(
    results: list[Any], img_index: dict[Any, int], cat_index: dict[Any, int], need_segm: bool, need_kp: bool
) -> KeptResults:
    """The results pycocotools evaluates: an unknown image fails (``loadRes``'s assertion), an unknown
    category is left out; a result may lack a box only when it has a segmentation (segm) or keypoints."""
    img, cat, box, score, index, segm = [], [], [], [], [], []
    kps: list[Any] = []
    dropped = 0
    for j, r in enumerate(results):
        if j % _CHECK_EVERY == 0:
            checkpoint()
        if not isinstance(r, dict):
            raise CocoFormatError("must be an object", f"coco_results[{j}]")
        ii = img_index.get(r.get("image_id"))
        if ii is None:
            raise CocoFormatError(
                f"image_id {r.get('image_id')!r} is not in the GT images", f"coco_results[{j}].image_id"
            )
        kk = cat_index.get(r.get("category_id"))
        if kk is None:
            dropped += 1
            continue
        if need_kp and "keypoints" not in r:
            raise CocoFormatError("missing keypoints", f"coco_results[{j}].keypoints")
        if "bbox" not in r and not (need_segm and "segmentation" in r) and not need_kp:
            raise CocoFormatError("missing bbox", f"coco_results[{j}].bbox")
        if "score" not in r:
            raise CocoFormatError("missing score", f"coco_results[{j}].score")
        img.append(ii)
        cat.append(kk)
        given = r.get("bbox", [])
        box.append([math.nan] * 4 if given == [] else given)  # loadRes takes [] as no box
        score.append(r["score"])
        index.append(j)
        if need_segm:
            segm.append(r.get("segmentation"))
        if need_kp:
            kps.append(r["keypoints"])
    dt_box = _boxes(box, "coco_results") if box else np.zeros((0, 4))
    try:
        dt_score = np.array(score, dtype=np.float64)
    except (TypeError, ValueError):
        raise CocoFormatError("score must be a number", "coco_results") from None
    return KeptResults(
        image=np.array(img, dtype=np.int64),
        category=np.array(cat, dtype=np.int64),
        box=dt_box,
        score=dt_score,
        index=np.array(index, dtype=np.int64),
        segm=segm if need_segm else None,
        dropped=dropped,
        keypoints=kps if need_kp else None,
    )


def _boxes(raw: list[Any], name: str) -> FloatArray:
    """``[x, y, w, h]`` rows; the first entry that is not four values is named."""
    try:
        arr = np.array(raw, dtype=np.float64)
    except (ValueError, TypeError):
        arr = np.zeros((0,))
    if arr.ndim != 2 or arr.shape[1] != 4:
        for i, b in enumerate(raw):
            if not isinstance(b, list | tuple) or len(b) != 4:
                raise CocoFormatError("must be [x, y, w, h]", f"{name}[{i}].bbox")
        raise CocoFormatError("must be [x, y, w, h] numbers", name)
    return arr.reshape(-1, 4)


def masks_from_segmentations(
    segms: list[Any],
    rows: IntArray,
    name: str,
    sizes: Sequence[tuple[int, int] | None] | None = None,
    *,
    max_polygon_points: tuple[float, float] = (math.inf, math.inf),
) -> RleSet:
    """RLE masks from COCO ``segmentation`` objects as pycocotools' ``annToRLE``: compressed or
    uncompressed RLE, or (when ``sizes`` gives each object's image height and width) polygons,
    rasterised by ``rleFrPoly`` and merged (at most ``max_polygon_points`` boundary points in all and in one
    polygon, else :class:`CocoLimitError`). ``rows`` names each one's position in the input."""
    compressed, uncompressed, polygons = _Batch(), _Batch(), _Batch()
    for i, seg in enumerate(segms):
        if i % _CHECK_EVERY == 0:
            checkpoint()
        field = f"{name}[{int(rows[i])}].segmentation"
        if isinstance(seg, list):
            height, width = _polygon_size(seg, sizes[i] if sizes is not None else None, field)
            polygons.add(i, seg, height, width)
            continue
        height, width = _rle_size(seg, field)
        counts = seg["counts"]
        if isinstance(counts, str | bytes):
            text = counts.decode("ascii", "replace") if isinstance(counts, bytes) else counts
            compressed.add(i, text, height, width)
        elif isinstance(counts, list) and all(isinstance(c, int) for c in counts):
            uncompressed.add(i, counts, height, width)
        else:
            raise CocoFormatError("counts must be a string or a list of integers", field)
    a = compressed.decode(decode_strings, rows, name)
    b = uncompressed.decode(from_uncompressed, rows, name)
    c = polygons.decode(
        partial(from_polygons, max_points=max_polygon_points[0], max_points_each=max_polygon_points[1]),
        rows,
        name,
    )
    both = RleSet(
        np.concatenate([a.counts, b.counts, c.counts]),
        np.concatenate(
            [a.offsets, a.offsets[-1] + b.offsets[1:], a.offsets[-1] + b.offsets[-1] + c.offsets[1:]]
        ),
        np.concatenate([a.height, b.height, c.height]),
        np.concatenate([a.width, b.width, c.width]),
    )
    where = np.empty(len(segms), np.int64)
    where[np.array(compressed.index + uncompressed.index + polygons.index, dtype=np.int64)] = np.arange(
        len(segms)
    )
    return both.take(where)


@dataclass(slots=True)
class _Batch:
    """The segmentations of one encoding: their positions among all, their payloads and sizes."""

    index: list[int] = field(default_factory=list)
    payload: list[Any] = field(default_factory=list)
    height: list[int] = field(default_factory=list)
    width: list[int] = field(default_factory=list)

    def add(self, i: int, payload: Any, height: int, width: int) -> None:
        self.index.append(i)
        self.payload.append(payload)
        self.height.append(height)
        self.width.append(width)

    def decode(
        self, decoder: Callable[[Any, list[int], list[int]], RleSet], rows: IntArray, name: str
    ) -> RleSet:
        """The batch decoded; a malformed entry is named by its input row."""
        try:
            return decoder(self.payload, self.height, self.width)
        except RleError as exc:
            field = f"{name}[{int(rows[self.index[exc.index]])}].segmentation"
            error = CocoLimitError if isinstance(exc, PolygonLimitError) else CocoFormatError
            raise error(exc.message, field) from None


def _polygon_size(seg: list[Any], size: tuple[int, int] | None, field: str) -> tuple[int, int]:
    """The image size polygons are rasterised at: the image's height and width (``annToRLE``)."""
    if size is None:
        raise CocoFormatError("polygons need the image's integer height and width in the GT file", field)
    if not all(isinstance(poly, list) for poly in seg):
        raise CocoFormatError("polygons must be lists of coordinates", field)
    return size[0], size[1]


def _rle_size(seg: Any, field: str) -> tuple[int, int]:
    """The ``[height, width]`` of an RLE object, checked."""
    if not isinstance(seg, dict) or "counts" not in seg or "size" not in seg:
        raise CocoFormatError("must be a COCO RLE object with size and counts", field)
    size = seg["size"]
    if not (isinstance(size, list) and len(size) == 2 and all(isinstance(x, int) and x >= 0 for x in size)):
        raise CocoFormatError("size must be [height, width]", field)
    return size[0], size[1]
