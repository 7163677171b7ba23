"""ScoreClassification: validate the request, run the classification core, convert to proto, page.

``evaluate`` (worker thread, cached) builds a ``ClassificationEvaluation`` with every misclassified asset;
``respond`` cuts the requested page out of it. Defaults: ``top_k`` empty -> [1, 3, 5] restricted to
k < number of classes (an explicit k >= classes scores 1.0 with a TOP_K_TRIVIAL warning);
``calibration_bins`` 0 -> 15; ``min_slice_support`` 0 -> 1; ``max_slices_per_key`` 0 -> 50;
``decision_threshold`` absent -> 0.5 for probabilities, 0 otherwise.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from curation.core import classification as core
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.ops.findings import to_warnings
from curation.ops.operation_spec import OperationSpec
from curation.ops.paging import page_bounds
from curation.v1 import classification_pb2 as pb
from curation.v1 import common_pb2

__all__ = ["SPECS", "evaluate", "respond"]

NAME = "curation.v1.DiagnosticsService/ScoreClassification"
DEFAULT_TOP_K = (1, 3, 5)
DEFAULT_BINS = 15
MAX_BINS = 1000
DEFAULT_MAX_SLICES = 50

_SLICE_METRIC = {
    pb.SLICE_METRIC_ACCURACY: "accuracy",
    pb.SLICE_METRIC_MACRO_F1: "macro_f1",
    pb.SLICE_METRIC_MICRO_F1: "micro_f1",
    pb.SLICE_METRIC_WEIGHTED_F1: "weighted_f1",
    pb.SLICE_METRIC_MACRO_RECALL: "macro_recall",
    pb.SLICE_METRIC_MACRO_PRECISION: "macro_precision",
}
_SLICE_METRIC_ENUM = {v_: k_ for k_, v_ in _SLICE_METRIC.items()}


# ---------------------------------------------------------------------------------------- validation
def _nonneg(value: int, field: str, default: int, upper: int | None = None) -> int:
    if value < 0:
        raise InvalidArgument(f"must be >= 0, got {value}", field=field)
    if upper is not None and value > upper:
        raise InvalidArgument(f"must be <= {upper}, got {value}", field=field)
    return value or default


def _top_k(request: pb.ScoreClassificationRequest, k: int, has_scores: bool, multi: bool) -> tuple[int, ...]:
    ks = list(request.top_k)
    for i, kk in enumerate(ks):
        if kk < 1:
            raise InvalidArgument(f"must be >= 1, got {kk}", field=f"top_k[{i}]")
    if ks and (multi or not has_scores):
        raise InvalidArgument("top-k accuracy needs single-label scores", field="top_k")
    if not ks:
        return tuple(kk for kk in DEFAULT_TOP_K if kk < k) if has_scores and not multi else ()
    return tuple(dict.fromkeys(ks))


def _slice_columns(request: pb.ScoreClassificationRequest, n: int) -> list[tuple[str, npt.NDArray[np.str_]]]:
    columns: dict[str, int] = {}
    for i, col in enumerate(request.metadata):
        if not col.key:
            raise InvalidArgument("metadata key must not be empty", field=f"metadata[{i}].key")
        if col.key in columns:
            raise InvalidArgument(f"duplicate metadata key {col.key!r}", field=f"metadata[{i}].key")
        columns[col.key] = i
        v.check_length(len(col.values), n, f"metadata[{i}].values", what="one value per asset")
    out = []
    for j, key in enumerate(request.slice_by):
        if key not in columns:
            raise InvalidArgument(f"no metadata column named {key!r}", field=f"slice_by[{j}]")
        out.append((key, np.asarray(request.metadata[columns[key]].values, dtype=np.str_)))
    return out


# ---------------------------------------------------------------------------------------- to proto
def _averaged(a: core.Averaged) -> pb.AveragedMetrics:
    msg = pb.AveragedMetrics(precision=a.precision, recall=a.recall, f1=a.f1, support=a.support)
    if a.average_precision is not None:
        msg.average_precision = a.average_precision
    return msg


def _summary(s: core.Summary, names: list[str]) -> pb.ClassificationSummary:
    msg = pb.ClassificationSummary(num_assets=s.num_assets, accuracy=s.accuracy)
    msg.top_k.extend(pb.TopKAccuracy(k=k, accuracy=a) for k, a in s.top_k)
    pc = s.per_class
    cols = [
        pc.precision.tolist(),
        pc.recall.tolist(),
        pc.f1.tolist(),
        pc.support.tolist(),
        pc.predicted.tolist(),
    ]
    ap = pc.average_precision.tolist() if pc.average_precision is not None else None
    for i, name in enumerate(names):
        cm = pb.ClassMetrics(
            class_name=name,
            precision=cols[0][i],
            recall=cols[1][i],
            f1=cols[2][i],
            support=cols[3][i],
            predicted=cols[4][i],
        )
        if ap is not None:
            cm.average_precision = ap[i]
        msg.per_class.append(cm)
    msg.averages.micro.CopyFrom(_averaged(s.micro))
    msg.averages.macro.CopyFrom(_averaged(s.macro))
    msg.averages.weighted.CopyFrom(_averaged(s.weighted))
    if s.samples is not None:
        msg.averages.samples.CopyFrom(_averaged(s.samples))
    msg.confusion_matrix.shape.extend(s.confusion_matrix.shape)
    msg.confusion_matrix.counts.extend(s.confusion_matrix.reshape(-1).tolist())
    if s.calibration is not None:
        c = s.calibration
        cal = msg.calibration
        cal.expected_calibration_error = c.expected_calibration_error
        cal.max_calibration_error = c.max_calibration_error
        cal.bins.extend(
            pb.ReliabilityBin(lower=lo, upper=up, count=n, mean_confidence=mc, accuracy=ac)
            for lo, up, n, mc, ac in zip(
                c.lower.tolist(),
                c.upper.tolist(),
                c.count.tolist(),
                c.mean_confidence.tolist(),
                c.accuracy.tolist(),
                strict=True,
            )
        )
    if s.log_loss is not None:
        msg.log_loss = s.log_loss
    if s.hamming_loss is not None:
        msg.hamming_loss = s.hamming_loss
    return msg


# Wire encoding of many small messages at once: building ~10^6 MisclassifiedAsset objects one by one
# costs seconds, so the single-label list is written as protobuf wire bytes with numpy and parsed once.
def _varint_len(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Bytes each non-negative value takes as a protobuf varint."""
    out = np.ones(values.shape[0], dtype=np.int64)
    for j in range(1, 10):
        out += values >= (1 << (7 * j))
    return out


