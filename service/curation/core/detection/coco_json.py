"""COCO JSON (a GT dataset and a results list) to columnar :class:`DetectionData`, as pycocotools reads it.

pycocotools evaluates the images of ``images`` and the categories of ``categories``, each sorted by id;
annotations or results naming another category are silently left out (we count them so the caller can
warn); results on an image that is not in ``images`` fail ``loadRes``'s assertion (we raise). Result
boxes get area ``w * h`` as in ``loadRes``. A GT without ``area``/``iscrowd`` is an error in
pycocotools; here it defaults to the box area / 0 and is counted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from curation.core._common.arrays import FloatArray, IntArray
from curation.core.detection.coco import DetectionData
from curation.core.detection.rle import RleError, RleSet, decode_strings, from_polygons, from_uncompressed

__all__ = ["CocoFormatError", "CocoJsonData", "from_coco_json", "masks_from_segmentations"]


class CocoFormatError(ValueError):
    """Malformed COCO input; ``field`` names the offending entry, for example ``results[12].bbox``."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.message = message
        self.field = field


@dataclass(frozen=True)
class CocoJsonData:
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


def _sorted_ids(items: Sequence[Any], name: str) -> list[Any]:
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


def _boxes(raw: list[Any], name: str) -> FloatArray:
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


def from_coco_json(gt: dict[str, Any], results: list[Any], *, need_segm: bool = False) -> CocoJsonData:
    """Parse a COCO GT dataset and a results list (``loadRes`` input) into evaluation order."""
    if not isinstance(gt, dict):
        raise CocoFormatError("must be a COCO dataset object", "coco_gt")
    if not isinstance(results, list):
        raise CocoFormatError("must be a list of results", "coco_results")
    images = gt.get("images", [])
    cats = gt.get("categories", [])
    anns = gt.get("annotations", [])
    if not isinstance(images, list) or not isinstance(cats, list) or not isinstance(anns, list):
        raise CocoFormatError("images, categories and annotations must be lists", "coco_gt")
    image_ids = _sorted_ids(images, "coco_gt.images")
    category_ids = _sorted_ids(cats, "coco_gt.categories")
    img_index = {v: i for i, v in enumerate(image_ids)}
    cat_index = {v: i for i, v in enumerate(category_ids)}
    name_of = {c["id"]: str(c.get("name", c["id"])) for c in cats}
    by_id = {im["id"]: im for im in images}
    image_sizes: list[tuple[int, int] | None] = []
    for i in image_ids:
        h, w = by_id[i].get("height"), by_id[i].get("width")
        image_sizes.append((h, w) if isinstance(h, int) and isinstance(w, int) else None)

    g_img, g_cat, g_box, g_area, g_crowd, g_ign, g_ids, g_segm, g_idx = [], [], [], [], [], [], [], [], []
    dropped = 0
    missing_area = 0
    for j, a in enumerate(anns):
        if not isinstance(a, dict):
            raise CocoFormatError("must be an object", f"coco_gt.annotations[{j}]")
        ii = img_index.get(a.get("image_id"))
        kk = cat_index.get(a.get("category_id"))
        if ii is None or kk is None:
            dropped += 1
            continue
        if "bbox" not in a:
            raise CocoFormatError("missing bbox", f"coco_gt.annotations[{j}].bbox")
        g_img.append(ii)
        g_cat.append(kk)
        g_box.append(a["bbox"])
        if "area" in a:
            g_area.append(a["area"])
        else:
            missing_area += 1
            g_area.append(math.nan)
        g_crowd.append(bool(a.get("iscrowd", 0)))
        g_ign.append(bool(a.get("ignore", 0)))
        g_ids.append(a.get("id"))
        g_idx.append(j)
        if need_segm:
            g_segm.append(a.get("segmentation"))
    gt_box = _boxes(g_box, "coco_gt.annotations") if g_box else np.zeros((0, 4))
    try:
        gt_area = np.array(g_area, dtype=np.float64)
    except (TypeError, ValueError):
        raise CocoFormatError("area must be a number", "coco_gt.annotations") from None
    nan_area = np.isnan(gt_area)
    gt_area[nan_area] = gt_box[nan_area, 2] * gt_box[nan_area, 3]
    if len(set(g_ids)) != len(g_ids):
        raise CocoFormatError("annotation ids must be unique", "coco_gt.annotations")

    d_img, d_cat, d_box, d_score, d_idx, d_segm = [], [], [], [], [], []
    dropped_dt = 0
    for j, r in enumerate(results):
        if not isinstance(r, dict):
            raise CocoFormatError("must be an object", f"coco_results[{j}]")
        ii = img_index.get(r.get("image_id"))
        if ii is None:
            raise CocoFormatError(
                f"image_id {r.get('image_id')!r} is not in the GT images", f"coco_results[{j}].image_id"
            )
        kk = cat_index.get(r.get("category_id"))
        if kk is None:
            dropped_dt += 1
            continue
        if "bbox" not in r and not (need_segm and "segmentation" in r):
            raise CocoFormatError("missing bbox", f"coco_results[{j}].bbox")
        if "score" not in r:
            raise CocoFormatError("missing score", f"coco_results[{j}].score")
        d_img.append(ii)
        d_cat.append(kk)
        d_box.append(r.get("bbox", [math.nan] * 4))
        d_score.append(r["score"])
        d_idx.append(j)
        if need_segm:
            d_segm.append(r.get("segmentation"))
    dt_box = _boxes(d_box, "coco_results") if d_box else np.zeros((0, 4))
    try:
        dt_score = np.array(d_score, dtype=np.float64)
    except (TypeError, ValueError):
        raise CocoFormatError("score must be a number", "coco_results") from None
    data = DetectionData(
        num_images=len(image_ids),
        num_categories=len(category_ids),
        gt_image=np.array(g_img, dtype=np.int64),
        gt_category=np.array(g_cat, dtype=np.int64),
        gt_box=gt_box,
        gt_area=gt_area,
        gt_iscrowd=np.array(g_crowd, dtype=np.bool_),
        dt_image=np.array(d_img, dtype=np.int64),
        dt_category=np.array(d_cat, dtype=np.int64),
        dt_box=dt_box,
        dt_score=dt_score,
        dt_area=dt_box[:, 2] * dt_box[:, 3],
        gt_ignore=np.array(g_ign, dtype=np.bool_),
        gt_zero_id=np.array([i == 0 for i in g_ids], dtype=np.bool_),
    )
    return CocoJsonData(
        data=data,
        image_ids=image_ids,
        category_ids=category_ids,
        category_names=[name_of[c] for c in category_ids],
        gt_ann_ids=g_ids,
        gt_ann_index=np.array(g_idx, dtype=np.int64),
        dt_result_index=np.array(d_idx, dtype=np.int64),
        gt_dropped_unknown=dropped,
        dt_dropped_unknown_category=dropped_dt,
        gt_missing_area=missing_area,
        gt_segm=g_segm if need_segm else None,
        dt_segm=d_segm if need_segm else None,
        image_sizes=image_sizes,
    )


