"""Input checks shared by the classification metrics, in the manner of sklearn's ``_check_targets``:
each returns a clean array or raises ``ValueError`` naming the argument (and the first bad index)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray, FloatArray, IntArray

__all__ = ["AnyFloat", "check_indicator", "check_labels", "check_scores", "check_weights"]

AnyFloat = npt.NDArray[np.floating]


def check_labels(y: npt.ArrayLike, n_classes: int, name: str) -> IntArray:
    """A 1-d integer array of class indices in ``[0, n_classes)``."""
    arr = np.asarray(y)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be a 1-d integer array")
    if arr.size:
        # One pass: negative values wrap to huge unsigned values.
        unsigned = arr.view(np.dtype(f"u{arr.dtype.itemsize}"))
        if int(unsigned.max()) >= n_classes:
            bad = int(np.flatnonzero((arr < 0) | (arr >= n_classes))[0])
            raise ValueError(f"{name}[{bad}] = {int(arr[bad])} is outside [0, {n_classes})")
    return arr


def check_scores(scores: npt.ArrayLike | None, n: int, k: int) -> AnyFloat | None:
    """An ``n x k`` finite float matrix (None stays None)."""
    if scores is None:
        return None
    arr = np.asarray(scores)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if arr.shape != (n, k):
        raise ValueError(f"scores must have shape ({n}, {k}), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("scores must be finite")
    return arr


def check_indicator(y: npt.ArrayLike, name: str, shape: tuple[int, int] | None) -> BoolArray:
    """An ``n x k`` 0/1 indicator matrix as booleans (of ``shape`` when given)."""
    arr = np.asarray(y)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be an n x k indicator matrix")
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if arr.dtype != np.bool_:
        if arr.size and not np.isin(arr, (0, 1)).all():
            raise ValueError(f"{name} must hold only 0 and 1")
        arr = arr.astype(bool)
    return arr


def check_weights(weights: npt.ArrayLike | None, n: int) -> FloatArray | None:
    """``n`` non-negative finite float64 sample weights (None stays None)."""
    if weights is None:
        return None
    arr = np.asarray(weights, dtype=np.float64)
    if arr.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), got {arr.shape}")
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"sample_weight[{i}] = {arr[i]} is not a finite non-negative weight")
    return arr
