"""Selecting the next batch to label: strategies mixed by budget fractions, near-duplicate groups,
k-center diversity, typicality over a k-means clustering, the cosine neighbour searches they use, scores
over samples (BALD, variation ratio, power acquisition), image scores from predicted boxes, and the
adaptive default that chooses among them.

These are the names the ops seam uses; ``_``-prefixed modules are private to the family.
"""

from __future__ import annotations

from curation.core.sampling import _match_kernels
from curation.core.sampling.adaptive import (
    DEFAULT_DEDUP,
    KAPPA_HIGH,
    KAPPA_LOW,
    DefaultChoice,
    choose_default,
)
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
from curation.core.sampling.clustering import (
    KMEANS_ITERATIONS,
    POINTS_PER_CENTROID,
    Clusterer,
    Clustering,
    kmeans_clustering,
    nearest_centroid,
)
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
from curation.core.sampling.probe import MAX_PROBE_ROWS, ProbeEstimate, probe_accuracy
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
from curation.core.sampling.typicality import (
    BLOCK_CELLS as TYPICALITY_BLOCK_CELLS,
)
from curation.core.sampling.typicality import (
    DEFAULT_NEIGHBORS,
    EXACT_MEMBERS,
    MAX_AUTO_CLUSTERS,
    MIN_CLUSTER_SIZE,
    typicality_clusters,
    typicality_scores,
)

__all__ = [
    "EXACT_MEMBERS",
    "KMEANS_ITERATIONS",
    "POINTS_PER_CENTROID",
    "TYPICALITY_BLOCK_CELLS",
    "DEFAULT_DEDUP",
    "KAPPA_HIGH",
    "KAPPA_LOW",
    "MAX_PROBE_ROWS",
    "DefaultChoice",
    "ProbeEstimate",
    "choose_default",
    "probe_accuracy",
    "ANN_MIN_ROWS",
    "DEFAULT_NEIGHBORS",
    "MAX_AUTO_CLUSTERS",
    "MIN_CLUSTER_SIZE",
    "Clusterer",
    "Clustering",
    "kmeans_clustering",
    "nearest_centroid",
    "typicality_clusters",
    "typicality_scores",
    "BATCH_SAMPLINGS",
    "BOX_AGGREGATIONS",
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
    "PAIR_BUDGET",
    "SAMPLE_MEASURES",
    "STRATA_SOURCES",
    "UNCERTAINTY_MEASURES",
    "CandidateGroups",
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
    "candidate_count",
    "candidate_duplicate_groups",
    "candidate_knn",
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
    "sampled_median_nn_distance",
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
