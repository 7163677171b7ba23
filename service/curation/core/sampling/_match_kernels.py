"""The compiled loop of the greedy box matching (see ``detection_scores``): one pass over box pairs
already in matching order, each matched when both of its boxes are still free.

Greedy matching is sequential by nature (a pair is taken only if no better pair took one of its boxes),
and the rounds of mutually best pairs a numpy version needs can number as many as the boxes of an
image; compiled, the walk is one pass, so matching costs the sort of the pairs. Compilation is cached
on disk (``cache=True``, see :mod:`curation.core._common.jit`); ``warm_up`` compiles it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from curation.core._common.jit import numba

__all__ = ["greedy_match_kernel", "warm_up"]


@numba.njit(cache=True, nogil=True)
def greedy_match_kernel(  # noqa: PLR0917 - numba kernels take their arrays positionally
    pa: npt.NDArray[np.int64],
    pb: npt.NDArray[np.int64],
    iou: npt.NDArray[np.float64],
    free_a: npt.NDArray[np.bool_],
    free_b: npt.NDArray[np.bool_],
    out: npt.NDArray[np.float64],
) -> None:  # pragma: no cover - compiled
    """Walk the pairs in order; a pair whose two boxes are free matches them: ``out[a] = iou``."""
    for t in range(pa.shape[0]):
        a = pa[t]
        b = pb[t]
        if free_a[a] and free_b[b]:
            free_a[a] = False
            free_b[b] = False
            out[a] = iou[t]


def warm_up() -> None:
    """Compile (or load from the disk cache) the kernel."""
    one = np.zeros(1, dtype=np.int64)
    greedy_match_kernel(one, one, np.ones(1), np.ones(1, bool), np.ones(1, bool), np.zeros(1))
