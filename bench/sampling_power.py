"""Top-k BALD against power-BALD (stochastic batch acquisition) on a redundant pool, and the cost of the
sample scores, through the service core.

The pool: 2,000 distinct points with S = 10 sampled probability rows each over 10 classes (an ensemble
whose members agree on most points), plus 200 copies of the point with the highest BALD (the same
samples under new asset IDs) -- what a pool full of near-identical frames looks like to a model. A batch
of 50 is picked by top-k BALD (``batch_sampling="top"``) and by the power draw (Kirsch et al., 2023) at
beta 1 and 4 over 20 seeds. Reported: copies of the one point in the batch, distinct points, and the
batch's mean BALD. Then the time of BALD, variation ratio and a power-BALD Select over 100,000 assets x
10 samples x 10 classes.

    python -m bench.sampling_power            # 20 seeds; the 10^5-asset timing
    python -m bench.sampling_power --smoke    # 3 seeds; 10^4 assets
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from curation.core.sampling import Pool, Strategy, bald, select, variation_ratio

S, K = 10, 10


def ensemble(n: int, rng: np.random.Generator) -> np.ndarray:
    """n x S x K rows: a shared logit per point plus member noise that is large on a few points."""
    base = rng.normal(size=(n, 1, K)) * 3
    spread = np.where(rng.uniform(size=(n, 1, 1)) < 0.1, 3.0, 0.3)
    z = base + rng.normal(size=(n, S, K)) * spread
    p: np.ndarray = np.exp(z - z.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return p


def redundant_pool(
    rng: np.random.Generator, distinct: int = 2_000, copies: int = 200
) -> tuple[Pool, np.ndarray]:
    """The pool and each row's base point (the copies share the top point's index)."""
    s = ensemble(distinct, rng)
    top = int(np.argmax(bald(s)))
    samples = np.concatenate([s, np.repeat(s[top : top + 1], copies, axis=0)])
    base = np.concatenate([np.arange(distinct), np.full(copies, top)])
    n = samples.shape[0]
    ids = np.array([f"asset-{i}" for i in range(n)])
    return Pool(ids, np.zeros(n, bool), np.zeros(n, bool), score_samples=samples), base


def compare(seeds: int, batch: int = 50) -> None:
    pool, base = redundant_pool(np.random.default_rng(0))
    assert pool.score_samples is not None
    score = bald(pool.score_samples)
    top_point = base[-1]
    arms = {
        "top-k BALD": Strategy("uncertainty", measure="bald"),
        "power-BALD beta 1": Strategy("uncertainty", measure="bald", batch_sampling="power"),
        "power-BALD beta 4": Strategy("uncertainty", measure="bald", batch_sampling="power", power_beta=4.0),
    }
    print(f"redundant pool: {pool.n} assets, 200 copies of the top-BALD point; batch {batch}; {seeds} seeds")
    print(f"{'arm':<20}{'copies in batch':>16}{'distinct points':>17}{'mean BALD':>11}")
    for name, strategy in arms.items():
        copies, distinct, mean = [], [], []
        for seed in range(seeds):
            rows = select(pool, [strategy], batch, seed).rows
            copies.append(int((base[rows] == top_point).sum()))
            distinct.append(np.unique(base[rows]).size)
            mean.append(float(score[rows].mean()))
        print(f"{name:<20}{np.mean(copies):>16.1f}{np.mean(distinct):>17.1f}{np.mean(mean):>11.3f}")


def timing(n: int) -> None:
    s = ensemble(n, np.random.default_rng(1))
    pool = Pool(np.array([f"a{i}" for i in range(n)]), np.zeros(n, bool), np.zeros(n, bool), score_samples=s)
    strategy = Strategy("uncertainty", measure="bald", batch_sampling="power")
    for name, fn in (
        ("BALD", lambda: bald(s)),
        ("variation ratio", lambda: variation_ratio(s)),
        ("Select power-BALD, batch 100", lambda: select(pool, [strategy], 100, 0)),
    ):
        started = time.perf_counter()
        fn()
        print(f"{name:<30}{n:,} x {S} x {K}: {time.perf_counter() - started:.3f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="3 seeds, 10^4 assets")
    args = parser.parse_args(argv)
    compare(3 if args.smoke else 20)
    timing(10_000 if args.smoke else 100_000)


if __name__ == "__main__":
    main()
