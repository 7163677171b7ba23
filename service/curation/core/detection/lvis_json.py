"""The LVIS keys of a GT file (COCO JSON plus per-image and per-category labels) as :class:`LvisLabels`.

Each image's ``neg_category_ids`` and ``not_exhaustive_category_ids`` (lists of category ids; absent =
empty) and each category's ``frequency`` (``"r"``, ``"c"`` or ``"f"``; absent = in no group). An id
that names no category of the file is left out (``LVISEval`` only ever tests membership); a
malformed entry is a :class:`~curation.core.detection.coco_json.CocoFormatError` naming it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from curation.core._common.arrays import BoolArray
from curation.core.detection.coco_json import CocoFormatError
from curation.core.detection.lvis import FREQUENCY_CODES, LvisLabels, top_per_image

__all__ = ["lvis_cut_from_json", "lvis_labels_from_json"]


def lvis_labels_from_json(gt: dict[str, Any], image_ids: list[Any], category_ids: list[Any]) -> LvisLabels:
    """The federated labels of a parsed LVIS GT file, in evaluation indices (``image_ids`` and
    ``category_ids`` as the COCO reading sorted them)."""
    img_index = {v: i for i, v in enumerate(image_ids)}
    cat_index = {v: i for i, v in enumerate(category_ids)}
    pairs: dict[str, tuple[list[int], list[int]]] = {
        "neg_category_ids": ([], []),
        "not_exhaustive_category_ids": ([], []),
    }
    for j, im in enumerate(gt.get("images", [])):
        ii = img_index[im["id"]]
        for key, (imgs, cats) in pairs.items():
            ids = im.get(key, [])
            if not isinstance(ids, list):
                raise CocoFormatError("must be a list of category ids", f"coco_gt.images[{j}].{key}")
            try:
                kept = [cat_index[c] for c in ids if c in cat_index]
            except TypeError:
                raise CocoFormatError(
                    "must be a list of category ids", f"coco_gt.images[{j}].{key}"
                ) from None
            imgs.extend([ii] * len(kept))
            cats.extend(kept)
    frequency = np.zeros(len(category_ids), np.int64)
    for j, c in enumerate(gt.get("categories", [])):
        f = c.get("frequency")
        if f is None:
            continue
        if f not in FREQUENCY_CODES:
            raise CocoFormatError('must be "r", "c" or "f"', f"coco_gt.categories[{j}].frequency")
        frequency[cat_index[c["id"]]] = FREQUENCY_CODES[f]
    neg, nel = pairs["neg_category_ids"], pairs["not_exhaustive_category_ids"]
    return LvisLabels(
        neg_image=np.array(neg[0], np.int64),
        neg_category=np.array(neg[1], np.int64),
        not_exhaustive_image=np.array(nel[0], np.int64),
        not_exhaustive_category=np.array(nel[1], np.int64),
        frequency=frequency,
    )


def lvis_cut_from_json(results: list[Any], max_dets: int) -> BoolArray:
    """Per result of the list: kept by ``LVISResults``' per-image cut, decided over every result (those
    naming a category absent from the GT file included, as LVIS counts them)."""
    image_index: dict[Any, int] = {}
    image = np.empty(len(results), np.int64)
    score = np.empty(len(results), np.float64)
    for j, r in enumerate(results):
        image[j] = image_index.setdefault(r.get("image_id"), len(image_index))
        s = r.get("score")
        if isinstance(s, bool) or not isinstance(s, int | float):
            raise CocoFormatError("score must be a number", f"coco_results[{j}].score")
        score[j] = s
    return top_per_image(image, score, max_dets)
