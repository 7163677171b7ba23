"""Select's per-item predictions beyond the score matrix: score samples and a detector's boxes.

Each is validated field by field (the first bad entry named ``field[index]``); sizes were checked
against their maxima by the cost function before (``cost``), so nothing here allocates beyond them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from curation.core.sampling import Detections
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.v1 import sampling_pb2 as pb

__all__ = ["detections", "num_samples", "score_samples"]


def num_samples(request: pb.SelectRequest) -> int:
    """``num_samples`` (>= 0; 0 = none, one pass)."""
    s = int(request.num_samples)
    if s < 0:
        raise InvalidArgument("must be >= 0", field="num_samples")
    return s


def score_samples(request: pb.SelectRequest, n: int, k: int, s: int) -> npt.NDArray[np.float64] | None:
    """The n x S x k probability rows of ``score_samples``, or None when not sent."""
    if not len(request.score_samples):
        return None
    if k < 1:
        raise InvalidArgument("must be >= 1 when score_samples are given", field="num_classes")
    if s < 1:
        raise InvalidArgument("must be >= 1 when score_samples are given", field="num_samples")
    flat = v.finite_floats(request.score_samples, "score_samples")
    rows = v.matrix(flat, n * s, k, "score_samples")
    v.probability_rows(rows, "score_samples")
    return rows.reshape(n, s, k).astype(np.float64)


def detections(request: pb.SelectRequest, n: int, s: int) -> Detections | None:
    """The validated boxes of ``detections``, or None when the message is absent."""
    if not request.HasField("detections"):
        return None
    d = request.detections
    m = len(d.image_index)
    image = v.index_array(d.image_index, n, "detections.image_index")
    boxes = v.matrix(v.finite_floats(d.boxes, "detections.boxes"), m, 4, "detections.boxes")
    negative = np.flatnonzero((boxes[:, 2:] < 0).reshape(-1))
    if negative.size:
        row, col = divmod(int(negative[0]), 2)
        raise InvalidArgument("width and height must be >= 0", field=f"detections.boxes[{4 * row + 2 + col}]")
    kd = int(d.num_classes)
    if kd < 1:
        raise InvalidArgument("must be >= 1 (1: each box's top score)", field="detections.num_classes")
    scores = v.matrix(
        v.finite_floats(d.class_scores, "detections.class_scores"), m, kd, "detections.class_scores"
    )
    if kd == 1:
        v.unit_interval(scores, "detections.class_scores")
    else:
        v.probability_rows(scores, "detections.class_scores")
    passes = max(s, 1)
    sample = None
    if len(d.sample_index):
        v.check_length(len(d.sample_index), m, "detections.sample_index")
        sample = v.index_array(d.sample_index, passes, "detections.sample_index")
    return Detections(
        image=image,
        boxes=boxes.astype(np.float64),
        class_scores=scores.astype(np.float64),
        sample=sample,
        num_samples=passes,
    )
