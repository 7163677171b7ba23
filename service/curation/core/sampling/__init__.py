"""Selecting the next batch to label: strategies mixed by budget fractions, near-duplicate groups,
k-center diversity and the cosine neighbour searches they use.

These are the names the ops seam uses; ``_``-prefixed modules are private to the family.
"""

from __future__ import annotations

from curation.core.sampling.candidate_groups import (
    CANDIDATE_ANN_MIN_ROWS,
    CANDIDATE_DEDUP_MIN_ROWS,
    CANDIDATE_MIN_ROWS,
    CANDIDATE_MULTIPLE,
    MEDIAN_BLOCK_ROWS,
    MEDIAN_SAMPLE_ROWS,
    CandidateGroups,
    candidate_count,
    candidate_duplicate_groups,
    candidate_knn,
    sampled_median_nn_distance,
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
    CLASS_SOURCES,
    KINDS,
    LF_FILTERS,
    STRATA_SOURCES,
    Dedup,
    Pool,
    Selection,
    Strategy,
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
    "CANDIDATE_ANN_MIN_ROWS",
    "CANDIDATE_DEDUP_MIN_ROWS",
    "CANDIDATE_MIN_ROWS",
    "CANDIDATE_MULTIPLE",
    "MEDIAN_BLOCK_ROWS",
    "MEDIAN_SAMPLE_ROWS",
    "EXACT_BLOCK_CELLS",
    "CLASS_SOURCES",
    "KINDS",
    "LF_FILTERS",
    "STRATA_SOURCES",
    "UNCERTAINTY_MEASURES",
    "CandidateGroups",
    "Dedup",
    "KCenterResult",
    "KnnSearch",
    "NearDuplicates",
    "Pool",
    "Selection",
    "Strategy",
    "ann_cosine_knn",
    "apportion",
    "candidate_count",
    "candidate_duplicate_groups",
    "candidate_knn",
    "cosine_knn",
    "entropy",
    "exact_cosine_knn",
    "hardness",
    "kcenter_greedy",
    "least_confidence",
    "margin",
    "min_sq_distances",
    "near_duplicates",
    "normalize_rows",
    "sampled_median_nn_distance",
    "select",
    "tie_keys",
    "uncertainty",
    "uniform_from_keys",
    "weak_label_vector",
]
