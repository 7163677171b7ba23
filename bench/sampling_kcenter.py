"""Greedy k-center: the service core vs the plain norm-trick/gemv loop and the naive numpy loop.

Same data, same run: Gaussian float32 vectors, k picks with no labeled set. Prints seconds, the ratio to
each peer, whether the picks agree with the gemv peer, and peak traced memory (numpy allocations,
tracemalloc) beyond the input matrix. The naive peer (``np.linalg.norm(x - c, axis=1)`` per pick) is timed
on the first 100 picks and scaled to k (its cost per pick is constant).

    python -m bench.sampling_kcenter           # 1,000 from 100,000 x 128 and from 1,000,000 x 128
    python -m bench.sampling_kcenter --smoke   # 50 from 5,000 x 32
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from curation.core.sampling.kcenter import kcenter_greedy


def gemv_peer(x: np.ndarray, k: int) -> list[int]:
    """The reference norm-trick loop: one gemv per pick, temporaries allocated each time."""
    sq = np.einsum("ij,ij->i", x, x)
    mind = np.full(x.shape[0], np.inf, dtype=np.float32)
    picks = [0]
    for _ in range(k - 1):
        c = picks[-1]
        mind = np.minimum(mind, sq + sq[c] - 2 * (x @ x[c]))
        mind[picks] = -np.inf
        picks.append(int(np.argmax(mind)))
    return picks


def naive_peer(x: np.ndarray, k: int) -> list[int]:
    mind = np.full(x.shape[0], np.inf)
    picks = [0]
    for _ in range(k - 1):
        mind = np.minimum(mind, np.linalg.norm(x - x[picks[-1]], axis=1))
        mind[picks] = -np.inf
        picks.append(int(np.argmax(mind)))
    return picks


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    tracemalloc.start()
    started = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, seconds, peak / 2**20


def run(n: int, d: int, k: int, peers: bool) -> float:
    x = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
    # The same first pick for everyone: the peers start at row 0, so make row 0 the smallest tie key.
    keys = np.arange(n, dtype=np.uint64)
    ours, t_ours, mem = timed(lambda: kcenter_greedy(x, k, tie_keys=keys))
    line = f"n={n:>9,} d={d} k={k}: ours {t_ours:7.2f} s (peak +{mem:6.1f} MiB)"
    if peers:
        ref, t_ref, mem_ref = timed(lambda: gemv_peer(x, k))
        agree = float(np.mean(np.asarray(ref) == ours.rows))
        line += f" | gemv {t_ref:7.2f} s (peak +{mem_ref:6.1f} MiB) ratio {t_ref / t_ours:5.2f}x, same picks {agree:.0%}"
        kn = min(k, 100)
        _, t_naive, _ = timed(lambda: naive_peer(x, kn))
        t_naive *= k / kn
        line += f" | naive ~{t_naive:7.2f} s ratio {t_naive / t_ours:5.1f}x"
    print(line, flush=True)
    return t_ours


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        run(5_000, 32, 50, peers=True)
        return
    t1 = run(100_000, 128, 1_000, peers=True)
    t2 = run(1_000_000, 128, 1_000, peers=False)
    print(f"1M / 100k time ratio {t2 / t1:.1f} (10 = linear in n)")


if __name__ == "__main__":
    main()