def _put_varint(
    buf: npt.NDArray[np.uint8], at: npt.NDArray[np.int64], values: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Write ``values`` as varints at offsets ``at``; return the offsets just past them."""
    lengths = _varint_len(values)
    unsigned = values.astype(np.uint64)
    for j in range(int(lengths.max(initial=1))):
        live = lengths > j
        byte = (unsigned[live] >> np.uint64(7 * j)) & np.uint64(0x7F)
        more = (lengths[live] - 1 > j).astype(np.uint64) << np.uint64(7)
        buf[at[live] + j] = (byte | more).astype(np.uint8)
    return at + lengths


def _put_byte(buf: npt.NDArray[np.uint8], at: npt.NDArray[np.int64], value: int) -> npt.NDArray[np.int64]:
    buf[at] = value
    return at + 1


def _put_double(
    buf: npt.NDArray[np.uint8], at: npt.NDArray[np.int64], values: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    raw = np.ascontiguousarray(values, dtype="<f8").view(np.uint8).reshape(-1, 8)
    buf[at[:, None] + np.arange(8)] = raw
    return at + 8


def _utf8(strings: list[str]) -> tuple[bytes, npt.NDArray[np.int64]]:
    """The strings' UTF-8 bytes concatenated, and each one's byte length."""
    joined = "".join(strings).encode("utf-8")
    chars = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    if len(joined) == int(chars.sum()):  # all ASCII: bytes == characters
        return joined, chars
    sizes = np.fromiter((len(x.encode("utf-8")) for x in strings), dtype=np.int64, count=len(strings))
    return joined, sizes


def _encode_single_misclassified(
    ids: list[str],
    rows: npt.NDArray[np.int64],
    *,
    true: npt.NDArray[np.int64],
    pred: npt.NDArray[np.int64],
    conf: npt.NDArray[np.float64],
    score: npt.NDArray[np.float64] | None,
) -> bytes:
    """``ClassificationEvaluation`` wire bytes holding only field 3 (``misclassified``), one entry per row.

    Each entry: asset_id (1), row (2), true_labels (3, packed), predicted_labels (4, packed),
    confidence (7) and, with scores, true_class_score (8).
    """
    m = rows.shape[0]
    if m == 0:
        return b""
    id_bytes, id_len = _utf8(ids)
    true_len, pred_len = _varint_len(true), _varint_len(pred)
    body = (
        1 + _varint_len(id_len) + id_len
        + 1 + _varint_len(rows)
        + 2 + true_len
        + 2 + pred_len
        + 9 + (9 if score is not None else 0)
    )  # fmt: skip
    total = 1 + _varint_len(body) + body
    buf = np.zeros(int(total.sum()), dtype=np.uint8)
    at = np.zeros(m, dtype=np.int64)
    np.cumsum(total[:-1], out=at[1:])
    at = _put_byte(buf, at, 0x1A)  # ClassificationEvaluation.misclassified, length-delimited
    at = _put_varint(buf, at, body)
    at = _put_byte(buf, at, 0x0A)  # asset_id
    at = _put_varint(buf, at, id_len)
    owner = np.repeat(np.arange(m), id_len)
    src_start = np.zeros(m, dtype=np.int64)
    np.cumsum(id_len[:-1], out=src_start[1:])
    dest = at[owner] + (np.arange(owner.shape[0]) - src_start[owner])
    buf[dest] = np.frombuffer(id_bytes, dtype=np.uint8)
    at = at + id_len
    at = _put_byte(buf, at, 0x10)  # row
    at = _put_varint(buf, at, rows)
    at = _put_byte(buf, at, 0x1A)  # true_labels, packed
    at = _put_varint(buf, at, true_len)
    at = _put_varint(buf, at, true)
    at = _put_byte(buf, at, 0x22)  # predicted_labels, packed
    at = _put_varint(buf, at, pred_len)
    at = _put_varint(buf, at, pred)
    at = _put_byte(buf, at, 0x39)  # confidence, fixed64
    at = _put_double(buf, at, conf)
    if score is not None:
        at = _put_byte(buf, at, 0x41)  # true_class_score, fixed64
        at = _put_double(buf, at, score)
    return buf.tobytes()


def _labels_of(mat: npt.NDArray[np.bool_]) -> list[list[int]]:
    """Column indices of the True entries of each row, without a Python loop over entries."""
    r, c = np.nonzero(mat)
    splits = np.searchsorted(r, np.arange(1, mat.shape[0]))
    return [part.tolist() for part in np.split(c, splits)]


def _misclassified_multi(
    m: core.Misclassified, ids: npt.NDArray[np.str_], t: npt.NDArray[np.bool_], p: npt.NDArray[np.bool_]
) -> list[pb.MisclassifiedAsset]:
    rows = m.rows
    tr, pr = t[rows], p[rows]
    true_l, pred_l = _labels_of(tr), _labels_of(pr)
    missed, spurious = _labels_of(tr & ~pr), _labels_of(pr & ~tr)
    id_list = ids[rows].tolist()
    conf = m.confidence.tolist()
    return [
        pb.MisclassifiedAsset(
            asset_id=id_list[j],
            row=row,
            true_labels=true_l[j],
            predicted_labels=pred_l[j],
            missed_labels=missed[j],
            spurious_labels=spurious[j],
            confidence=conf[j],
        )
        for j, row in enumerate(rows.tolist())
    ]


# ---------------------------------------------------------------------------------------- evaluate
def evaluate(request: pb.ScoreClassificationRequest) -> pb.ClassificationEvaluation:
    """Validate ``request`` and compute its full evaluation (blocking; runs in a worker thread)."""
    names = list(request.class_names)
    v.check_non_empty(len(names), "class_names")
    v.unique_strings(names, "class_names", allow_empty=False)
    k = len(names)
    v.check_non_empty(len(request.asset_ids), "asset_ids")
    ids = v.unique_strings(request.asset_ids, "asset_ids")
    n = ids.shape[0]
    multi = request.task == pb.CLASSIFICATION_TASK_MULTI_LABEL
    probabilities = request.score_type == pb.SCORE_TYPE_PROBABILITY

    scores = None
    if len(request.scores):
        flat = v.finite_floats(request.scores, "scores")
        scores = v.matrix(flat, n, k, "scores")
        if probabilities:
            (v.unit_interval if multi else v.probability_rows)(scores, "scores")
    elif probabilities:
        raise InvalidArgument("score_type PROBABILITY needs scores", field="scores")

    bins = _nonneg(request.calibration_bins, "calibration_bins", DEFAULT_BINS, MAX_BINS)
    min_support = _nonneg(request.min_slice_support, "min_slice_support", 1)
    max_slices = _nonneg(request.max_slices_per_key, "max_slices_per_key", DEFAULT_MAX_SLICES)
    top_k = _top_k(request, k, scores is not None, multi)
    metric = _SLICE_METRIC.get(request.slice_metric, "micro_f1" if multi else "accuracy")
    if request.slice_metric not in _SLICE_METRIC and request.slice_metric != pb.SLICE_METRIC_UNSPECIFIED:
        raise InvalidArgument(f"unknown slice metric {request.slice_metric}", field="slice_metric")
    columns = _slice_columns(request, n)

    evaluation = pb.ClassificationEvaluation()
    if multi:
        for f in ("y_true", "y_pred"):
            if len(getattr(request, f)):
                raise InvalidArgument("multi-label requests use the *_indicator fields", field=f)
        t = v.bool_matrix(request.y_true_indicator, n, k, "y_true_indicator")
        if request.HasField("decision_threshold"):
            threshold = request.decision_threshold
            if not math.isfinite(threshold):
                raise InvalidArgument("must be finite", field="decision_threshold")
        else:
            threshold = 0.5 if probabilities else 0.0
        if len(request.y_pred_indicator):
            p = v.bool_matrix(request.y_pred_indicator, n, k, "y_pred_indicator")
        elif scores is not None:
            p = scores >= threshold
        else:
            raise InvalidArgument("give y_pred_indicator or scores", field="y_pred_indicator")
        summary = core.multi_label_summary(
            t, p, scores=scores, threshold=threshold, probabilities=probabilities, calibration_bins=bins
        )
        reports = [
            (
                key,
                core.multi_label_slices(
                    vals,
                    t,
                    p,
                    scores=scores,
                    probabilities=probabilities,
                    calibration_bins=bins,
                    metric=metric,
                    min_support=min_support,
                    max_slices=max_slices,
                ),
            )
            for key, vals in columns
        ]
        wrong = core.misclassified_multi_label(t, p, scores=scores, threshold=threshold, asset_ids=ids)
        evaluation.misclassified.extend(_misclassified_multi(wrong, ids, t, p))
    else:
        for f in ("y_true_indicator", "y_pred_indicator"):
            if len(getattr(request, f)):
                raise InvalidArgument("single-label requests use y_true / y_pred", field=f)
        v.check_length(len(request.y_true), n, "y_true", what="one label per asset")
        yt = v.index_array(request.y_true, k, "y_true")
        if len(request.y_pred):
            v.check_length(len(request.y_pred), n, "y_pred", what="one label per asset")
            yp = v.index_array(request.y_pred, k, "y_pred")
        elif scores is not None:
            yp = np.argmax(scores, axis=1).astype(np.int64)
        else:
            raise InvalidArgument("give y_pred or scores", field="y_pred")
        summary = core.single_label_summary(
            yt,
            yp,
            n_classes=k,
            scores=scores,
            probabilities=probabilities,
            top_k=top_k,
            calibration_bins=bins,
        )
        reports = [
            (
                key,
                core.single_label_slices(
                    vals,
                    yt,
                    yp,
                    n_classes=k,
                    scores=scores,
                    probabilities=probabilities,
                    top_k=top_k,
                    calibration_bins=bins,
                    metric=metric,
                    min_support=min_support,
                    max_slices=max_slices,
                ),
            )
            for key, vals in columns
        ]
        wrong = core.misclassified_single_label(yt, yp, scores=scores, asset_ids=ids)
        evaluation.MergeFromString(
            _encode_single_misclassified(
                ids[wrong.rows].tolist(),
                wrong.rows,
                true=yt[wrong.rows],
                pred=yp[wrong.rows],
                conf=wrong.confidence,
                score=wrong.true_class_score,
            )
        )

    evaluation.summary.CopyFrom(_summary(summary, names))
    for key, report in reports:
        sr = evaluation.slices.add(
            key=key, metric=_SLICE_METRIC_ENUM[report.metric], num_values=report.num_values
        )
        for sl in report.slices:
            sr.slices.append(
                pb.SliceSummary(
                    key=key,
                    value=sl.value,
                    support=sl.support,
                    metric=sl.metric,
                    ranked=sl.ranked,
                    summary=_summary(sl.summary, names),
                )
            )
    evaluation.warnings.extend(to_warnings(summary.warnings))
    return evaluation


def respond(
    payload: pb.ClassificationEvaluation,
    request: pb.ScoreClassificationRequest,
    cache_info: common_pb2.CacheInfo,
) -> pb.ScoreClassificationResponse:
    """The page of misclassified assets the request asks for, with the summary, slices and warnings."""
    total = len(payload.misclassified)
    start, stop, next_token = page_bounds(total, request.page_size, request.page_token, cache_info.key_digest)
    response = pb.ScoreClassificationResponse(misclassified_total=total, next_page_token=next_token)
    response.summary.CopyFrom(payload.summary)
    response.slices.extend(payload.slices)
    response.misclassified.extend(payload.misclassified[start:stop])
    response.cache.CopyFrom(cache_info)
    response.warnings.extend(payload.warnings)
    return response


SPECS: list[OperationSpec[Any, Any, Any]] = [
    OperationSpec(
        name=NAME,
        request_type=pb.ScoreClassificationRequest,
        response_type=pb.ScoreClassificationResponse,
        payload_type=pb.ClassificationEvaluation,
        evaluate=evaluate,
        respond=respond,
        paging_fields=("page_size", "page_token"),
    )
]
