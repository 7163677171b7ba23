"""Synthetic LVIS-format data (a GT file and a results list), seeded, for the LVIS parity suite.

Like LVIS: many categories with a long-tailed image count (a category's ``frequency`` r / c / f from
its count of images, as LVIS bins its training images), a few present categories per image with
polygon masks, per-image ``neg_category_ids`` (verified absent) and ``not_exhaustive_category_ids``
(present, possibly incompletely annotated). The results hold jittered true detections, duplicates,
detections of the wrong category (some verified absent, some unverified: LVIS leaves those out),
background hallucinations, 2-decimal scores (ties), and the edge cases ``LVISEval`` treats specially:
zero-area GT and results, a GT flagged ``ignore``, a GT flagged ``iscrowd`` (LVIS reads no crowd), and
one image with more results than the per-image cut. Segmentations: GT polygons, results compressed RLE
(encoded with pycocotools, a test-only dependency).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

__all__ = ["synth_lvis"]


def synth_lvis(
    seed: int,
    *,
    num_images: int = 40,
    num_categories: int = 60,
    segm: bool = False,
    crowded_image: int = 320,
    unknown_category: int = 0,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An LVIS GT dataset and a results list; ``crowded_image``: results on the first image (0 = none);
    ``unknown_category``: high-scoring results there of a category absent from the GT file (LVIS counts
    them toward its per-image cut, then leaves them out)."""
    rng = np.random.default_rng(seed)
    K = num_categories
    weights = 1.0 / np.arange(1, K + 1) ** 1.1
    weights = weights[rng.permutation(K)]
    weights /= weights.sum()
    images = [_image(rng, i + 1) for i in range(num_images)]
    anns: list[dict[str, Any]] = []
    present: list[set[int]] = []
    for im in images:
        cats = set(rng.choice(K, size=int(rng.integers(1, 6)), replace=False, p=weights).tolist())
        present.append(cats)
        for k in sorted(cats):
            for _ in range(int(rng.integers(1, 4))):
                anns.append(_annotation(rng, im, k + 1, len(anns) + 1))
        absent = np.setdiff1d(np.arange(K), sorted(cats))
        im["neg_category_ids"] = sorted(
            (rng.choice(absent, size=min(absent.size, int(rng.integers(0, 9))), replace=False) + 1).tolist()
        )
        im["not_exhaustive_category_ids"] = sorted(k + 1 for k in cats if rng.random() < 0.3)
    _gt_edge_cases(rng, anns)
    # Training-set image counts: 5-9 per annotation here, so a category with one GT is rare, 2-19 common.
    counts = np.bincount([a["category_id"] - 1 for a in anns], minlength=K) * 5 + rng.integers(0, 5, K)
    categories = [
        {
            "id": k + 1,
            "name": f"cat{k + 1}",
            "frequency": _frequency(int(counts[k])),
            "image_count": int(counts[k]),
        }
        for k in range(K)
    ]
    gt = {"images": images, "categories": categories, "annotations": anns}
    results = _results(rng, gt, present, K, crowded_image)
    first = images[0]
    for _ in range(unknown_category):
        r = _detection(rng, first, _random_box(rng, first), K + 7)
        r["score"] = round(float(rng.uniform(0.9, 1.0)), 2)
        results.insert(int(rng.integers(0, len(results) + 1)), r)
    if segm:
        _add_masks(gt, results)
    return gt, results


def _frequency(image_count: int) -> str:
    """LVIS's bins: rare below 10 training images, common below 100, frequent from 100."""
    return "r" if image_count < 10 else "c" if image_count < 100 else "f"


def _image(rng: np.random.Generator, image_id: int) -> dict[str, Any]:
    return {"id": image_id, "height": int(rng.integers(200, 480)), "width": int(rng.integers(200, 480))}


def _annotation(rng: np.random.Generator, im: dict[str, Any], cat: int, ann_id: int) -> dict[str, Any]:
    """A GT box of area small to large (log-uniform side) inside the image, its ellipse-ish polygon."""
    side = float(np.exp(rng.uniform(np.log(6), np.log(min(im["width"], im["height"]) - 2))))
    w = round(side * rng.uniform(0.6, 1.4), 2)
    h = round(side * rng.uniform(0.6, 1.4), 2)
    w, h = min(w, im["width"] - 1.0), min(h, im["height"] - 1.0)
    x = round(float(rng.uniform(0, im["width"] - w)), 2)
    y = round(float(rng.uniform(0, im["height"] - h)), 2)
    poly = _polygon(x, y, w, h)
    return {
        "id": ann_id, "image_id": im["id"], "category_id": cat, "bbox": [x, y, w, h],
        "area": _shoelace(poly), "segmentation": [poly],
    }  # fmt: skip


