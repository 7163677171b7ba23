"""Box IoU shared by the families: elementwise over aligned pairs of (x, y, w, h) boxes.

The detection family has its own pycocotools-exact IoU over (image, category) blocks; the families are
independent of each other, so the sampling family's box disagreement uses this small one.
"""

from __future__ import annotations

import numpy as np

from curation.core._common.arrays import FloatArray

__all__ = ["paired_iou"]


def paired_iou(a: FloatArray, b: FloatArray) -> FloatArray:
    """IoU of ``a[i]`` with ``b[i]``: both m x 4 arrays of (x, y, w, h); 0 where the union is empty.

    >>> paired_iou(np.array([[0.0, 0, 2, 2]]), np.array([[1.0, 0, 2, 2]])).round(4).tolist()
    [0.3333]
    """
    ix = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    iy = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    inter = np.clip(ix, 0.0, None) * np.clip(iy, 0.0, None)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    out: FloatArray = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return out
