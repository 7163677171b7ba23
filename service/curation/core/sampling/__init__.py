"""Selecting the next batch to label: strategies mixed by budget fractions, near-duplicate groups,
k-center diversity and the cosine neighbour searches they use, scores over samples (BALD, variation
ratio, power acquisition) and image scores from predicted boxes.

These are the names the ops seam uses; ``_``-prefixed modules are private to the family.
"""

from __future__ import annotations

from curation.core.sampling import _match_kernels
from curation.core.sampling.detection_scores import (
    BOX_AGGREGATIONS,
    PAIR_BUDGET,
    Detections,
    box_entropy,
    image_scores,
    localization,
)
from curation.core.sampling.kcenter import KCenterResult, kcenter_greedy, min_sq_distances
from curation.core.sampling.knn import (
    ANN_MIN_ROWS,
    EXACT_BLOCK_CELLS,
    KnnSearch,
    ann_cosine_knn,
    cosine_knn,
    exact_cosine_knn,
    normalize_rows,
)
from curation.core.sampling.near_duplicate_groups import NearDuplicates, near_duplicates
from curation.core.sampling.quotas import apportion
from curation.core.sampling.records import (
    BATCH_SAMPLINGS,
    CLASS_SOURCES,
    KINDS,
    LF_FILTERS,
    STRATA_SOURCES,
    Dedup,
    Pool,
    Selection,
    Strategy,
)
from curation.core.sampling.sample_scores import (
    SAMPLE_MEASURES,
    bald,
    power_keys,
    sample_mean,
    variation_ratio,
)
from curation.core.sampling.scores import (
    UNCERTAINTY_MEASURES,
    entropy,
    hardness,
    least_confidence,
    margin,
    tie_keys,
    uncertainty,
    uniform_from_keys,
)
from curation.core.sampling.selection import select
from curation.core.sampling.strategies import weak_label_vector

__all__ = [
    "ANN_MIN_ROWS",
    "BATCH_SAMPLINGS",
    "BOX_AGGREGATIONS",
    "EXACT_BLOCK_CELLS",
    "CLASS_SOURCES",
    "KINDS",
    "LF_FILTERS",
    "PAIR_BUDGET",
    "SAMPLE_MEASURES",
    "STRATA_SOURCES",
    "UNCERTAINTY_MEASURES",
    "Dedup",
    "Detections",
    "KCenterResult",
    "KnnSearch",
    "NearDuplicates",
    "Pool",
    "Selection",
    "Strategy",
    "ann_cosine_knn",
    "apportion",
    "bald",
    "box_entropy",
    "cosine_knn",
    "entropy",
    "exact_cosine_knn",
    "hardness",
    "image_scores",
    "kcenter_greedy",
    "least_confidence",
    "localization",
    "margin",
    "min_sq_distances",
    "near_duplicates",
    "normalize_rows",
    "power_keys",
    "sample_mean",
    "select",
    "tie_keys",
    "uncertainty",
    "uniform_from_keys",
    "variation_ratio",
    "warm_up",
    "weak_label_vector",
]


def warm_up() -> None:
    """Load (or compile, the first time) the family's numba kernel (the greedy box matching)."""
    _match_kernels.warm_up()
