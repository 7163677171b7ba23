"""Label models, LF analysis and LF apply against Snorkel on one synthetic matrix with known truth.

    PYTHONPATH=service .venv/bin/python -m bench.label_model            # n = 1,000,000, m = 20, k = 2 and 5
    PYTHONPATH=service .venv/bin/python -m bench.label_model --smoke    # a few seconds (CI)

Data: LF accuracies uniform in 0.55-0.9, coverages in 0.1-0.6, four LFs copy an earlier LF's decision
70% of the time (correlated LFs). Snorkel's LabelModel is fitted with its defaults (500 epochs,
SGD lr 0.01) and predicts with ``tie_break_policy="random"`` (hash of the row); ours break ties by a
hash of the asset ID. Accuracy = hard label equals truth, over all rows. Timings include everything a
caller pays (statistics, fit, probabilities, hard labels). Apply: 20 keyword/metadata/score LFs.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

COPIES = {1: 0, 5: 4, 9: 8, 13: 12}


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def bench_models(n: int, m: int, k: int, epochs: int) -> None:
    from snorkel.labeling import LFAnalysis
    from snorkel.labeling.model import LabelModel, MajorityLabelVoter
    from tests.synth.label_model import synthetic_votes

    from curation.core.labeling import label_model as lm
    from curation.core.labeling.analysis import lf_summary

    data = synthetic_votes(n, m, k, seed=k, copies={a: b for a, b in COPIES.items() if a < m})
    L, y = data.L, data.y
    L64 = L.astype(np.int64)
    ids = np.char.add("asset-", np.arange(n).astype(np.str_))
    print(f"\n== n={n:,} m={m} k={k}")

    def predict(fitted: lm.FittedLabelModel) -> npt.NDArray[np.int64]:
        return lm.hard_labels(lm.predict_proba(fitted, L), tie_break="hash", asset_ids=ids)

    # --- label models: ours
    results: dict[str, tuple[float, float, float]] = {}
    for kind in lm.MODELS:
        fitted, t_fit = _timed(partial(lm.fit_matrix, L, n_classes=k, model=kind, seed=0))
        labels, t_pred = _timed(partial(predict, fitted))
        results[kind] = (float((labels == y).mean()), t_fit, t_pred)
        print(f"ours {kind:<18} acc {results[kind][0]:.4f}  fit {t_fit:7.3f}s  predict {t_pred:7.3f}s")

    # --- Snorkel
    snorkel = LabelModel(cardinality=k, verbose=False)
    _, s_fit = _timed(lambda: snorkel.fit(L64, n_epochs=epochs, seed=123, progress_bar=False))
    s_pred_labels, s_pred = _timed(lambda: snorkel.predict(L64, tie_break_policy="random"))
    s_acc = float((s_pred_labels == y).mean())
    print(f"snorkel LabelModel        acc {s_acc:.4f}  fit {s_fit:7.3f}s  predict {s_pred:7.3f}s")
    mv_labels, s_mv = _timed(
        lambda: MajorityLabelVoter(cardinality=k).predict(L64, tie_break_policy="random")
    )
    mv_acc = float((mv_labels == y).mean())
    print(f"snorkel MajorityLabelVoter acc {mv_acc:.4f}  predict {s_mv:7.3f}s")

    best = max(results, key=lambda name: results[name][0])
    b_acc, b_fit, b_pred = results[best]
    print(
        f"BEST ours={best} acc {b_acc:.4f} vs snorkel {s_acc:.4f} vs majority {mv_acc:.4f}; "
        f"fit+predict {b_fit + b_pred:.3f}s vs snorkel {s_fit + s_pred:.3f}s -> "
        f"{(s_fit + s_pred) / (b_fit + b_pred):.1f}x faster"
    )
    ours_mv = results["majority"][1] + results["majority"][2]
    print(f"majority vote: ours {ours_mv:.3f}s vs snorkel {s_mv:.3f}s -> {s_mv / ours_mv:.1f}x")
    for name, (acc, f, p) in results.items():
        ok = acc >= s_acc and acc >= mv_acc
        print(f"  {name:<18} beats snorkel & MV: {ok}  speedup {(s_fit + s_pred) / (f + p):.1f}x")

    # --- analysis
    gold = y.copy()
    ours_s, t_ours = _timed(lambda: lf_summary(L, gold=gold))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref, t_ref = _timed(lambda: LFAnalysis(L64).lf_summary(Y=gold))
    same = np.allclose(ours_s.conflicts, ref["Conflicts"].to_numpy()) and np.allclose(
        ours_s.empirical_accuracy, ref["Emp. Acc."].to_numpy()
    )
    print(
        f"lf_summary(Y): ours {t_ours:.3f}s vs snorkel {t_ref:.3f}s -> {t_ref / t_ours:.1f}x (equal: {same})"
    )


def bench_apply(n: int) -> None:
    from curation.core import labeling as lfs

    rng = np.random.default_rng(0)
    words = np.array(["refund", "broken", "great", "late", "bike", "night", "cat", "ok", "the", "a"])
    picks = rng.integers(0, len(words), size=(n, 6))
    texts = [" ".join(row) for row in words[picks].tolist()]
    time_of_day = rng.choice(np.array(["day", "night", "dusk", ""]), size=n)
    speed = rng.uniform(0, 100, size=n).astype(np.str_)
    scores = rng.dirichlet(np.ones(3), size=n).astype(np.float32)
    K = lfs.Keyword
    functions = [
        lfs.LabelingFunction("refund", 0, K("text", ("refund",))),
        lfs.LabelingFunction("broken", 0, K("text", ("broken",), whole_word=True)),
        lfs.LabelingFunction("great", 1, K("text", ("great",), case_insensitive=True)),
        lfs.LabelingFunction("late", 0, K("text", (r"lat\w",), regex=True)),
        lfs.LabelingFunction("bike", 2, K("text", ("bike", "bicycle"))),
        lfs.LabelingFunction("cat", 2, K("text", ("cat",), whole_word=True)),
        lfs.LabelingFunction("ok", 1, K("text", ("ok",))),
        lfs.LabelingFunction("night-word", 2, K("text", ("night",))),
        lfs.LabelingFunction("night", 2, lfs.Equals("time_of_day", "night")),
        lfs.LabelingFunction("dark", 2, lfs.InSet("time_of_day", ("night", "dusk"))),
        lfs.LabelingFunction("known-time", 1, lfs.Exists("time_of_day")),
        lfs.LabelingFunction("fast", 0, lfs.Range("speed", 80.0, None)),
        lfs.LabelingFunction("slow", 1, lfs.Range("speed", None, 10.0)),
        lfs.LabelingFunction(
            "fast-night", 0, lfs.All((lfs.Range("speed", 50.0, None), lfs.Equals("time_of_day", "night")))
        ),
        lfs.LabelingFunction("not-day", 2, lfs.Not(lfs.Equals("time_of_day", "day"))),
        lfs.LabelingFunction("pred-0", 0, lfs.PredictedClass(0)),
        lfs.LabelingFunction("pred-1", 1, lfs.PredictedClass(1)),
        lfs.LabelingFunction("score-2", 2, lfs.ScoreAtLeast(2, 0.6)),
        lfs.LabelingFunction("score-0", 0, lfs.ScoreAtLeast(0, 0.7)),
        lfs.LabelingFunction("margin-1", 1, lfs.ScoreWithinMargin(1, 0.05)),
    ]
    inputs = lfs.Inputs(
        n=n,
        texts={"text": texts},
        metadata={"time_of_day": time_of_day, "speed": speed},
        scores=scores,
    )
    result, t = _timed(lambda: lfs.apply(lfs.compile_functions(functions, inputs, n_classes=3), inputs))
    fires = int((result >= 0).sum())
    print(
        f"\n== compile + apply 20 LFs (8 keyword/regex, 7 metadata, 5 score) to {n:,} assets: {t:.3f}s, "
        f"{n / t:,.0f} assets/s, {fires:,} votes"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--m", type=int, default=20)
    parser.add_argument("--k", type=int, nargs="*", default=[2, 5])
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--skip-apply", action="store_true")
    args = parser.parse_args()
    n = 5_000 if args.smoke else args.n
    from curation.core.labeling import warm_up

    warm_up()
    for k in args.k:
        bench_models(n, args.m, k, 50 if args.smoke else args.epochs)
    if not args.skip_apply:
        bench_apply(2_000 if args.smoke else n)


if __name__ == "__main__":
    main()
