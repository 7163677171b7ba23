"""Does active selection save labels? Learning curves on scikit-learn datasets, driven by the service core.

Per seed: split the data (1/3 held out for testing), label 20 random pool assets, then repeat: fit a
logistic regression on the labeled assets, score it on the test split with the service's classification
diagnostics (``curation.core.classification``), and pick the next batch with ``curation.core.sampling``
from the model's pool probabilities and the standardised features (as embeddings). Random is compared
with each single strategy and with candidate mixes.

Reported per strategy:
- labels needed to reach the accuracy random reaches with the full budget, on the seed-averaged curve,
  and the saving ``1 - needed / budget``;
- per seed, the labels needed to reach *that seed's* final random accuracy, as a saving minus random's own
  saving (random also reaches its own final accuracy early on a plateau): mean +- sd over seeds;
- area under the learning curve (mean accuracy over the rounds) with a paired Wilcoxon test vs random.

    python -m bench.label_savings            # digits, breast_cancer, wine; 10 seeds; PNGs in bench/out/
    python -m bench.label_savings --smoke    # digits, 2 seeds, a few rounds
"""

from __future__ import annotations

import os

# Small matrices: one BLAS thread is faster, and threads oversubscribe a shared machine badly.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import ttest_rel, wilcoxon
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from curation.core.classification import single_label_summary
from curation.core.sampling import Dedup, Pool, Strategy, select

OUT = Path(__file__).resolve().parent / "out"


@dataclass(frozen=True)
class Arm:
    name: str
    strategies: tuple[Strategy, ...]
    dedup: Dedup | None = None


DEDUP = Dedup(threshold=0.5, relative=True, k=10)
# The service's default (curation.ops.sampling.DEFAULT_MIX + DEFAULT_DEDUP).
DEFAULT = "default: 80/20 margin/random + dedup"


def arms(full: bool) -> list[Arm]:
    """Random, every single strategy, and the candidate mixes."""
    a = [
        Arm("random", (Strategy("random"),)),
        Arm("margin", (Strategy("uncertainty", measure="margin"),)),
        Arm("margin+dedup", (Strategy("uncertainty", measure="margin"),), DEDUP),
        Arm("kcenter", (Strategy("diversity"),)),
        Arm(
            "mix 50/30/20 margin/kcenter/random",
            (Strategy("uncertainty", 0.5), Strategy("diversity", 0.3), Strategy("random", 0.2)),
        ),
        Arm(
            DEFAULT,
            (Strategy("uncertainty", 0.8), Strategy("random", 0.2)),
            DEDUP,
        ),
    ]
    if full:
        a += [
            Arm("entropy", (Strategy("uncertainty", measure="entropy"),)),
            Arm("least_confidence", (Strategy("uncertainty", measure="least_confidence"),)),
            Arm("hardness", (Strategy("hardness"),)),
            Arm("rarity", (Strategy("rarity"),)),
            Arm("margin+dedup(0.8)", (Strategy("uncertainty", measure="margin"),), Dedup(0.8, relative=True)),
            Arm("stratified(predicted)", (Strategy("stratified"),)),
            Arm(
                "mix 70/20/10 margin/kcenter/random+dedup",
                (Strategy("uncertainty", 0.7), Strategy("diversity", 0.2), Strategy("random", 0.1)),
                DEDUP,
            ),
        ]
    return a


@dataclass(frozen=True)
class Setup:
    name: str
    load: Callable[[], tuple[np.ndarray, np.ndarray]]
    start: int
    batch: int
    budget: int


SETUPS = {
    "digits": Setup("digits", lambda: datasets.load_digits(return_X_y=True), 20, 20, 600),
    "breast_cancer": Setup(
        "breast_cancer", lambda: datasets.load_breast_cancer(return_X_y=True), 20, 10, 200
    ),
    "wine": Setup("wine", lambda: datasets.load_wine(return_X_y=True), 20, 5, 80),
}


