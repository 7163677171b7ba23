"""Seeded COCO-format detection sets for the tidecv suite: a GT file (polygon masks, crowds as
uncompressed RLE, images listed out of id order as in COCO's own files) and a results file (compressed
RLE masks with their boxes, scores rounded so some tie) with the error mix TIDE separates.

Every non-crowd GT draws one fate: found (a slightly jittered copy), found twice (a duplicate), found
with the wrong class, found badly localized, found with both wrong, or missed; background
hallucinations, detections inside crowds, an image without GT, an image without detections and one
with more than 100 detections (tidecv's ``max_dets``) complete the set.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from pycocotools import mask as mu

__all__ = ["tide_coco_set"]

# Probabilities of a GT's fate: found, duplicate, wrong class, localization, both, missed.
_FATES = np.array([0.5, 0.08, 0.1, 0.12, 0.05, 0.15])


def tide_coco_set(
    seed: int, *, num_images: int = 30, num_categories: int = 5, score_decimals: int = 2
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A COCO GT dataset and a results list (``loadRes`` / ``tidecv.datasets.COCOResult`` input)."""
    with warnings.catch_warnings():
        # pycocotools' Cython passes copy=False to numpy 2's __array__ (a DeprecationWarning).
        warnings.simplefilter("ignore", DeprecationWarning)
        return _set(seed, num_images, num_categories, score_decimals)


def _set(
    seed: int, num_images: int, num_categories: int, score_decimals: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    image_ids = rng.choice(np.arange(1, 10 * num_images), num_images, replace=False).tolist()
    cat_ids = sorted(rng.choice(np.arange(1, 4 * num_categories), num_categories, replace=False).tolist())
    images: list[dict[str, Any]] = []
    anns: list[dict[str, Any]] = []
    res: list[dict[str, Any]] = []
    for i, img in enumerate(image_ids):
        h, w = int(rng.integers(40, 90)), int(rng.integers(40, 90))
        images.append({"id": img, "file_name": f"{img:012d}.jpg", "height": h, "width": w})
        n_gt = 0 if i == 1 else int(rng.poisson(4))
        for _ in range(n_gt):
            _object(rng, img, (h, w), cat_ids, anns, res)
        n_bg = 0 if i == 2 else int(rng.poisson(1.5)) + (110 if i == 3 else 0)
        for _ in range(n_bg):
            cat = int(rng.choice(cat_ids))
            res.append(_result(img, cat, _polygon(rng, h, w), (h, w), float(rng.beta(2, 5))))
    for r in res:
        r["score"] = round(r["score"], score_decimals)
    categories = [{"id": c, "name": f"class {c}", "supercategory": "thing"} for c in cat_ids]
    for n, a in enumerate(anns):
        a["id"] = n + 1
    return {"images": images, "annotations": anns, "categories": categories}, res


def _object(  # noqa: PLR0917
    rng: np.random.Generator,
    img: int,
    size: tuple[int, int],
    cat_ids: list[int],
    anns: list[dict[str, Any]],
    res: list[dict[str, Any]],
) -> None:
    """One GT annotation and the detections its fate gives it (a crowd gets a few detections inside)."""
    h, w = size
    cat = int(rng.choice(cat_ids))
    poly = _polygon(rng, h, w)
    rle = mu.merge(mu.frPyObjects([poly], h, w))
    crowd = rng.random() < 0.06
    segm: Any = {"counts": _uncompressed(mu.decode(rle)), "size": [h, w]} if crowd else [poly]
    anns.append({
        "image_id": img, "category_id": cat, "segmentation": segm, "area": float(mu.area(rle)),
        "bbox": [float(v) for v in mu.toBbox(rle)], "iscrowd": int(crowd),
    })  # fmt: skip
    if crowd:
        for _ in range(int(rng.integers(1, 4))):
            res.append(_result(img, cat, _jitter(rng, poly, 0.1), (h, w), float(rng.beta(2, 3))))
        return
    fate = int(rng.choice(len(_FATES), p=_FATES))
    other = int(rng.choice([c for c in cat_ids if c != cat]))
    good = float(rng.beta(5, 2))
    if fate in (0, 1):
        res.append(_result(img, cat, _jitter(rng, poly, 0.05), (h, w), good))
    if fate == 1:
        res.append(_result(img, cat, _jitter(rng, poly, 0.08), (h, w), good * float(rng.uniform(0.5, 1))))
    if fate == 2:
        res.append(_result(img, other, _jitter(rng, poly, 0.05), (h, w), good))
    if fate == 3:
        res.append(_result(img, cat, _jitter(rng, poly, 0.45), (h, w), float(rng.beta(3, 3))))
    if fate == 4:
        res.append(_result(img, other, _jitter(rng, poly, 0.45), (h, w), float(rng.beta(2, 3))))


def _polygon(rng: np.random.Generator, h: int, w: int) -> list[float]:
    """A star-shaped polygon (6-9 vertices) inside the image."""
    n = int(rng.integers(6, 10))
    cx, cy = rng.uniform(0.15 * w, 0.85 * w), rng.uniform(0.15 * h, 0.85 * h)
    r = rng.uniform(4, min(h, w) / 3)
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = r * rng.uniform(0.6, 1.0, n)
    xy = np.stack([np.clip(cx + rad * np.cos(ang), 0, w), np.clip(cy + rad * np.sin(ang), 0, h)], 1)
    return [round(float(v), 2) for v in xy.ravel()]


def _jitter(rng: np.random.Generator, poly: list[float], amount: float) -> list[float]:
    """``poly`` shifted by ``amount`` of its extent and its vertices moved a little."""
    xy = np.array(poly).reshape(-1, 2)
    extent = xy.max(0) - xy.min(0)
    moved = xy + rng.normal(0, amount, 2) * extent + rng.normal(0, 0.03, xy.shape) * extent
    return [round(float(v), 2) for v in np.maximum(moved, 0).ravel()]


def _result(img: int, cat: int, poly: list[float], size: tuple[int, int], score: float) -> dict[str, Any]:
    """A detection as a results file holds it: compressed RLE, its box, its score."""
    h, w = size
    rle = mu.merge(mu.frPyObjects([poly], h, w))
    return {
        "image_id": img,
        "category_id": cat,
        "segmentation": {"size": [h, w], "counts": rle["counts"].decode("ascii")},
        "bbox": [float(v) for v in mu.toBbox(rle)],
        "score": score,
    }


def _uncompressed(mask: np.ndarray) -> list[int]:
    """Uncompressed RLE counts (column-major runs, starting with zeros), as COCO stores crowds."""
    flat = np.asfortranarray(mask).ravel(order="F")
    edges = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], edges, [flat.shape[0]]])
    runs = [int(n) for n in np.diff(bounds)]
    return [0, *runs] if flat.shape[0] and flat[0] else runs
