"""The documented maximum of every sampling request size that scales memory or time (docs/limits.md).

Each is checked by the operation's cost function (``curation.ops.sampling.cost``) before anything is
allocated; a value over its maximum is refused with ``LimitExceeded`` naming the field.
"""

from __future__ import annotations

from curation.ops.embedding_limits import MAX_DIMENSION
from curation.ops.paging import MAX_PAGE_SIZE

__all__ = [
    "MAX_BOXES",
    "MAX_BOX_PAIRS",
    "MAX_BOX_SCORE_CELLS",
    "MAX_BUDGET",
    "MAX_CLASSES",
    "MAX_CLUSTERING_WORK",
    "MAX_CLUSTERS",
    "MAX_DIMENSION",
    "MAX_HISTORY",
    "MAX_KCENTER_WORK",
    "MAX_METADATA_COLUMNS",
    "MAX_NEIGHBORS",
    "MAX_PAGE_SIZE",
    "MAX_POOL",
    "MAX_RARITY_WORK",
    "MAX_SAMPLES",
    "MAX_SAMPLE_CELLS",
    "MAX_STRATEGIES",
    "MAX_TARGETS",
    "MAX_TYPICALITY_NEIGHBORS",
]

# Assets of one pool: every per-asset array is O(pool); a million is the largest batch the service is
# sized for (larger pools are split or pre-filtered by the caller). Also the cap on labeled_ids and
# exclude_ids (each becomes a per-asset flag or an extra center).
MAX_POOL = 1_000_000
# Assets to select: above the pool it is lowered (with a finding); above this it is refused.
MAX_BUDGET = MAX_POOL
# Classes: num_classes, and any class index a request names when num_classes is 0 (weak_labels,
# labels); the rarity strategy allocates per class, and scores are pool x classes.
MAX_CLASSES = 10_000
# target_classes, target_distribution and labeled_class_counts entries (one per class at most).
MAX_TARGETS = MAX_CLASSES
# Strategies in a mixture: each ranks the whole pool once.
MAX_STRATEGIES = 64
# Metadata columns: each is one pool-long string array.
MAX_METADATA_COLUMNS = 256
# Neighbours examined per asset for near-duplicates: the candidate pairs are pool x (neighbours + 1).
MAX_NEIGHBORS = 100
# pool x budget x dimension: greedy k-center does one pool x dimension pass per pick; 10^11 float32
# multiply-adds is about 30 s of one core.
MAX_KCENTER_WORK = 100_000_000_000
# budget x classes: the rarity strategy scans every class's deficit per pick (one numpy pass each).
MAX_RARITY_WORK = 1_000_000_000
# accuracy_history entries: only the last is read, but the field is one float per earlier round.
MAX_HISTORY = 10_000
# Typicality's cap on the k-means clusters (``clusters``; 0 = the paper's 500): the centroids are
# clusters x dimension and every pick scans the clusters.
MAX_CLUSTERS = 5_000
# Typicality's neighbours (``typicality_neighbors``; 0 = 20): the neighbour distances kept per row.
MAX_TYPICALITY_NEIGHBORS = 100
# clusters x dimension x (pool + 10 x training rows), training rows = min(pool, 32 x clusters): k-means'
# assignment of the pool and its ten iterations over the sample; 3 x 10^11 multiply-adds is about 10 s
# of the two cores (1,000,000 x 128 into 500 clusters is 7.4 x 10^10).
MAX_CLUSTERING_WORK = 300_000_000_000
# Samples per asset (num_samples): ensemble members, MC-dropout passes, a detector's passes.
MAX_SAMPLES = 1_000
# pool x samples x classes (score_samples): held as float32 then float64; BALD's entropies run in spans.
MAX_SAMPLE_CELLS = 10_000_000
# Predicted boxes (detections.image_index): every per-box array is O(boxes).
MAX_BOXES = 1_000_000
# boxes x classes (detections.class_scores).
MAX_BOX_SCORE_CELLS = 10_000_000
# Box pairs the localization score compares: over the images, (boxes of pass 0) x (boxes of the other
# passes); about 100 ns a pair in numpy, so 2 x 10^8 is about 20 s of one core.
MAX_BOX_PAIRS = 200_000_000