def curve(setup: Setup, arm: Arm, seed: int, budget: int) -> tuple[np.ndarray, np.ndarray]:
    """(labels, accuracy) after each round for one arm and seed."""
    x_all, y_all = setup.load()
    k = int(y_all.max()) + 1
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(y_all))
    n_test = len(y_all) // 3
    test, pool_rows = perm[:n_test], perm[n_test:]
    scaler = StandardScaler().fit(x_all[pool_rows])
    xp = scaler.transform(x_all[pool_rows]).astype(np.float32)
    xt = scaler.transform(x_all[test])
    yp, yt = y_all[pool_rows], y_all[test]
    n = len(pool_rows)
    ids = np.array([f"asset-{i}" for i in pool_rows])
    labeled = np.zeros(n, dtype=bool)
    labeled[rng.choice(n, setup.start, replace=False)] = True
    counts, accs = [], []
    while True:
        model = LogisticRegression(max_iter=2000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(xp[labeled], yp[labeled])
        pred = model.classes_[np.argmax(model.predict_proba(xt), axis=1)]
        accs.append(single_label_summary(yt, pred, n_classes=k).accuracy)
        counts.append(int(labeled.sum()))
        if labeled.sum() >= budget or labeled.all():
            break
        probs = np.zeros((n, k))
        probs[:, model.classes_] = model.predict_proba(xp)
        pool = Pool(
            asset_ids=ids,
            labeled=labeled,
            excluded=np.zeros(n, dtype=bool),
            scores=probs,
            labels=np.where(labeled, yp, -1),
            embeddings=xp,
        )
        sel = select(
            pool, list(arm.strategies), min(setup.batch, budget - int(labeled.sum())), seed, dedup=arm.dedup
        )
        labeled = labeled.copy()
        labeled[sel.rows] = True
    return np.array(counts), np.array(accs)


def needed(counts: np.ndarray, acc: np.ndarray, target: float) -> int:
    """First label count whose accuracy reaches ``target`` (the last count when never reached)."""
    hit = np.flatnonzero(acc >= target - 1e-12)
    return int(counts[hit[0]]) if hit.size else int(counts[-1])


def run(setup: Setup, seeds: int, budget: int, full: bool, tag: str = "") -> dict[str, object]:
    results: dict[str, np.ndarray] = {}
    counts = np.zeros(0)
    started = time.perf_counter()
    for arm in arms(full):
        rows = []
        for seed in range(seeds):
            counts, acc = curve(setup, arm, seed, budget)
            rows.append(acc)
        results[arm.name] = np.array(rows)
        print(
            f"  {setup.name:14s} {arm.name:45s} final {results[arm.name][:, -1].mean():.4f}"
            f"  ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    rnd = results["random"]
    target = float(rnd[:, -1].mean())
    span = float(counts[-1])
    report: dict[str, object] = {
        "dataset": setup.name,
        "budget": int(counts[-1]),
        "seeds": seeds,
        "random_final_accuracy": target,
        "strategies": {},
    }
    own_needed = np.array([needed(counts, rnd[s], rnd[s, -1]) for s in range(seeds)])
    aulc_r = np.trapezoid(rnd, counts, axis=1) / (counts[-1] - counts[0])
    print(
        f"\n{setup.name}: random reaches {target:.4f} with {int(counts[-1])} labels ({seeds} seeds); per seed it"
        f" first reaches its own final accuracy at {own_needed.mean():.0f} labels on average"
    )
    report["random_own_needed_mean"] = float(own_needed.mean())
    print(
        f"{'strategy':45s} {'needed':>6s} {'saving':>7s} {'per-seed saving - random own':>29s} "
        f"{'AULC':>7s} {'dAULC':>7s} {'wilcoxon p':>10s} {'ttest p':>8s}"
    )
    for name, acc in results.items():
        n_mean = needed(counts, acc.mean(axis=0), target)
        per_seed = np.array([needed(counts, acc[s], rnd[s, -1]) for s in range(seeds)])
        rel = (own_needed - per_seed) / span
        aulc = np.trapezoid(acc, counts, axis=1) / (counts[-1] - counts[0])
        diff = aulc - aulc_r
        if name != "random" and seeds > 1 and np.any(diff != 0):
            p_w = float(wilcoxon(aulc, aulc_r).pvalue)
            p_t = float(ttest_rel(aulc, aulc_r).pvalue)
        else:
            p_w = p_t = float("nan")
        saving = 1.0 - n_mean / span
        report["strategies"][name] = {  # type: ignore[index]
            "labels_needed_mean_curve": n_mean,
            "saving_mean_curve": saving,
            "per_seed_saving_minus_random_own_mean": float(rel.mean()),
            "per_seed_saving_minus_random_own_sd": float(rel.std(ddof=1)) if seeds > 1 else 0.0,
            "aulc_mean": float(aulc.mean()),
            "aulc_diff_vs_random": float(diff.mean()),
            "wilcoxon_p": p_w,
            "ttest_rel_p": p_t,
            "final_accuracy": float(acc[:, -1].mean()),
        }
        print(
            f"{name:45s} {n_mean:6d} {saving:7.1%} {rel.mean():15.1%} +- {rel.std(ddof=1) if seeds > 1 else 0:6.1%}"
            f"      {aulc.mean():7.4f} {diff.mean():+7.4f} {p_w:10.2g} {p_t:8.2g}"
        )
    plot(setup, counts, results, tag)
    return report


def plot(setup: Setup, counts: np.ndarray, results: dict[str, np.ndarray], tag: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    OUT.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(10, 6.5))
    tab20 = plt.get_cmap("tab20")  # 20 listed colours: tab20(i) is the i-th (opaque)
    for c, (name, acc) in enumerate(results.items()):
        m, s = acc.mean(axis=0), acc.std(axis=0)
        bold = name in ("random", DEFAULT)
        color = "black" if name == "random" else tab20((2 * c) % 20 + (c // 10))
        ax.plot(counts, m, label=name, lw=2.8 if bold else 1.3, color=color, ls="-" if c % 2 == 0 else "--")
        if bold:
            ax.fill_between(counts, m - s, m + s, alpha=0.15, color=color)
    ax.axhline(results["random"][:, -1].mean(), color="grey", ls=":", lw=1)
    ax.set_xlabel("labels")
    ax.set_ylabel("test accuracy")
    ax.set_title(
        f"{setup.name}: learning curves, mean over {acc.shape[0]} seeds (band: +- sd, random and default)"
    )
    ax.legend(fontsize=8, loc="lower right")
    final = float(results["random"][:, -1].mean())
    ax.set_ylim(max(0.0, final - 0.12), min(1.0, final + 0.04))
    fig.tight_layout()
    path = OUT / f"label_savings_{setup.name}{tag}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"plot: {path}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--datasets", nargs="*", default=list(SETUPS))
    args = parser.parse_args(argv)
    reports = []
    if args.smoke:
        setup = SETUPS["digits"]
        reports.append(run(setup, 2, 100, full=False, tag="_smoke"))
    else:
        for name in args.datasets:
            setup = SETUPS[name]
            reports.append(run(setup, args.seeds, setup.budget, full=True))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / ("label_savings_smoke.json" if args.smoke else "label_savings.json")).write_text(
        json.dumps(reports, indent=2)
    )


if __name__ == "__main__":
    main()