def masks_from_segmentations(
    segms: list[Any],
    rows: IntArray,
    name: str,
    sizes: Sequence[tuple[int, int] | None] | None = None,
) -> RleSet:
    """RLE masks from COCO ``segmentation`` objects as pycocotools' ``annToRLE``: compressed or
    uncompressed RLE, or (when ``sizes`` gives each object's image height and width) polygons,
    rasterised by ``rleFrPoly`` and merged. ``rows`` names each one's position in the input."""
    comp_idx, comp_s, comp_h, comp_w = [], [], [], []
    unc_idx, unc_c, unc_h, unc_w = [], [], [], []
    poly_idx, poly_p, poly_h, poly_w = [], [], [], []
    for i, seg in enumerate(segms):
        field = f"{name}[{int(rows[i])}].segmentation"
        if isinstance(seg, list):
            size = sizes[i] if sizes is not None else None
            if size is None:
                raise CocoFormatError(
                    "polygons need the image's height and width (and are accepted for GT only, as "
                    "pycocotools' loadRes needs RLE results)",
                    field,
                )
            if not all(isinstance(poly, list) for poly in seg):
                raise CocoFormatError("polygons must be lists of coordinates", field)
            poly_idx.append(i)
            poly_p.append(seg)
            poly_h.append(size[0])
            poly_w.append(size[1])
            continue
        if not isinstance(seg, dict) or "counts" not in seg or "size" not in seg:
            raise CocoFormatError("must be a COCO RLE object with size and counts", field)
        size = seg["size"]
        if not (
            isinstance(size, list) and len(size) == 2 and all(isinstance(x, int) and x >= 0 for x in size)
        ):
            raise CocoFormatError("size must be [height, width]", field)
        counts = seg["counts"]
        if isinstance(counts, str | bytes):
            comp_idx.append(i)
            comp_s.append(counts.decode("ascii", "replace") if isinstance(counts, bytes) else counts)
            comp_h.append(size[0])
            comp_w.append(size[1])
        elif isinstance(counts, list) and all(isinstance(c, int) for c in counts):
            unc_idx.append(i)
            unc_c.append(counts)
            unc_h.append(size[0])
            unc_w.append(size[1])
        else:
            raise CocoFormatError("counts must be a string or a list of integers", field)
    try:
        a = decode_strings(comp_s, comp_h, comp_w)
    except RleError as exc:
        raise CocoFormatError(exc.message, f"{name}[{int(rows[comp_idx[exc.index]])}].segmentation") from None
    try:
        b = from_uncompressed(unc_c, unc_h, unc_w)
    except RleError as exc:
        raise CocoFormatError(exc.message, f"{name}[{int(rows[unc_idx[exc.index]])}].segmentation") from None
    try:
        c = from_polygons(poly_p, poly_h, poly_w)
    except RleError as exc:
        raise CocoFormatError(exc.message, f"{name}[{int(rows[poly_idx[exc.index]])}].segmentation") from None
    both = RleSet(
        np.concatenate([a.counts, b.counts, c.counts]),
        np.concatenate(
            [a.offsets, a.offsets[-1] + b.offsets[1:], a.offsets[-1] + b.offsets[-1] + c.offsets[1:]]
        ),
        np.concatenate([a.height, b.height, c.height]),
        np.concatenate([a.width, b.width, c.width]),
    )
    where = np.empty(len(segms), np.int64)
    where[np.array(comp_idx + unc_idx + poly_idx, dtype=np.int64)] = np.arange(len(segms))
    return both.take(where)
