"""The classification report on 10M single-label predictions over 100 classes: ours vs sklearn vs bincount.

Times sklearn ``classification_report`` + ``confusion_matrix`` (labels = all classes), a bare
``np.bincount(y_true * k + y_pred, minlength=k * k)``, and ``curation.core.classification``
(confusion matrix + full per-class report + averages), on the same arrays, and prints the ratios.
Targets: >= 50x faster than sklearn, <= 2x the bare bincount. For information it also times the full
ops ``evaluate`` path (proto in -> proto out) at 1M rows with probabilities.

    python -m bench.classification_report           # 10,000,000 rows (sklearn takes seconds)
    python -m bench.classification_report --smoke   # 20,000 rows
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def ops_request(n: int, k: int, seed: int = 1) -> Any:
    from curation.v1 import classification_pb2 as pb

    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)).astype(np.float32)
    logits[np.arange(n), y] += 1.5
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    req = pb.ScoreClassificationRequest(
        class_names=[f"class_{i}" for i in range(k)],
        task=pb.CLASSIFICATION_TASK_SINGLE_LABEL,
        score_type=pb.SCORE_TYPE_PROBABILITY,
        slice_by=["region"],
    )
    req.asset_ids.extend(f"asset-{i}" for i in range(n))
    req.y_true.extend(y.tolist())
    req.scores.extend(probs.ravel().tolist())
    req.metadata.add(key="region").values.extend(
        np.array(["north", "south", "east", "west"])[rng.integers(0, 4, n)].tolist()
    )
    return pb.ScoreClassificationRequest.FromString(req.SerializeToString())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    args = parser.parse_args(argv)
    from sklearn.metrics import classification_report, confusion_matrix

    from curation.core.classification import single_label_summary
    from curation.ops.classification import evaluate

    n = 20_000 if args.smoke else 10_000_000
    k = 100
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, k, n)
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, k, n))
    labels = list(range(k))
    repeat = 3 if args.smoke else 5

    def sklearn_run() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            classification_report(y_true, y_pred, labels=labels, zero_division=0, output_dict=True)
            confusion_matrix(y_true, y_pred, labels=labels)

    def bincount_run() -> None:
        np.bincount(y_true * k + y_pred, minlength=k * k)

    def ours_run() -> None:
        single_label_summary(y_true, y_pred, n_classes=k)

    ours = single_label_summary(y_true, y_pred, n_classes=k)
    assert np.array_equal(ours.confusion_matrix, confusion_matrix(y_true, y_pred, labels=labels))
    t_sk = best_of(sklearn_run, 1 if not args.smoke else 2)
    t_bc = best_of(bincount_run, repeat)
    t_ours = best_of(ours_run, repeat)
    print(f"rows={n:,} classes={k}")
    print(f"sklearn classification_report+confusion_matrix: {t_sk * 1e3:9.1f} ms")
    print(f"bare np.bincount(y_true*k+y_pred):               {t_bc * 1e3:9.1f} ms")
    print(f"curation core single_label_summary:              {t_ours * 1e3:9.1f} ms")
    print(f"speed-up vs sklearn: {t_sk / t_ours:.1f}x (target >= 50x)")
    print(f"ours / bare bincount: {t_ours / t_bc:.2f} (target <= 2)")

    n_ops = 20_000 if args.smoke else 1_000_000
    request = ops_request(n_ops, 10)
    t_ops = best_of(lambda: evaluate(request), 1)
    print(
        f"ops evaluate (proto in -> proto out), {n_ops:,} rows x 10 classes, probabilities, 1 slice key: "
        f"{t_ops * 1e3:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
