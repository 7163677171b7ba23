"""A stable 64-bit string hash, vectorised over an array of strings.

Used to break ties in ranked lists by something that depends on an item's ID alone (never on its row),
so permuting the input rows never changes a ranking.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["stable_string_hash"]

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def stable_string_hash(values: npt.ArrayLike) -> npt.NDArray[np.uint64]:
    """FNV-1a over the Unicode code points of each string (NUL code points are skipped).

    The loop runs over character positions, not over strings, so it is vectorised over the strings.
    The result depends only on the string itself (never on the widest string in the batch).

    >>> stable_string_hash(["a", "b"]).dtype
    dtype('uint64')
    """
    arr = np.asarray(values, dtype=np.str_)
    n = arr.shape[0]
    width = arr.dtype.itemsize // 4
    out = np.full(n, _FNV_OFFSET, dtype=np.uint64)
    if n == 0 or width == 0:
        return out
    points = np.ascontiguousarray(arr).view(np.uint32).reshape(n, width).astype(np.uint64)
    with np.errstate(over="ignore"):
        for j in range(width):
            col = points[:, j]
            live = col != 0
            mixed = (out ^ col) * _FNV_PRIME
            out = np.where(live, mixed, out)
    return out
