"""Labeling functions and label models: declarative LFs applied to a label matrix, Snorkel's LF analysis
plus findings, and label models fitted from vote statistics that add up over shards.

These are the names the ops seam uses; ``_``-prefixed modules (the compiled label-model kernels) are
private to the family.
"""

from __future__ import annotations

import importlib

from curation.core.labeling import _kernels
from curation.core.labeling.analysis import (
    BROAD_COVERAGE,
    MIN_LFS_FOR_MODEL,
    LFSummary,
    findings,
    lf_empirical_probs,
    lf_summary,
    row_vote_counts,
)
from curation.core.labeling.compile import Compiled, compile_functions
from curation.core.labeling.evaluate import apply
from curation.core.labeling.gold_scores import METRICS as SCORE_METRICS
from curation.core.labeling.gold_scores import score
from curation.core.labeling.label_model import (
    MODELS,
    TIE_TOLERANCE,
    FittedLabelModel,
    ModelKind,
    fit,
    fit_matrix,
    hard_labels,
    lf_accuracies_from_tables,
    predict_proba,
)
from curation.core.labeling.matrix_completion import Diverged, SgdOptions
from curation.core.labeling.rules import (
    MAX_DEPTH,
    MAX_NUMPY_LITERALS,
    MAX_PATTERN_CHARS,
    MAX_PATTERNS,
    PATTERN_MAX_MEM,
    All,
    AnyOf,
    Equals,
    Exists,
    Inputs,
    InSet,
    Keyword,
    LabelingFunction,
    LabelingFunctionError,
    Not,
    PredictedClass,
    Range,
    Rule,
    ScoreAtLeast,
    ScoreWithinMargin,
    Similarity,
)
from curation.core.labeling.vote_statistics import (
    IntMatrix,
    PatternIndex,
    VoteStatistics,
    pattern_index,
    vote_statistics,
)

__all__ = [
    "BROAD_COVERAGE",
    "MAX_DEPTH",
    "MAX_NUMPY_LITERALS",
    "MAX_PATTERNS",
    "MAX_PATTERN_CHARS",
    "MIN_LFS_FOR_MODEL",
    "MODELS",
    "SCORE_METRICS",
    "PATTERN_MAX_MEM",
    "TIE_TOLERANCE",
    "All",
    "AnyOf",
    "Compiled",
    "Diverged",
    "Equals",
    "Exists",
    "FittedLabelModel",
    "InSet",
    "Inputs",
    "IntMatrix",
    "Keyword",
    "LFSummary",
    "LabelingFunction",
    "LabelingFunctionError",
    "ModelKind",
    "Not",
    "PatternIndex",
    "PredictedClass",
    "Range",
    "Rule",
    "SgdOptions",
    "ScoreAtLeast",
    "ScoreWithinMargin",
    "Similarity",
    "VoteStatistics",
    "apply",
    "compile_functions",
    "findings",
    "fit",
    "fit_matrix",
    "hard_labels",
    "lf_accuracies_from_tables",
    "lf_empirical_probs",
    "lf_summary",
    "pattern_index",
    "predict_proba",
    "row_vote_counts",
    "score",
    "vote_statistics",
    "warm_up",
]


def warm_up() -> None:
    """Compile (or load from the disk cache) the label-model kernels, and import the optimiser the
    matrix-completion fit uses (imported lazily, so a process that never fits does not pay for it)."""
    _kernels.warm_up()
    importlib.import_module("scipy.optimize")
