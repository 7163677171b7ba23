"""Helpers of the sklearn classification suite: build a ScoreClassification request from sklearn-style
inputs (any hashable labels, mapped to class indices in sorted order as sklearn's label encoding does),
call the service, and compare its numbers with sklearn's on the same inputs.

Equality: ``same`` is bit-equality (NaN equals NaN); ``close`` allows 1e-12 where the summation order
differs from sklearn's (sample weights: sklearn sums weights through ``np.average``/``coo_matrix`` and
per-class ``bincount``s in an order of its own).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from curation.v1 import classification_pb2 as pb
from tests.conformance.calls import Seam, Served

RPC = "curation.v1.DiagnosticsService/ScoreClassification"
TOL = 1e-12

ZD = {
    "warn": pb.ZERO_DIVISION_UNSPECIFIED,
    0: pb.ZERO_DIVISION_ZERO,
    1: pb.ZERO_DIVISION_ONE,
    "nan": pb.ZERO_DIVISION_NAN,
}
NORMALIZE = {
    None: pb.CONFUSION_NORMALIZATION_UNSPECIFIED,
    "true": pb.CONFUSION_NORMALIZATION_TRUE,
    "pred": pb.CONFUSION_NORMALIZATION_PRED,
    "all": pb.CONFUSION_NORMALIZATION_ALL,
}


def zd_key(zero_division: Any) -> Any:
    """The ZD key of a sklearn ``zero_division`` value (NaN -> "nan")."""
    if isinstance(zero_division, float) and math.isnan(zero_division):
        return "nan"
    return zero_division


def same(ours: Any, theirs: Any, tol: float = 0.0) -> bool:
    """Equal arrays or numbers (NaN == NaN); within ``tol`` when it is not 0."""
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(theirs, dtype=np.float64)
    if a.shape != b.shape:
        return False
    if tol == 0.0:
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.allclose(a, b, rtol=0.0, atol=tol, equal_nan=True))


def close(ours: Any, theirs: Any) -> bool:
    return same(ours, theirs, TOL)


def classes_of(*ys: Any) -> list[Any]:
    """Sorted distinct labels of the label arrays (sklearn ``unique_labels``)."""
    return sorted(set(np.concatenate([np.asarray(y).ravel() for y in ys]).tolist()))


def encode(y: Any, classes: Sequence[Any]) -> list[int]:
    index = {c: i for i, c in enumerate(classes)}
    return [index[v] for v in np.asarray(y).tolist()]


def request(
    *,
    k: int,
    n: int,
    multi: bool = False,
    y_true: Any = None,
    y_pred: Any = None,
    scores: Any = None,
    float32: bool = False,
    probabilities: bool = False,
    sample_weight: Any = None,
    beta: float | None = None,
    zero_division: Any = "warn",
    labels: Sequence[int] | None = None,
    pos_label: int | None = None,
    normalize: str | None = None,
    top_k: Sequence[int] = (),
) -> pb.ScoreClassificationRequest:
    """A request over ``k`` classes named "0".."k-1" and ``n`` assets; matrices flattened row-major."""
    req = pb.ScoreClassificationRequest(
        class_names=[str(i) for i in range(k)],
        asset_ids=[f"a{i}" for i in range(n)],
        task=pb.CLASSIFICATION_TASK_MULTI_LABEL if multi else pb.CLASSIFICATION_TASK_SINGLE_LABEL,
        zero_division=ZD[zd_key(zero_division)],
        confusion_normalization=NORMALIZE[normalize],
        top_k=list(top_k),
    )
    if multi:
        req.y_true_indicator.extend(np.asarray(y_true, dtype=bool).ravel().tolist())
        if y_pred is not None:
            req.y_pred_indicator.extend(np.asarray(y_pred, dtype=bool).ravel().tolist())
    else:
        req.y_true.extend(int(v) for v in y_true)
        if y_pred is not None:
            req.y_pred.extend(int(v) for v in y_pred)
    if scores is not None:
        flat = np.asarray(scores, dtype=np.float32 if float32 else np.float64).ravel().tolist()
        (req.scores if float32 else req.double_scores).extend(flat)
        if probabilities:
            req.score_type = pb.SCORE_TYPE_PROBABILITY
    if sample_weight is not None:
        req.sample_weight.extend(np.asarray(sample_weight, dtype=np.float64).tolist())
    if beta is not None:
        req.beta = beta
    if labels is not None:
        req.labels.extend(labels)
    if pos_label is not None:
        req.pos_label = pos_label
    return req


def call(seam: Seam, req: pb.ScoreClassificationRequest) -> pb.ScoreClassificationResponse:
    return seam.call(RPC, req, pb.ScoreClassificationResponse)


def call_both(served: Served, req: pb.ScoreClassificationRequest) -> pb.ScoreClassificationResponse:
    by_grpc, _ = served.both(RPC, req, pb.ScoreClassificationResponse)
    return by_grpc


def single(
    seam: Seam, y_true: Any, y_pred: Any, *, classes: Sequence[Any] | None = None, **options: Any
) -> tuple[pb.ClassificationSummary, pb.ScoreClassificationResponse]:
    """The summary (and response) of a single-label request from sklearn-style labels."""
    cls = list(classes) if classes is not None else classes_of(y_true, y_pred)
    req = request(
        k=len(cls), n=len(y_true), y_true=encode(y_true, cls), y_pred=encode(y_pred, cls), **options
    )
    response = call(seam, req)
    return response.summary, response


def multi(
    seam: Seam, y_true: Any, y_pred: Any, **options: Any
) -> tuple[pb.ClassificationSummary, pb.ScoreClassificationResponse]:
    """The summary (and response) of a multi-label request from indicator matrices."""
    t = np.asarray(y_true)
    req = request(k=t.shape[1], n=t.shape[0], multi=True, y_true=t, y_pred=y_pred, **options)
    response = call(seam, req)
    return response.summary, response


def per_class(
    summary: pb.ClassificationSummary, field: str, labels: Sequence[int] | None = None
) -> list[float]:
    values = [getattr(c, field) for c in summary.per_class]
    return values if labels is None else [values[i] for i in labels]


def averaged(a: pb.AveragedMetrics, beta: bool = False) -> list[float]:
    out = [a.precision, a.recall, a.f1]
    return [*out, a.f_beta] if beta else out


def confusion(summary: pb.ClassificationSummary, field: str = "counts") -> npt.NDArray[Any]:
    cm = summary.confusion_matrix
    return np.asarray(getattr(cm, field)).reshape(tuple(cm.shape))


def blocks_from_confusion(cm: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """sklearn's multilabel_confusion_matrix blocks [[tn, fp], [fn, tp]] of a k x k matrix."""
    tp = np.diagonal(cm)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    tn = cm.sum() - tp - fp - fn
    return np.stack([tn, fp, fn, tp], axis=1).reshape(-1, 2, 2)


def warning_codes(response: pb.ScoreClassificationResponse) -> set[str]:
    return {w.code for w in response.warnings}
