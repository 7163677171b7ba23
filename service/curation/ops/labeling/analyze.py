"""AnalyzeLabelingFunctions: Snorkel's ``lf_summary`` of a label matrix plus the core's findings.

A cached operation: ``analyze`` (worker thread) validates the matrix, the function names and the gold
labels, runs the core and converts; ``respond_analyze`` copies the payload into the response.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from curation.core.labeling import LFSummary, findings, lf_empirical_probs, lf_summary
from curation.internal.v1 import labeling_pb2 as ipb
from curation.ops import _validate as v
from curation.ops.findings import to_warnings
from curation.ops.labeling.matrix import class_names, dense
from curation.v1 import common_pb2
from curation.v1 import labeling_pb2 as pb

__all__ = ["ANALYZE", "analyze", "respond_analyze"]

ANALYZE = "curation.v1.LabelingFunctionService/AnalyzeLabelingFunctions"


def analyze(request: pb.AnalyzeLabelingFunctionsRequest) -> ipb.LabelingFunctionAnalysis:
    """Snorkel's lf_summary of the matrix, plus findings as warnings."""
    names = class_names(request.class_names)
    k = len(names)
    L = dense(request.label_matrix, k)
    n, m = L.shape
    fn_names = _function_names(request, m)
    gold = _gold(request, n, k)
    weights = _learned_weights(request, m)
    s = lf_summary(L, gold=gold)
    out = ipb.LabelingFunctionAnalysis(
        label_coverage=s.label_coverage, label_overlap=s.label_overlap, label_conflict=s.label_conflict
    )
    _add_functions(out, s, fn_names)
    if weights is not None:
        for row, w in zip(out.functions, weights.tolist(), strict=True):
            row.learned_weight = w
    if gold is not None:
        probs = lf_empirical_probs(L, gold, k).reshape(m, -1)
        for row, p in zip(out.functions, probs, strict=True):
            row.empirical_probs.extend(p.tolist())
    out.warnings.extend(to_warnings(findings(L, s, n_classes=k, names=fn_names)))
    return out


def _function_names(request: pb.AnalyzeLabelingFunctionsRequest, m: int) -> list[str]:
    """The request's function names (one per function, unique, non-empty), else "0", "1", ..."""
    if not len(request.function_names):
        return [str(j) for j in range(m)]
    v.check_length(len(request.function_names), m, "function_names", what="one per function")
    names: list[str] = v.unique_strings(request.function_names, "function_names", allow_empty=False).tolist()
    return names


def _learned_weights(request: pb.AnalyzeLabelingFunctionsRequest, m: int) -> npt.NDArray[np.float64] | None:
    """Snorkel's ``est_weights``: one finite number per function, or None when not sent."""
    if not len(request.learned_weights):
        return None
    v.check_length(len(request.learned_weights), m, "learned_weights", what="one per function")
    weights: npt.NDArray[np.float64] = v.finite_floats(
        request.learned_weights, "learned_weights", dtype=np.float64
    )
    return weights


def _gold(request: pb.AnalyzeLabelingFunctionsRequest, n: int, k: int) -> npt.NDArray[np.int64] | None:
    """Gold labels, one per row, in ``[-1, k)`` (-1 = unknown), or None when not sent."""
    if not len(request.gold):
        return None
    v.check_length(len(request.gold), n, "gold", what="one per row")
    return v.index_array(request.gold, k, "gold", lower=-1)


def _add_functions(out: ipb.LabelingFunctionAnalysis, s: LFSummary, fn_names: list[str]) -> None:
    """One row per function: polarity, coverage, overlaps, conflicts, votes (and accuracy with gold)."""
    cov, ovl, con, votes = s.coverage.tolist(), s.overlaps.tolist(), s.conflicts.tolist(), s.votes.tolist()
    for j, name in enumerate(fn_names):
        row = out.functions.add(
            name=name,
            polarity=s.polarity[j],
            coverage=cov[j],
            overlaps=ovl[j],
            conflicts=con[j],
            votes=votes[j],
        )
        if s.correct is not None and s.incorrect is not None and s.empirical_accuracy is not None:
            row.correct = int(s.correct[j])
            row.incorrect = int(s.incorrect[j])
            row.empirical_accuracy = float(s.empirical_accuracy[j])


def respond_analyze(
    payload: ipb.LabelingFunctionAnalysis,
    request: pb.AnalyzeLabelingFunctionsRequest,
    cache_info: common_pb2.CacheInfo,
) -> pb.AnalyzeLabelingFunctionsResponse:
    """The response of a (cached) analysis."""
    response = pb.AnalyzeLabelingFunctionsResponse(
        label_coverage=payload.label_coverage,
        label_overlap=payload.label_overlap,
        label_conflict=payload.label_conflict,
    )
    response.functions.extend(payload.functions)
    response.warnings.extend(payload.warnings)
    response.cache.CopyFrom(cache_info)
    return response
