"""Does active selection save labels, in every regime? Learning curves driven by the service core.

Four settings (``bench/_al_settings.py``): digits and a hard generated 6-class set, each with logistic
regression and averaged SGD; start 20 random labels, batches of 20, budget 600 (digits) / 450 (hard), 16
seeds. Per seed and round: fit the model on the labeled pool, score the test split with the service's
classification core, then pick the next batch with ``curation.core.sampling`` from the model's pool
probabilities, the standardized features (as embeddings) and the labels of the labeled assets. The
default arm is exactly what Select does when a request names no strategy (``choose_default``).

Reported per strategy and setting (``bench/_al_stats.py``): the saving on the seed-averaged curve (labels
needed to reach random's final accuracy, interpolated, against the budget) with a bootstrap range over
seeds, the per-seed saving mean +- sd, and the AULC difference to random in accuracy points (+- its paired
standard error). ``random (2nd stream)`` is random with other seeds: the noise floor of the savings.
A fifth setting is detection (``bench/label_savings_detection.py``: synthetic images of digits, a
logistic head with localization noise over 5 passes, COCO mAP by the detection core), the same figures
over images labeled.

    python -m bench.label_savings                 # 4 settings + detection x 16 seeds, ~30 min on 2 cores
    python -m bench.label_savings --docs          # ... and write the PNG curves to docs/
    python -m bench.label_savings --smoke         # one setting, 2 seeds, a few rounds
"""

from __future__ import annotations

import os

# Small matrices: one BLAS thread is faster, and threads oversubscribe a shared machine badly.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench import label_savings_detection as detection
from bench._al_settings import SETTINGS, Setting, fit_predict, split
from bench._al_stats import Row, summarize
from curation.core.classification import single_label_summary
from curation.core.sampling import Dedup, Pool, Strategy, choose_default, select

OUT = Path(__file__).resolve().parent / "out"
DOCS = Path(__file__).resolve().parent.parent / "docs"
DEDUP = Dedup(threshold=0.5, relative=True, k=10)
DEFAULT = "default (adaptive)"
NOISE = "random (2nd stream)"


@dataclass(frozen=True)
class Arm:
    name: str
    strategies: tuple[Strategy, ...] = ()
    dedup: Dedup | None = None


ARMS = (
    Arm("random", (Strategy("random"),)),
    Arm(NOISE, (Strategy("random"),)),
    Arm(DEFAULT),
    Arm("margin", (Strategy("uncertainty", measure="margin"),)),
    Arm("margin + dedup", (Strategy("uncertainty", measure="margin"),), DEDUP),
    Arm("least confidence", (Strategy("uncertainty", measure="least_confidence"),)),
    Arm("entropy", (Strategy("uncertainty", measure="entropy"),)),
    Arm("k-center", (Strategy("diversity"),)),
    Arm("typicality", (Strategy("typicality"),)),
    Arm(
        "previous default 80/20 margin/random + dedup",
        (Strategy("uncertainty", 0.8), Strategy("random", 0.2)),
        DEDUP,
    ),
)
SMOKE_ARMS = ("random", DEFAULT, "margin + dedup", "typicality")


def _pick(arm: Arm, pool: Pool, batch: int, seed: int) -> tuple[np.ndarray, str]:
    """The arm's next batch (rows) and, for the default, the regime it detected."""
    if arm.strategies:
        return select(pool, arm.strategies, batch, seed, dedup=arm.dedup).rows, ""
    choice = choose_default(pool, batch, seed)
    sel = select(pool, choice.strategies, batch, seed, dedup=choice.dedup)
    return sel.rows, choice.regime


