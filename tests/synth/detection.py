"""Synthetic COCO-like detection data, for benchmarks, parity tests and kernel warm-up.

Generates long-tailed categories, jittered true detections, wrong-class and duplicate detections,
background hallucinations, and (with ``edge_cases``) the cases pycocotools handles specially: crowds,
images without GT or without detections, categories never predicted or never annotated, tied scores,
tiny and huge boxes, GT areas exactly on the 32**2 and 96**2 bucket edges, more than 100 detections in
one image and category, degenerate (zero-size) boxes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from curation.core.detection.coco import DetectionData

__all__ = ["synth_detection", "to_coco_dicts"]


def synth_detection(
    seed: int,
    *,
    num_images: int = 50,
    num_categories: int = 8,
    gt_per_image: float = 7.0,
    dt_per_image: float = 40.0,
    edge_cases: bool = True,
    tied_scores: bool = True,
) -> DetectionData:
    """A random evaluation set; ``gt_per_image``/``dt_per_image`` are means."""
    rng = np.random.default_rng(seed)
    n_img, K = num_images, num_categories
    weights = 1.0 / np.arange(1, K + 1)
    weights /= weights.sum()
    n_gt = rng.poisson(gt_per_image, n_img)
    if edge_cases and n_img > 2:
        n_gt[1] = 0  # an image without GT
    gt_image = np.repeat(np.arange(n_img), n_gt).astype(np.int64)
    G = gt_image.shape[0]
    gt_cat = rng.choice(K, G, p=weights).astype(np.int64)
    if edge_cases and K > 2:
        gt_cat[gt_cat == K - 1] = 0  # last category never annotated
    scale = np.exp(rng.uniform(np.log(4), np.log(400), G))
    wh = scale[:, None] * rng.uniform(0.5, 1.5, (G, 2))
    xy = rng.uniform(0, 640, (G, 2))
    gt_box = np.concatenate([xy, wh], axis=1)
    gt_area = gt_box[:, 2] * gt_box[:, 3] * rng.uniform(0.6, 1.0, G)
    gt_crowd = rng.random(G) < 0.03
    gt_ignore = rng.random(G) < 0.03

    # Detections: jittered copies of GTs (some with the wrong class), plus background.
    n_true = int(dt_per_image * n_img * 0.5)
    src = rng.integers(0, max(G, 1), n_true) if G else np.zeros(0, np.int64)
    jit = rng.normal(0, 0.15, (src.shape[0], 4)) * np.repeat(gt_box[src, 2:], 2, axis=1)
    true_box = gt_box[src] + jit
    true_box[:, 2:] = np.abs(true_box[:, 2:])
    true_cat = np.where(rng.random(src.shape[0]) < 0.15, rng.choice(K, src.shape[0], p=weights), gt_cat[src])
    n_bg = int(dt_per_image * n_img) - src.shape[0]
    bg_image = rng.integers(0, n_img, n_bg)
    bg_scale = np.exp(rng.uniform(np.log(4), np.log(300), n_bg))
    bg_box = np.concatenate(
        [rng.uniform(0, 640, (n_bg, 2)), bg_scale[:, None] * rng.uniform(0.5, 1.5, (n_bg, 2))], axis=1
    )
    dt_image = np.concatenate([gt_image[src], bg_image]).astype(np.int64)
    dt_box = np.concatenate([true_box, bg_box])
    dt_cat = np.concatenate([true_cat, rng.choice(K, n_bg, p=weights)]).astype(np.int64)
    dt_score = np.concatenate([rng.beta(4, 2, src.shape[0]), rng.beta(2, 4, n_bg)])
    if tied_scores:
        dt_score = np.round(dt_score, 2)
    if edge_cases and n_img > 3 and K > 3:
        keep = dt_image != 2  # an image without detections
        dt_image, dt_box, dt_cat, dt_score = dt_image[keep], dt_box[keep], dt_cat[keep], dt_score[keep]
        dt_cat[dt_cat == K - 2] = K - 3  # a category never predicted
        # More than 100 detections in one image and category, with ties.
        n_many = 130
        dt_image = np.concatenate([dt_image, np.full(n_many, 0)])
        dt_cat = np.concatenate([dt_cat, np.full(n_many, 0)])
        many = np.concatenate([rng.uniform(0, 600, (n_many, 2)), rng.uniform(5, 80, (n_many, 2))], axis=1)
        dt_box = np.concatenate([dt_box, many])
        dt_score = np.concatenate([dt_score, np.round(rng.random(n_many), 1)])
        if G >= 6:
            # GT areas on the bucket edges, tiny and huge boxes, a degenerate box.
            gt_area[0], gt_area[1], gt_area[2] = 32.0**2, 96.0**2, 0.0
            gt_box[3, 2:] = (0.5, 0.5)
            gt_box[4, 2:] = (3000.0, 2000.0)
            gt_area[3] = 0.25
            gt_area[4] = 6e6
            gt_box[5, 2] = 0.0
            # Detections whose box area is exactly 32**2 / 96**2.
            dt_box[0, 2:] = (32.0, 32.0)
            dt_box[1, 2:] = (96.0, 96.0)
            dt_box[2, 2:] = (0.0, 10.0)
    dt_area = dt_box[:, 2] * dt_box[:, 3]
    return DetectionData(
        num_images=n_img,
        num_categories=K,
        gt_image=gt_image,
        gt_category=gt_cat,
        gt_box=gt_box,
        gt_area=gt_area,
        gt_iscrowd=gt_crowd,
        dt_image=dt_image,
        dt_category=dt_cat,
        dt_box=dt_box,
        dt_score=dt_score,
        dt_area=dt_area,
        gt_ignore=gt_ignore,
        gt_zero_id=None,
    )


def to_coco_dicts(data: DetectionData, *, zero_id_row: int | None = None) -> tuple[dict[str, Any], list[Any]]:
    """The same set as a COCO GT dataset and a results list (image id = index + 1, category id =
    index + 1, annotation id = row + 1 except ``zero_id_row`` which gets id 0). The GT ``ignore`` flags
    are written as pycocotools would read (and discard) them."""
    ids = np.arange(1, data.num_gt + 1)
    if zero_id_row is not None:
        ids[zero_id_row] = 0
    ignore = data.gt_ignore if data.gt_ignore is not None else np.zeros(data.num_gt, bool)
    anns = [
        {
            "id": int(ids[i]),
            "image_id": int(data.gt_image[i]) + 1,
            "category_id": int(data.gt_category[i]) + 1,
            "bbox": [float(v) for v in data.gt_box[i]],
            "area": float(data.gt_area[i]),
            "iscrowd": int(data.gt_iscrowd[i]),
            "ignore": int(ignore[i]),
        }
        for i in range(data.num_gt)
    ]
    gt = {
        "images": [{"id": i + 1, "width": 640, "height": 640} for i in range(data.num_images)],
        "categories": [{"id": k + 1, "name": f"c{k + 1}"} for k in range(data.num_categories)],
        "annotations": anns,
    }
    res = [
        {
            "image_id": int(data.dt_image[i]) + 1,
            "category_id": int(data.dt_category[i]) + 1,
            "bbox": [float(v) for v in data.dt_box[i]],
            "score": float(data.dt_score[i]),
        }
        for i in range(data.num_dt)
    ]
    return gt, res
