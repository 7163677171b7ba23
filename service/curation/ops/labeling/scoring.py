"""Gold-label scores of a label model's predictions (Snorkel's ``LabelModel.score``): the request's gold
labels and metrics validated, and the core's scores as a ``LabelModelScore``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from curation.core.labeling import score
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.v1 import labeling_pb2 as pb

__all__ = ["METRIC_NAMES", "Scoring", "score_proto", "scoring"]

METRIC_NAMES: dict[int, str] = {
    pb.LABEL_MODEL_METRIC_UNSPECIFIED: "accuracy",
    pb.LABEL_MODEL_METRIC_ACCURACY: "accuracy",
    pb.LABEL_MODEL_METRIC_COVERAGE: "coverage",
    pb.LABEL_MODEL_METRIC_PRECISION: "precision",
    pb.LABEL_MODEL_METRIC_RECALL: "recall",
    pb.LABEL_MODEL_METRIC_F1: "f1",
    pb.LABEL_MODEL_METRIC_F1_MICRO: "f1_micro",
    pb.LABEL_MODEL_METRIC_F1_MACRO: "f1_macro",
    pb.LABEL_MODEL_METRIC_MATTHEWS_CORRCOEF: "matthews_corrcoef",
    pb.LABEL_MODEL_METRIC_ROC_AUC: "roc_auc",
}
_BINARY = (
    pb.LABEL_MODEL_METRIC_PRECISION,
    pb.LABEL_MODEL_METRIC_RECALL,
    pb.LABEL_MODEL_METRIC_F1,
    pb.LABEL_MODEL_METRIC_ROC_AUC,
)


@dataclass(frozen=True, slots=True)
class Scoring:
    """Validated gold labels (``[-1, k)``) and metric enums (in request order, default accuracy)."""

    gold: npt.NDArray[np.int64]
    metrics: tuple[int, ...]


def scoring(gold: Sequence[int], metrics: Sequence[int], *, n: int, k: int, multi: bool) -> Scoring | None:
    """The request's scoring, or None without gold labels; metrics without gold are refused, as are
    binary metrics for more than two classes and scores of multi-label tasks."""
    if not len(gold):
        if len(metrics):
            raise InvalidArgument("metrics need gold labels", field="metrics")
        return None
    if multi:
        raise InvalidArgument("scores are for single-label tasks", field="gold")
    v.check_length(len(gold), n, "gold", what="one per row")
    labels = v.index_array(gold, k, "gold", lower=-1)
    chosen = tuple(int(x) for x in metrics) or (pb.LABEL_MODEL_METRIC_ACCURACY,)
    for i, metric in enumerate(chosen):
        if metric not in METRIC_NAMES:
            raise InvalidArgument(f"unknown metric {metric}", field=f"metrics[{i}]")
        if k != 2 and metric in _BINARY:
            raise InvalidArgument("precision, recall, f1 and roc_auc need two classes", field=f"metrics[{i}]")
    return Scoring(labels, chosen)


def score_proto(
    s: Scoring, hard: npt.NDArray[np.int64], probs: npt.NDArray[np.float64]
) -> pb.LabelModelScore:
    """The scores of hard labels and probabilities against the gold labels, one per requested metric."""
    values = score(s.gold, hard, probs, [METRIC_NAMES[m] for m in s.metrics])
    out = pb.LabelModelScore()
    for metric in s.metrics:
        out.values.add(metric=metric, value=values[METRIC_NAMES[metric]])
    return out
