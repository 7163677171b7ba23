"""ScoreClassification: validate the request, run the classification core, convert to proto, page.

``evaluate`` (worker thread, cached) builds a ``ClassificationEvaluation`` with every misclassified
asset; ``respond`` cuts the requested page out of it. Validation and defaults: :mod:`.request`;
conversion to messages: :mod:`.convert`.
"""

from __future__ import annotations

from typing import Any

from curation.core import classification as core
from curation.internal.v1 import classification_pb2 as ipb
from curation.ops.classification.convert import (
    add_misclassified_single_label,
    misclassified_multi_label,
    slice_reports,
    summary,
)
from curation.ops.classification.cost import cost
from curation.ops.classification.request import (
    SLICE_METRIC_ENUM,
    Checked,
    check_request,
    multi_label_targets,
    single_label_targets,
)
from curation.ops.findings import to_warnings
from curation.ops.operation_spec import OperationSpec
from curation.ops.paging import page_bounds
from curation.v1 import classification_pb2 as pb
from curation.v1 import common_pb2

__all__ = ["NAME", "SPECS", "evaluate", "respond"]

NAME = "curation.v1.DiagnosticsService/ScoreClassification"

_Reports = list[tuple[str, core.SliceReport]]


def evaluate(request: pb.ScoreClassificationRequest) -> ipb.ClassificationEvaluation:
    """Validate ``request`` and compute its full evaluation (blocking; runs in a worker thread)."""
    checked = check_request(request)
    evaluation = ipb.ClassificationEvaluation()
    if checked.multi:
        report, slices = _multi_label(request, checked, evaluation)
    else:
        report, slices = _single_label(request, checked, evaluation)
    evaluation.summary.CopyFrom(summary(report, checked.names))
    evaluation.slices.extend(slice_reports(slices, checked.names, SLICE_METRIC_ENUM))
    evaluation.warnings.extend(to_warnings(report.findings))
    return evaluation


def _single_label(
    request: pb.ScoreClassificationRequest, c: Checked, evaluation: ipb.ClassificationEvaluation
) -> tuple[core.Summary, _Reports]:
    """The single-label report and slices; the misclassified assets go into ``evaluation``."""
    yt, yp = single_label_targets(request, c)
    options: dict[str, Any] = {
        "n_classes": c.k,
        "scores": c.scores,
        "probabilities": c.probabilities,
        "top_k": c.top_k,
        "calibration_bins": c.bins,
        "sample_weight": c.weights,
        "options": c.options,
    }
    report = core.single_label_summary(yt, yp, **options, ranking=c.ranking)
    slices = [
        (key, core.single_label_slices(values, yt, yp, **options, **_slice_options(c)))
        for key, values in c.columns
    ]
    wrong = core.misclassified_single_label(yt, yp, scores=c.scores, asset_ids=c.ids)
    rows = wrong.rows
    add_misclassified_single_label(
        evaluation,
        c.ids[rows].tolist(),
        rows,
        true=yt[rows],
        pred=yp[rows],
        conf=wrong.confidence,
        score=wrong.true_class_score,
    )
    return report, slices


def _multi_label(
    request: pb.ScoreClassificationRequest, c: Checked, evaluation: ipb.ClassificationEvaluation
) -> tuple[core.Summary, _Reports]:
    """The multi-label report and slices; the misclassified assets go into ``evaluation``."""
    yt, yp, threshold = multi_label_targets(request, c)
    options: dict[str, Any] = {
        "scores": c.scores,
        "probabilities": c.probabilities,
        "calibration_bins": c.bins,
        "sample_weight": c.weights,
        "options": c.options,
    }
    report = core.multi_label_summary(yt, yp, threshold=threshold, **options, ranking=c.ranking)
    slices = [
        (key, core.multi_label_slices(values, yt, yp, **options, **_slice_options(c)))
        for key, values in c.columns
    ]
    wrong = core.misclassified_multi_label(yt, yp, scores=c.scores, threshold=threshold, asset_ids=c.ids)
    evaluation.misclassified.extend(misclassified_multi_label(wrong, c.ids, yt, yp))
    return report, slices


def _slice_options(c: Checked) -> dict[str, Any]:
    return {
        "metric": c.metric,
        "min_support": c.min_support,
        "max_slices": c.max_slices,
        "ranking": c.ranking,
    }


def respond(
    payload: ipb.ClassificationEvaluation,
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
        payload_type=ipb.ClassificationEvaluation,
        evaluate=evaluate,
        respond=respond,
        # 2: binary top-1 ties go to class 0 (sklearn's binary rule).
        # 3: float64 scores, sample weights, F-beta, zero_division, labels, the binary average and the
        #    agreement numbers (the cached payload grew fields).
        # 4: ROC AUC (one-vs-rest, one-vs-one), micro/samples AP, curves; AP summed per threshold group.
        version=4,
        paging_fields=("page_size", "page_token"),
        cost=cost,
        cost_from_body=True,  # every size is the body's; no stored data, nothing inflated
    )
]
