"""The classification core's results as ``curation.v1`` messages: summaries, slices and the ranked list
of misclassified assets.

The single-label misclassified list can hold a million entries: it is written as protobuf wire bytes
with numpy (``curation.protowire``) and parsed once, instead of building a message per asset.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from google.protobuf.message import Message

from curation.core import classification as core
from curation.internal.v1 import classification_pb2 as ipb
from curation.protowire import (
    WireType,
    put_bytes,
    put_double,
    put_varint,
    tag,
    utf8_lengths,
    varint_sizes,
)
from curation.v1 import classification_pb2 as pb

__all__ = [
    "add_misclassified_single_label",
    "misclassified_multi_label",
    "misclassified_single_label_bytes",
    "slice_reports",
    "summary",
]

IntArray = npt.NDArray[np.int64]
# Up to this many misclassified assets, one message each costs less than the wire writer's ~15 numpy
# passes (README request, 3 assets: ~60 -> ~10 us); the parsed result is the same message.
FEW_MISCLASSIFIED = 32


def _averaged(a: core.Averaged, ranked: core.RankingAverages | None = None) -> pb.AveragedMetrics:
    msg = pb.AveragedMetrics(precision=a.precision, recall=a.recall, f1=a.f1, support=a.support)
    if a.average_precision is not None:
        msg.average_precision = a.average_precision
    if a.f_beta is not None:
        msg.f_beta = a.f_beta
    if a.weighted_support is not None:
        msg.weighted_support = a.weighted_support
    if ranked is not None:
        if ranked.average_precision is not None:
            msg.average_precision = ranked.average_precision
        if ranked.roc_auc is not None:
            msg.roc_auc = ranked.roc_auc
    return msg


def _ranked_per_class(r: core.Ranking, out: list[pb.ClassMetrics]) -> None:
    """Add each class's ROC AUC (where defined) and curves (when computed)."""
    for msg, auc in zip(out, r.roc_auc.tolist(), strict=True):
        if not math.isnan(auc):
            msg.roc_auc = auc
    for msg, pr, roc in zip(out, r.pr_curves, r.roc_curves, strict=False):
        msg.precision_recall_curve.thresholds.extend(pr.thresholds.tolist())
        msg.precision_recall_curve.precision.extend(pr.precision.tolist())
        msg.precision_recall_curve.recall.extend(pr.recall.tolist())
        msg.precision_recall_curve.num_points = pr.length
        msg.roc_curve.thresholds.extend(roc.thresholds.tolist())
        msg.roc_curve.fpr.extend(roc.fpr.tolist())
        msg.roc_curve.tpr.extend(roc.tpr.tolist())
        msg.roc_curve.num_points = roc.length


def _ranked_summary(r: core.Ranking, msg: pb.ClassificationSummary) -> None:
    if r.binary_roc_auc is not None:
        msg.roc_auc = r.binary_roc_auc
    if r.ovo_macro is not None and r.ovo_weighted is not None:
        msg.roc_auc_ovo.macro = r.ovo_macro
        msg.roc_auc_ovo.weighted = r.ovo_weighted


def _per_class(pc: core.PerClass, names: Sequence[str]) -> list[pb.ClassMetrics]:
    precision, recall, f1 = pc.precision.tolist(), pc.recall.tolist(), pc.f1.tolist()
    support, predicted = pc.support.tolist(), pc.predicted.tolist()
    ap = pc.average_precision.tolist() if pc.average_precision is not None else None
    f_beta = pc.f_beta.tolist() if pc.f_beta is not None else None
    wsup = pc.weighted_support.tolist() if pc.weighted_support is not None else None
    out = []
    for i, name in enumerate(names):
        metrics = pb.ClassMetrics(
            class_name=name,
            precision=precision[i],
            recall=recall[i],
            f1=f1[i],
            support=support[i],
            predicted=predicted[i],
        )
        if ap is not None:
            metrics.average_precision = ap[i]
        if f_beta is not None:
            metrics.f_beta = f_beta[i]
        if wsup is not None:
            metrics.weighted_support = wsup[i]
        out.append(metrics)
    return out