def curve(setting: Setting, arm: Arm, seed: int, budget: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(labels, test accuracy, regime) after each round for one arm and seed."""
    data = split(setting.dataset, seed)
    n = data.pool_x.shape[0]
    rng = np.random.default_rng(seed)
    labeled = np.zeros(n, dtype=bool)
    labeled[rng.choice(n, setting.start, replace=False)] = True
    ids = np.array([f"asset-{i}" for i in range(n)])
    stream = seed + (1_000_003 if arm.name == NOISE else 0)
    counts: list[int] = []
    accs: list[float] = []
    regimes: list[str] = []
    while True:
        probs, pred = fit_predict(setting.model, seed, data, labeled)
        accs.append(single_label_summary(data.test_y, pred, n_classes=data.classes).accuracy)
        counts.append(int(labeled.sum()))
        if labeled.sum() >= budget:
            break
        pool = Pool(
            asset_ids=ids,
            labeled=labeled,
            excluded=np.zeros(n, dtype=bool),
            scores=probs,
            labels=np.where(labeled, data.pool_y, -1),
            embeddings=data.pool_x,
        )
        rows, regime = _pick(arm, pool, min(setting.batch, budget - int(labeled.sum())), stream)
        regimes.append(regime)
        labeled = labeled.copy()
        labeled[rows] = True
    return np.array(counts), np.array(accs), regimes


def _task(args: tuple[str, str, int, int]) -> tuple[str, str, int, np.ndarray, np.ndarray, list[str]]:
    setting_name, arm_name, seed, budget = args
    arm = next(a for a in ARMS if a.name == arm_name)
    counts, acc, regimes = curve(SETTINGS[setting_name], arm, seed, budget)
    return setting_name, arm_name, seed, counts, acc, regimes


def run(
    settings: Sequence[Setting], arms: Sequence[str], seeds: int, budget: int | None, workers: int
) -> dict[str, dict[str, object]]:
    """Every (setting, arm, seed) curve, in worker processes; then the figures per setting."""
    tasks = [(s.name, a, seed, budget or s.budget) for s in settings for a in arms for seed in range(seeds)]
    curves: dict[tuple[str, str], dict[int, np.ndarray]] = {}
    counts: dict[str, np.ndarray] = {}
    regimes: dict[tuple[str, str], list[list[str]]] = {}
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done, (sname, aname, seed, c, acc, reg) in enumerate(pool.map(_task, tasks), start=1):
            curves.setdefault((sname, aname), {})[seed] = acc
            counts[sname] = c
            regimes.setdefault((sname, aname), []).append(reg)
            if done % max(1, len(tasks) // 20) == 0:
                print(f"  {done}/{len(tasks)} curves ({time.perf_counter() - started:.0f} s)", flush=True)
    report: dict[str, dict[str, object]] = {}
    for s in settings:
        by_arm = {a: np.array([curves[(s.name, a)][i] for i in range(seeds)]) for a in arms}
        rows = [summarize(a, counts[s.name], by_arm[a], by_arm["random"]) for a in arms]
        report[s.name] = {
            "counts": counts[s.name].tolist(),
            "curves": {a: by_arm[a].mean(axis=0).tolist() for a in arms},
            "rows": [asdict(r) for r in rows],
            "default_regimes": _regime_shares(regimes.get((s.name, DEFAULT), [])),
        }
        _print_table(s, rows, seeds, report[s.name]["default_regimes"])
    return report


DETECTION = Setting("detection (synthetic, mAP)", "detection", "logistic head", 20, 20, 400)


def _detection_task(args: tuple[str, int, bool]) -> tuple[str, int, np.ndarray, np.ndarray]:
    arm, seed, smoke = args
    counts, maps = detection.curve(arm, seed, smoke=smoke)
    return arm, seed, counts, maps


def run_detection(seeds: int, workers: int, smoke: bool = False) -> dict[str, object]:
    """The detection setting (``bench/label_savings_detection.py``: images labeled, COCO mAP), every arm,
    summarized like the classification settings."""
    arms = (detection.ARMS[0], detection.DEFAULT, *detection.ARMS[2:]) if not smoke else detection.ARMS[:2]
    tasks = [(a, seed, smoke) for a in arms for seed in range(seeds)]
    curves: dict[str, dict[int, np.ndarray]] = {}
    counts = np.zeros(0)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for arm, seed, c, maps in pool.map(_detection_task, tasks):
            curves.setdefault(arm, {})[seed] = maps
            counts = c
    by_arm = {a: np.array([curves[a][i] for i in range(seeds)]) for a in arms}
    rows = [summarize(a, counts, by_arm[a], by_arm["random"]) for a in arms]
    _print_table(DETECTION, rows, seeds, {"detection": 1.0})
    return {
        "counts": counts.tolist(),
        "curves": {a: by_arm[a].mean(axis=0).tolist() for a in arms},
        "rows": [asdict(r) for r in rows],
        "default_regimes": {"detection": 1.0},
    }


def _regime_shares(per_seed: list[list[str]]) -> dict[str, float]:
    """How often the default detected each regime, over all rounds and seeds."""
    flat = [r for seed in per_seed for r in seed]
    return {name: flat.count(name) / len(flat) for name in sorted(set(flat))}


def _print_table(setting: Setting, rows: list[Row], seeds: int, regimes: object) -> None:
    print(f"\n{setting.name}: {seeds} seeds; default regimes {regimes}")
    print(
        f"{'strategy':46s} {'saving':>7s} {'range':>15s} {'per seed':>15s} {'dAULC pts':>14s} {'final':>6s}"
    )
    for r in rows:
        print(
            f"{r.name:46s} {r.saving:7.1%} [{r.saving_low:5.1%},{r.saving_high:6.1%}]"
            f" {r.per_seed_mean:6.1%} +- {r.per_seed_sd:5.1%} {r.daulc_points:+6.2f} +- {r.daulc_se:4.2f}"
            f" {r.final:6.3f}",
            flush=True,
        )


def plot(report: dict[str, dict[str, object]], out: Path, tag: str = "") -> None:
    """One PNG per setting: the seed-averaged learning curves, random and the default in bold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    for name, rep in report.items():
        counts = np.array(rep["counts"])
        fig, ax = plt.subplots(figsize=(9, 6))
        tab10 = plt.get_cmap("tab10")
        for c, (arm, mean) in enumerate(rep["curves"].items()):  # type: ignore[attr-defined]
            bold = arm in ("random", DEFAULT)
            color = "black" if arm == "random" else tab10(c % 10)
            ax.plot(counts, mean, label=arm, lw=2.8 if bold else 1.2, color=color, ls="-" if c % 2 else "--")
        det = "mAP" in name
        ax.set_xlabel("images labeled" if det else "labels")
        ax.set_ylabel("test mAP@[.5:.95]" if det else "test accuracy")
        ax.set_title(f"{name}: mean learning curves")
        ax.legend(fontsize=8, loc="lower right")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        slug = name.split(" (")[0].replace(" / ", "_").replace(" ", "_").replace("-", "")
        fig.savefig(out / f"label_savings_{slug}{tag}.png", dpi=100)
        plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--settings", nargs="*", default=[*SETTINGS, "detection"])
    parser.add_argument("--arms", nargs="*", default=[a.name for a in ARMS])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--docs", action="store_true", help="write the PNG curves to docs/")
    args = parser.parse_args(argv)
    if args.smoke:
        report = run([SETTINGS["hard 6-class / logistic"]], SMOKE_ARMS, 2, 80, 1)
        report[DETECTION.name] = run_detection(1, 1, smoke=True)
    else:
        chosen = [SETTINGS[s] for s in args.settings if s != "detection"]
        report = run(chosen, args.arms, args.seeds, None, args.workers) if chosen else {}
        if "detection" in args.settings:
            report[DETECTION.name] = run_detection(args.seeds, args.workers)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / ("label_savings_smoke.json" if args.smoke else "label_savings.json")).write_text(
        json.dumps(report, indent=1)
    )
    plot(report, DOCS if args.docs else OUT, "_smoke" if args.smoke else "")


if __name__ == "__main__":
    main()
