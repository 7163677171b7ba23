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


Arrays = dict[str, Any]


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
    gt = _ground_truth(rng, n_img, K, weights, per_image=gt_per_image, edge_cases=edge_cases)
    dt = _detections(rng, gt, n_img, K, weights, per_image=dt_per_image)
    if tied_scores:
        dt["score"] = np.round(dt["score"], 2)
    if edge_cases and n_img > 3 and K > 3:
        _add_edge_cases(rng, gt, dt, K)
    return DetectionData(
        num_images=n_img,
        num_categories=K,
        gt_image=gt["image"],
        gt_category=gt["cat"],
        gt_box=gt["box"],
        gt_area=gt["area"],
        gt_iscrowd=gt["crowd"],
        dt_image=dt["image"],
        dt_category=dt["cat"],
        dt_box=dt["box"],
        dt_score=dt["score"],
        dt_area=dt["box"][:, 2] * dt["box"][:, 3],
        gt_ignore=gt["ignore"],
        gt_zero_id=None,
    )


def _ground_truth(
    rng: np.random.Generator, n_img: int, K: int, weights: Any, *, per_image: float, edge_cases: bool
) -> Arrays:
    """Long-tailed GT objects of log-uniform sizes, a few crowds and ignore flags."""
    n_gt = rng.poisson(per_image, n_img)
    if edge_cases and n_img > 2:
        n_gt[1] = 0  # an image without GT
    image = np.repeat(np.arange(n_img), n_gt).astype(np.int64)
    G = image.shape[0]
    cat = rng.choice(K, G, p=weights).astype(np.int64)
    if edge_cases and K > 2:
        cat[cat == K - 1] = 0  # last category never annotated
    scale = np.exp(rng.uniform(np.log(4), np.log(400), G))
    wh = scale[:, None] * rng.uniform(0.5, 1.5, (G, 2))
    xy = rng.uniform(0, 640, (G, 2))
    box = np.concatenate([xy, wh], axis=1)
    area = box[:, 2] * box[:, 3] * rng.uniform(0.6, 1.0, G)
    crowd = rng.random(G) < 0.03
    ignore = rng.random(G) < 0.03
    return {"image": image, "cat": cat, "box": box, "area": area, "crowd": crowd, "ignore": ignore}


def _detections(
    rng: np.random.Generator, gt: Arrays, n_img: int, K: int, weights: Any, *, per_image: float
) -> Arrays:
    """Jittered copies of GTs (some with the wrong class), plus background hallucinations."""
    G = gt["image"].shape[0]
    n_true = int(per_image * n_img * 0.5)
    src = rng.integers(0, max(G, 1), n_true) if G else np.zeros(0, np.int64)
    jit = rng.normal(0, 0.15, (src.shape[0], 4)) * np.repeat(gt["box"][src, 2:], 2, axis=1)
    true_box = gt["box"][src] + jit
    true_box[:, 2:] = np.abs(true_box[:, 2:])
    true_cat = np.where(
        rng.random(src.shape[0]) < 0.15, rng.choice(K, src.shape[0], p=weights), gt["cat"][src]
    )
    n_bg = int(per_image * n_img) - src.shape[0]
    bg_image = rng.integers(0, n_img, n_bg)
    bg_scale = np.exp(rng.uniform(np.log(4), np.log(300), n_bg))
    bg_box = np.concatenate(
        [rng.uniform(0, 640, (n_bg, 2)), bg_scale[:, None] * rng.uniform(0.5, 1.5, (n_bg, 2))], axis=1
    )
    return {
        "image": np.concatenate([gt["image"][src], bg_image]).astype(np.int64),
        "box": np.concatenate([true_box, bg_box]),
        "cat": np.concatenate([true_cat, rng.choice(K, n_bg, p=weights)]).astype(np.int64),
        "score": np.concatenate([rng.beta(4, 2, src.shape[0]), rng.beta(2, 4, n_bg)]),
    }


def _add_edge_cases(rng: np.random.Generator, gt: Arrays, dt: Arrays, K: int) -> None:
    """The cases pycocotools handles specially (see the module docstring), written into ``gt``/``dt``."""
    keep = dt["image"] != 2  # an image without detections
    for key in ("image", "box", "cat", "score"):
        dt[key] = dt[key][keep]
    dt["cat"][dt["cat"] == K - 2] = K - 3  # a category never predicted
    # More than 100 detections in one image and category, with ties.
    n_many = 130
    dt["image"] = np.concatenate([dt["image"], np.full(n_many, 0)])
    dt["cat"] = np.concatenate([dt["cat"], np.full(n_many, 0)])
    many = np.concatenate([rng.uniform(0, 600, (n_many, 2)), rng.uniform(5, 80, (n_many, 2))], axis=1)
    dt["box"] = np.concatenate([dt["box"], many])
    dt["score"] = np.concatenate([dt["score"], np.round(rng.random(n_many), 1)])
    if gt["image"].shape[0] >= 6:
        # GT areas on the bucket edges, tiny and huge boxes, a degenerate box.
        gt["area"][0], gt["area"][1], gt["area"][2] = 32.0**2, 96.0**2, 0.0
        gt["box"][3, 2:] = (0.5, 0.5)
        gt["box"][4, 2:] = (3000.0, 2000.0)
        gt["area"][3] = 0.25
        gt["area"][4] = 6e6
        gt["box"][5, 2] = 0.0
        # Detections whose box area is exactly 32**2 / 96**2.
        dt["box"][0, 2:] = (32.0, 32.0)
        dt["box"][1, 2:] = (96.0, 96.0)
        dt["box"][2, 2:] = (0.0, 10.0)


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
