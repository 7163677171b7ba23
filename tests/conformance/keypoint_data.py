"""Seeded COCO keypoints data for the ``coco-keypoints`` suite: a GT for cocoapi's fake keypoint results
(whose GT cocoapi does not ship) and whole GT + results pairs, with the cases that matter (GTs without
visible keypoints, crowds, ``num_keypoints`` 0, integer and float coordinates, results with and without
boxes, several categories, background detections, score ties)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).parent / "data" / "keypoints"


def load(name: str) -> Any:
    """A committed data file (see ``data/keypoints/README.md``)."""
    return json.loads((DATA / name).read_text())


def _person(rng: np.random.Generator, k: int, around: np.ndarray | None = None) -> dict[str, Any]:
    """One GT: keypoints (integers, invisible ones at 0, 0), a box around the visible ones, area."""
    if around is None:
        w, h = rng.uniform(8, 220), rng.uniform(8, 260)
        x, y = rng.uniform(0, 640 - w), rng.uniform(0, 480 - h)
        kx, ky = rng.uniform(x, x + w, k), rng.uniform(y, y + h, k)
    else:
        kx = around[:, 0] + rng.normal(0, rng.uniform(0.5, 12), k)
        ky = around[:, 1] + rng.normal(0, rng.uniform(0.5, 12), k)
    v = rng.choice([0, 1, 2], size=k, p=[0.25, 0.15, 0.6])
    if rng.random() < 0.12:
        v[:] = 0
    kx, ky = np.round(kx), np.round(ky)
    x0, x1 = float(kx.min()) - rng.uniform(0, 15), float(kx.max()) + rng.uniform(0, 15)
    y0, y1 = float(ky.min()) - rng.uniform(0, 15), float(ky.max()) + rng.uniform(0, 15)
    kx[v == 0], ky[v == 0] = 0, 0
    bbox = [round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2)]
    return {
        "bbox": bbox,
        "area": round(bbox[2] * bbox[3] * rng.uniform(0.3, 0.9), 4),
        "iscrowd": int(rng.random() < 0.04),
        "num_keypoints": int((v > 0).sum()),
        "keypoints": [int(c) for c in np.stack([kx, ky, v], 1).reshape(-1)],
    }


def gt_for_results(results: list[dict[str, Any]], seed: int, k: int = 17) -> dict[str, Any]:
    """A GT for a results list: per image, a person near most results' keypoints, some misses."""
    rng = np.random.default_rng(seed)
    image_ids = sorted({r["image_id"] for r in results})
    anns: list[dict[str, Any]] = []
    for r in results:
        if rng.random() < 0.7:
            pts = np.asarray(r["keypoints"], dtype=np.float64).reshape(-1, 3)[:, :2]
            anns.append({"image_id": r["image_id"], "category_id": r["category_id"], **_person(rng, k, pts)})
    for image_id in image_ids:
        for _ in range(int(rng.integers(0, 3))):
            anns.append({"image_id": image_id, "category_id": 1, **_person(rng, k)})
    for i, a in enumerate(anns):
        a["id"] = i + 1
    return {
        "images": [{"id": i, "height": 480, "width": 640} for i in image_ids],
        "categories": [{"id": 1, "name": "person", "keypoints": [f"k{t}" for t in range(k)]}],
        "annotations": anns,
    }


def generated(
    seed: int, *, n_cat: int = 1, k: int = 17, int_results: bool = False, boxes: bool = False
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A GT and results: persons and their noisy detections, background detections, tied scores."""
    rng = np.random.default_rng(seed)
    images = [{"id": 10 + 3 * i, "height": 480, "width": 640} for i in range(14)]
    cats = [{"id": c + 1, "name": f"c{c}", "keypoints": [f"k{t}" for t in range(k)]} for c in range(n_cat)]
    anns: list[dict[str, Any]] = []
    res: list[dict[str, Any]] = []

    def detect(image_id: int, cat: int, pts: np.ndarray) -> None:
        kp = np.stack([pts[:, 0], pts[:, 1], rng.uniform(0, 1, k)], 1).reshape(-1)
        r: dict[str, Any] = {
            "image_id": image_id,
            "category_id": cat,
            "score": float(np.round(rng.random(), 2)),
            "keypoints": [round(float(c)) for c in kp] if int_results else [float(c) for c in kp],
        }
        if boxes:
            x0, y0 = float(pts[:, 0].min()), float(pts[:, 1].min())
            r["bbox"] = [x0, y0, float(pts[:, 0].max()) - x0, float(pts[:, 1].max()) - y0]
        res.append(r)

    for im in images:
        for _ in range(int(rng.integers(0, 7))):
            cat = int(rng.integers(1, n_cat + 1))
            a = {"id": len(anns) + 1, "image_id": im["id"], "category_id": cat, **_person(rng, k)}
            anns.append(a)
            g = np.asarray(a["keypoints"], dtype=np.float64).reshape(-1, 3)
            bx, by, bw, bh = a["bbox"]
            for _ in range(int(rng.integers(0, 3))):
                fill = np.stack([rng.uniform(bx, bx + bw, k), rng.uniform(by, by + bh, k)], 1)
                base = np.where(g[:, 2:3] > 0, g[:, :2], fill)
                detect(im["id"], cat, base + rng.normal(0, rng.uniform(0.5, 30), (k, 2)))
        for _ in range(int(rng.integers(0, 3))):
            detect(im["id"], int(rng.integers(1, n_cat + 1)), rng.uniform(0, [640, 480], (k, 2)))
    return {"images": images, "categories": cats, "annotations": anns}, res
