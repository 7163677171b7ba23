"""REST JSON mapping: curation.rest.protojson vs google.protobuf.json_format on a big classification body.

Usage: python -m bench.rest_json [--rows N] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np
from google.protobuf import json_format

from curation.rest import protojson
from curation.v1 import classification_pb2 as pb

T = TypeVar("T")


def body(rows: int, k: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    scores = rng.random((rows, k)).astype(np.float32)
    doc = {
        "class_names": [f"c{i}" for i in range(k)],
        "asset_ids": [f"asset-{i}" for i in range(rows)],
        "task": "CLASSIFICATION_TASK_SINGLE_LABEL",
        "y_true": rng.integers(0, k, rows).tolist(),
        "y_pred": rng.integers(0, k, rows).tolist(),
        "scores": [float(x) for x in scores.ravel().astype(str)],
        "score_type": "SCORE_TYPE_PROBABILITY",
        "metadata": [{"key": "site", "values": rng.choice(["a", "b", "c"], rows).tolist()}],
        "slice_by": ["site"],
    }
    return json.dumps(doc).encode()


def response(k: int, page: int, seed: int = 0) -> pb.ScoreClassificationResponse:
    """A big answer: k x k confusion counts (int64), k per-class rows, one page of misclassified assets."""
    rng = np.random.default_rng(seed)
    summary = pb.ClassificationSummary(
        num_assets=10**6,
        accuracy=0.5,
        per_class=[pb.ClassMetrics(class_name=f"c{i}", precision=rng.random(), support=i) for i in range(k)],
        confusion_matrix=pb.ConfusionMatrix(shape=[k, k], counts=rng.integers(0, 1000, k * k).tolist()),
    )
    misclassified = [
        pb.MisclassifiedAsset(
            asset_id=f"asset-{i}", row=i, true_labels=[1], predicted_labels=[2], confidence=0.5
        )
        for i in range(page)
    ]
    return pb.ScoreClassificationResponse(
        summary=summary, misclassified=misclassified, misclassified_total=page
    )


def timed(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The best of ``repeat`` (>= 1) timings of ``fn()``, and what its last call returned."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=4)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    rows = 2_000 if args.smoke else args.rows
    raw = body(rows, args.classes)
    print(f"rows={rows} classes={args.classes} body={len(raw) / 1e6:.1f} MB")
    ours_s, ours = timed(
        lambda: protojson.parse(raw, pb.ScoreClassificationRequest), 1 if not args.smoke else 3
    )
    ref_s, ref = timed(lambda: json_format.Parse(raw, pb.ScoreClassificationRequest()), 1)
    assert ours.SerializeToString(deterministic=True) == ref.SerializeToString(deterministic=True)
    print(f"parse  json_format {ref_s:8.3f} s   protojson {ours_s:8.3f} s   speedup x{ref_s / ours_s:.1f}")
    out_s, out = timed(lambda: protojson.to_dict(ref), 1)
    ref_out_s, ref_out = timed(
        lambda: json_format.MessageToDict(
            ref, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        ),
        1,
    )
    assert out == ref_out
    print(
        f"print  json_format {ref_out_s:8.3f} s   protojson {out_s:8.3f} s   speedup x{ref_out_s / out_s:.1f}  (request)"
    )
    big = response(50 if args.smoke else 1000, 100 if args.smoke else 10_000)
    out_s, out = timed(lambda: protojson.to_dict(big), 3)
    ref_out_s, ref_out = timed(
        lambda: json_format.MessageToDict(
            big, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        ),
        1,
    )
    assert out == ref_out
    print(
        f"print  json_format {ref_out_s:8.3f} s   protojson {out_s:8.3f} s   speedup x{ref_out_s / out_s:.1f}  (response)"
    )


if __name__ == "__main__":
    main()