def _calibration(c: core.Calibration, msg: pb.Calibration) -> None:
    msg.expected_calibration_error = c.expected_calibration_error
    msg.max_calibration_error = c.max_calibration_error
    msg.bins.extend(
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
    if c.weight is not None:
        for b, weight in zip(msg.bins, c.weight.tolist(), strict=True):
            b.weight = weight


def summary(s: core.Summary, names: Sequence[str]) -> pb.ClassificationSummary:
    """The summary message of one report (the whole set, or one slice)."""
    msg = pb.ClassificationSummary(num_assets=s.num_assets, accuracy=s.accuracy)
    msg.top_k.extend(pb.TopKAccuracy(k=k, accuracy=a) for k, a in s.top_k)
    per_class = _per_class(s.per_class, names)
    r = s.ranking
    if r is not None:
        _ranked_per_class(r, per_class)
        _ranked_summary(r, msg)
    msg.per_class.extend(per_class)
    msg.averages.micro.CopyFrom(_averaged(s.micro, None if r is None else r.micro))
    msg.averages.macro.CopyFrom(_averaged(s.macro, None if r is None else r.macro))
    msg.averages.weighted.CopyFrom(_averaged(s.weighted, None if r is None else r.weighted))
    if s.samples is not None:
        msg.averages.samples.CopyFrom(_averaged(s.samples, None if r is None else r.samples))
    if s.binary is not None:
        msg.averages.binary.CopyFrom(_averaged(s.binary))
    msg.confusion_matrix.shape.extend(s.confusion_matrix.shape)
    msg.confusion_matrix.counts.extend(s.confusion_matrix.reshape(-1).tolist())
    if s.normalized_confusion is not None:
        msg.confusion_matrix.normalized.extend(s.normalized_confusion.reshape(-1).tolist())
    if s.weighted_confusion is not None:
        msg.confusion_matrix.weighted.extend(s.weighted_confusion.reshape(-1).tolist())
    if s.calibration is not None:
        _calibration(s.calibration, msg.calibration)
    _optional_numbers(s, msg)
    return msg


def _optional_numbers(s: core.Summary, msg: pb.ClassificationSummary) -> None:
    """The summary numbers that only some reports have (each set only when computed)."""
    numbers: dict[str, float | None] = {
        "log_loss": s.log_loss,
        "hamming_loss": s.hamming_loss,
        "brier_score": s.brier_score,
    }
    if s.agreement is not None:
        a = s.agreement
        numbers |= {
            "balanced_accuracy": a.balanced_accuracy,
            "adjusted_balanced_accuracy": a.adjusted_balanced_accuracy,
            "matthews_corrcoef": a.matthews_corrcoef,
            "cohen_kappa": a.cohen_kappa,
            "cohen_kappa_linear": a.cohen_kappa_linear,
            "cohen_kappa_quadratic": a.cohen_kappa_quadratic,
        }
    for field, value in numbers.items():
        if value is not None:
            setattr(msg, field, value)


def slice_reports(
    reports: Sequence[tuple[str, core.SliceReport]],
    names: Sequence[str],
    metric_enum: Mapping[str, pb.SliceMetric],
) -> list[pb.SliceReport]:
    """One message per sliced metadata key, its slices in ranked order."""
    out = []
    for key, report in reports:
        msg = pb.SliceReport(key=key, metric=metric_enum[report.metric], num_values=report.num_values)
        msg.slices.extend(
            pb.SliceSummary(
                key=key,
                value=sl.value,
                support=sl.support,
                metric=sl.metric,
                ranked=sl.ranked,
                summary=summary(sl.summary, names),
            )
            for sl in report.slices
        )
        out.append(msg)
    return out


def _labels_of(mat: npt.NDArray[np.bool_]) -> list[list[int]]:
    """Column indices of the True entries of each row, without a Python loop over entries."""
    r, c = np.nonzero(mat)
    splits = np.searchsorted(r, np.arange(1, mat.shape[0]))
    return [part.tolist() for part in np.split(c, splits)]


def misclassified_multi_label(
    m: core.Misclassified,
    ids: npt.NDArray[np.str_],
    t: npt.NDArray[np.bool_],
    p: npt.NDArray[np.bool_],
) -> list[pb.MisclassifiedAsset]:
    """The ranked multi-label misclassified assets, with their missed and spurious labels."""
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


def add_misclassified_single_label(
    evaluation: ipb.ClassificationEvaluation,
    ids: list[str],
    rows: IntArray,
    *,
    true: IntArray,
    pred: IntArray,
    conf: npt.NDArray[np.float64],
    score: npt.NDArray[np.float64] | None,
) -> None:
    """Append the ranked single-label misclassified assets to ``evaluation.misclassified``: as messages
    when there are few, else written as wire bytes (:func:`misclassified_single_label_bytes`)."""
    if rows.shape[0] > FEW_MISCLASSIFIED:
        evaluation.MergeFromString(
            misclassified_single_label_bytes(ids, rows, true=true, pred=pred, conf=conf, score=score)
        )
        return
    columns = zip(ids, rows.tolist(), true.tolist(), pred.tolist(), conf.tolist(), strict=True)
    added = [
        pb.MisclassifiedAsset(asset_id=i, row=r, true_labels=[t], predicted_labels=[p], confidence=c)
        for i, r, t, p, c in columns
    ]
    if score is not None:
        for asset, value in zip(added, score.tolist(), strict=True):
            asset.true_class_score = value
    evaluation.misclassified.extend(added)


def _key(message: type[Message], field: str, wire_type: WireType) -> int:
    """The wire key of ``message.field`` (looked up in the descriptor, so a renumbered field follows)."""
    return tag(message.DESCRIPTOR.fields_by_name[field].number, wire_type)


_EVALUATION, _ASSET = ipb.ClassificationEvaluation, pb.MisclassifiedAsset


def misclassified_single_label_bytes(
    ids: list[str],
    rows: IntArray,
    *,
    true: IntArray,
    pred: IntArray,
    conf: npt.NDArray[np.float64],
    score: npt.NDArray[np.float64] | None,
) -> bytes:
    """``ClassificationEvaluation`` wire bytes holding only ``misclassified``, one entry per row.

    Each entry: asset_id, row, true_labels and predicted_labels (packed), confidence and, with scores,
    true_class_score.
    """
    m = rows.shape[0]
    if m == 0:
        return b""
    id_bytes, id_len = utf8_lengths(ids)
    true_len, pred_len = varint_sizes(true), varint_sizes(pred)
    body = (
        1 + varint_sizes(id_len) + id_len
        + 1 + varint_sizes(rows)
        + 2 + true_len
        + 2 + pred_len
        + 9 + (9 if score is not None else 0)
    )  # fmt: skip
    total = 1 + varint_sizes(body) + body
    buf = np.zeros(int(total.sum()), dtype=np.uint8)
    at = np.zeros(m, dtype=np.int64)
    np.cumsum(total[:-1], out=at[1:])
    at = put_varint(buf, at, _key(_EVALUATION, "misclassified", WireType.LEN))
    at = put_varint(buf, at, body)
    at = put_varint(buf, at, _key(_ASSET, "asset_id", WireType.LEN))
    at = put_bytes(buf, put_varint(buf, at, id_len), id_bytes, id_len)
    at = put_varint(buf, put_varint(buf, at, _key(_ASSET, "row", WireType.VARINT)), rows)
    for field, values, lengths in (("true_labels", true, true_len), ("predicted_labels", pred, pred_len)):
        at = put_varint(buf, at, _key(_ASSET, field, WireType.LEN))
        at = put_varint(buf, put_varint(buf, at, lengths), values)
    at = put_double(buf, put_varint(buf, at, _key(_ASSET, "confidence", WireType.I64)), conf)
    if score is not None:
        key = _key(_ASSET, "true_class_score", WireType.I64)
        at = put_double(buf, put_varint(buf, at, key), score)
    return buf.tobytes()
