"""Classification diagnostics: sklearn's classification report, confusion, calibration, slices worst
first and misclassified assets most confidently wrong first (single- and multi-label).

These are the names the ops seam uses; ``_``-prefixed modules are private to the family.
"""

from __future__ import annotations

from curation.core.classification._precision_recall import Averaged
from curation.core.classification.calibration import Calibration
from curation.core.classification.curves import PrecisionRecallCurve, RocCurve
from curation.core.classification.misclassified import (
    Misclassified,
    misclassified_multi_label,
    misclassified_single_label,
)
from curation.core.classification.options import MetricOptions
from curation.core.classification.ranking import Ranking, RankingAverages, RankingOptions, ranking_metrics
from curation.core.classification.slices import (
    SLICE_METRICS,
    SliceReport,
    SliceSummary,
    multi_label_slices,
    single_label_slices,
)
from curation.core.classification.summary import (
    Agreement,
    PerClass,
    Summary,
    confusion_matrix,
    multi_label_summary,
    single_label_summary,
)

__all__ = [
    "SLICE_METRICS",
    "Agreement",
    "Averaged",
    "Calibration",
    "MetricOptions",
    "Misclassified",
    "PerClass",
    "PrecisionRecallCurve",
    "Ranking",
    "RankingAverages",
    "RankingOptions",
    "RocCurve",
    "SliceReport",
    "SliceSummary",
    "Summary",
    "confusion_matrix",
    "misclassified_multi_label",
    "misclassified_single_label",
    "multi_label_slices",
    "multi_label_summary",
    "ranking_metrics",
    "single_label_slices",
    "single_label_summary",
]