def _polygon(x: float, y: float, w: float, h: float) -> list[float]:
    """An octagon inscribed in the box (x, y, w, h)."""
    a, b = w * 0.3, h * 0.3
    pts = [(x + a, y), (x + w - a, y), (x + w, y + b), (x + w, y + h - b),
           (x + w - a, y + h), (x + a, y + h), (x, y + h - b), (x, y + b)]  # fmt: skip
    return [round(float(c), 2) for p in pts for c in p]


def _shoelace(poly: list[float]) -> float:
    xs, ys = np.array(poly[0::2]), np.array(poly[1::2])
    return float(abs(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))) / 2)


def _gt_edge_cases(rng: np.random.Generator, anns: list[dict[str, Any]]) -> None:
    """A zero-area GT, an ignored one and a crowd one (LVIS reads no crowd)."""
    picks = rng.choice(len(anns), size=3, replace=False)
    anns[picks[0]]["area"] = 0.0
    anns[picks[1]]["ignore"] = 1
    anns[picks[2]]["iscrowd"] = 1


def _results(
    rng: np.random.Generator, gt: dict[str, Any], present: list[set[int]], K: int, crowded: int
) -> list[dict[str, Any]]:
    """Detections: jittered matches (some duplicated), wrong categories, background, edge cases."""
    out: list[dict[str, Any]] = []
    by_image = {im["id"]: im for im in gt["images"]}
    for a in gt["annotations"]:
        im = by_image[a["image_id"]]
        for _ in range(int(rng.choice([0, 1, 1, 1, 2]))):
            cat = a["category_id"]
            if rng.random() < 0.15:  # wrong category: verified absent, unverified or another present one
                cat = int(rng.integers(1, K + 1))
            out.append(_detection(rng, im, _jitter(rng, a["bbox"], im), cat))
    for im in gt["images"]:
        for _ in range(int(rng.integers(0, 6))):
            out.append(_detection(rng, im, _random_box(rng, im), int(rng.integers(1, K + 1))))
        for k in im["neg_category_ids"][:2]:
            out.append(_detection(rng, im, _random_box(rng, im), k))
    first = gt["images"][0]
    cats = sorted(present[0])
    for _ in range(crowded):
        out.append(_detection(rng, first, _random_box(rng, first), int(rng.choice(cats)) + 1))
    zero = _detection(rng, first, [10.0, 10.0, 0.0, 5.0], cats[0] + 1)  # zero area: left out, after the cut
    zero["score"] = 1.0
    out.append(zero)
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def _detection(rng: np.random.Generator, im: dict[str, Any], box: list[float], cat: int) -> dict[str, Any]:
    return {
        "image_id": im["id"],
        "category_id": cat,
        "bbox": box,
        "score": round(float(rng.uniform(0.01, 1)), 2),
    }


def _jitter(rng: np.random.Generator, box: list[float], im: dict[str, Any]) -> list[float]:
    x, y, w, h = box
    dx, dy = rng.normal(0, 0.1 * w), rng.normal(0, 0.1 * h)
    nw, nh = w * float(np.exp(rng.normal(0, 0.12))), h * float(np.exp(rng.normal(0, 0.12)))
    nx = float(np.clip(x + dx, 0, im["width"] - 2))
    ny = float(np.clip(y + dy, 0, im["height"] - 2))
    nw = float(np.clip(nw, 1, im["width"] - nx))
    nh = float(np.clip(nh, 1, im["height"] - ny))
    return [round(nx, 2), round(ny, 2), round(nw, 2), round(nh, 2)]


def _random_box(rng: np.random.Generator, im: dict[str, Any]) -> list[float]:
    w = float(rng.uniform(4, im["width"] / 2))
    h = float(rng.uniform(4, im["height"] / 2))
    x = float(rng.uniform(0, im["width"] - w))
    y = float(rng.uniform(0, im["height"] - h))
    return [round(x, 2), round(y, 2), round(w, 2), round(h, 2)]


def _add_masks(gt: dict[str, Any], results: list[dict[str, Any]]) -> None:
    """Each result's mask: its box's octagon rasterised by pycocotools, as compressed RLE text."""
    from pycocotools import mask as mask_utils  # test-only dependency (the oracle's own)

    by_image = {im["id"]: im for im in gt["images"]}
    for r in results:
        im = by_image[r["image_id"]]
        x, y, w, h = r["bbox"]
        rles = mask_utils.frPyObjects([_polygon(x, y, w, h)], im["height"], im["width"])
        rle = mask_utils.merge(rles)
        r["segmentation"] = {"size": rle["size"], "counts": rle["counts"].decode("ascii")}


def clone(obj: Any) -> Any:
    """A deep copy (the oracle mutates what it is given)."""
    return copy.deepcopy(obj)
