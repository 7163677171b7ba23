"""Chunks of work with a cancellation checkpoint before each: how long core loops stay interruptible.

A loop over many items (images, categories, rows, texts) is cut into consecutive spans ``[lo, hi)``
small enough that one span takes a few milliseconds at most, and :func:`checkpoint` runs before each
span. Compiled kernels cannot call Python, so a kernel is called once per span of the groups it loops
over; each group's result is independent of the others, so the output is bit-identical to one call.

* :func:`spans` -- fixed-size spans (rows of a matrix product, classes of a sort).
* :func:`weighted_spans` -- spans of at most ``budget`` units of estimated work (groups of very
  different sizes, such as (image, category) IoU blocks); an item heavier than the budget is a span
  of its own.
* :func:`timed_spans` -- spans sized by measured time (regular expressions, whose cost per text byte
  depends on the patterns): each span is resized toward ``target`` seconds from the last one's time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from curation.core._common.cancel import checkpoint

__all__ = ["spans", "timed_spans", "weighted_spans"]


def spans(n: int, size: int) -> Iterator[tuple[int, int]]:
    """``[lo, hi)`` spans of ``size`` items covering ``0..n``, a checkpoint before each."""
    step = max(1, int(size))
    for lo in range(0, n, step):
        checkpoint()
        yield lo, min(n, lo + step)


def weighted_spans(weights: npt.ArrayLike, budget: float) -> Iterator[tuple[int, int]]:
    """Consecutive spans of items whose summed ``weights`` stay within ``budget`` (an item heavier than
    the budget alone), a checkpoint before each."""
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    n = w.shape[0]
    ends = np.cumsum(w)
    lo = 0
    while lo < n:
        checkpoint()
        before = float(ends[lo - 1]) if lo else 0.0
        hi = max(lo + 1, int(np.searchsorted(ends, before + budget, side="right")))
        yield lo, min(hi, n)
        lo = hi


def timed_spans(
    n: int, *, first: int = 64, target: float = 0.02, most: int = 1 << 20
) -> Iterator[tuple[int, int]]:
    """Spans of ``0..n`` resized after each one so a span takes about ``target`` seconds (starting at
    ``first`` items, at most ``most``), a checkpoint before each. The consumer's work on a span is
    what is timed, so the spans follow the real cost whatever the input."""
    lo = 0
    size = max(1, first)
    while lo < n:
        checkpoint()
        hi = min(n, lo + size)
        started = time.perf_counter()
        yield lo, hi
        took = time.perf_counter() - started
        if took < target / 4:
            size = min(most, size * 2)
        elif took > target:
            size = max(1, int(size * target / took))
        lo = hi
