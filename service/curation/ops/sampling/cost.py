"""What a sampling request will cost, from the sizes it states, before anything is computed.

Every cost function first checks each size against its documented maximum (``limits``; LimitExceeded
naming the field), then estimates the peak memory (bytes, an upper bound of what the computation holds
beyond the request) and the work (elementary steps) -- docs/limits.md states the formulas in words.
A pool read from a collection has the collection's dimension, known only once its header is read: the
seam's estimate counts its vectors as zero-wide, and the handler checks the full cost with the real
dimension before reading any vector (``resolve_pool_vectors``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from curation.core.sampling import (
    ANN_MIN_ROWS,
    CANDIDATE_ANN_MIN_ROWS,
    CANDIDATE_DEDUP_MIN_ROWS,
    EXACT_BLOCK_CELLS,
    EXACT_MEMBERS,
    KMEANS_ITERATIONS,
    MAX_AUTO_CLUSTERS,
    MAX_PROBE_ROWS,
    MEDIAN_BLOCK_ROWS,
    MEDIAN_SAMPLE_ROWS,
    PAIR_BUDGET,
    POINTS_PER_CENTROID,
    TYPICALITY_BLOCK_CELLS,
    candidate_count,
)
from curation.errors import LimitExceeded
from curation.ops._limits import at_most, count_at_most, str_array_bytes
from curation.ops.operation_spec import Cost
from curation.ops.sampling import limits as lim
from curation.v1 import sampling_pb2 as pb

__all__ = ["near_duplicates_cost", "plan_cost", "select_cost"]

# The k-center distance block.
_KCENTER_BLOCK_BYTES = 16384 * 1024 * 4 * 2
_DEFAULT_NEIGHBORS = 10
# Ranked (static-score) strategies counted for a request that names none: the most Plan's mix holds
# (lf_targeted, stratified, random, uncertainty); the default mix holds fewer.
_DEFAULT_RANKED = 4
_RANKED_KINDS = frozenset(
    {
        pb.STRATEGY_KIND_RANDOM,
        pb.STRATEGY_KIND_STRATIFIED,
        pb.STRATEGY_KIND_UNCERTAINTY,
        pb.STRATEGY_KIND_HARDNESS,
        pb.STRATEGY_KIND_LF_TARGETED,
    }
)


def _class_values(values: Sequence[int], field: str) -> int:
    """The classes a label vector speaks of when num_classes is 0: each index below MAX_CLASSES."""
    if not len(values):
        return 0
    arr = np.asarray(values, dtype=np.int64)
    bad = np.flatnonzero(arr >= lim.MAX_CLASSES)
    if bad.size:
        raise LimitExceeded(
            f"class {int(arr[bad[0]]):,} is over the maximum of {lim.MAX_CLASSES - 1:,}",
            field=f"{field}[{int(bad[0])}]",
        )
    return int(arr.max()) + 1


def _neighbor_cost(n: int, dim: int, neighbors: int, field: str, ann_from: int = ANN_MIN_ROWS) -> Cost:
    """Near-duplicate search over n unit vectors: exact blocks below ``ann_from`` rows (n^2 d work), faiss
    IVF-Flat from there (about 2 n^1.5 d); then the candidate pairs, n x (neighbours + 1)."""
    at_most(neighbors, lim.MAX_NEIGHBORS, field, what="neighbours")
    k = neighbors + 1
    pairs = 64 * n * k
    vectors = 4 * n * dim * 2
    if n < ann_from:
        block_rows = min(n, 2048, max(16, EXACT_BLOCK_CELLS // max(n, 1)))  # as the core's exact search
        # The exact search sums in float64: a copy of the rows (8 n d) and a float64 block beside its float32.
        return Cost(vectors + 8 * n * dim + 40 * block_rows * n + pairs, n * n * max(dim, 1))
    return Cost(2 * vectors + 16 * n * k + pairs, int(2 * n**1.5) * max(dim, 1))


def _dedup_cost(request: pb.SelectRequest, n: int, dim: int, budget: int) -> Cost:
    """Select's redundancy removal. Below ``CANDIDATE_DEDUP_MIN_ROWS`` the whole pool's neighbour search;
    from there on the search over the candidates (``CANDIDATE_MULTIPLE`` x budget, at least
    ``CANDIDATE_MIN_ROWS``, per ranked strategy) and the labeled rows, 64 bytes a row for ranking the
    candidates and the groups, and for a relative threshold the sampled median: ``MEDIAN_SAMPLE_ROWS``
    x pool x dimension work and one sample x block float32 block beside a normalised block of the pool."""
    neighbors = (request.dedup.neighbors if request.HasField("dedup") else 0) or _DEFAULT_NEIGHBORS
    if n < CANDIDATE_DEDUP_MIN_ROWS:
        return _neighbor_cost(n, dim, neighbors, "dedup.neighbors")
    ranked = _DEFAULT_RANKED
    if request.strategies:
        ranked = sum(s.kind in _RANKED_KINDS for s in request.strategies)
    searched = min(n, ranked * candidate_count(budget, n) + min(len(request.labeled_ids), n))
    # One ranked strategy's candidates at a time: its scores, their partition and sort (8 bytes a row
    # each), the candidate mask and the groups of every row.
    search = _neighbor_cost(searched, dim, neighbors, "dedup.neighbors", CANDIDATE_ANN_MIN_ROWS)
    cost = search + Cost(64 * n, 4 * n)
    if request.dedup.relative or not request.HasField("dedup"):
        sample, block = min(MEDIAN_SAMPLE_ROWS, n), MEDIAN_BLOCK_ROWS
        # A sample x block float32 product beside a normalised block, and the rescored rows (8 a query:
        # gathered, normalised float32 and float64).
        cost += Cost(4 * sample * block + 8 * block * dim + 128 * sample * dim, sample * n * max(dim, 1))
    return cost


def _ids_cost(ids: Sequence[str]) -> int:
    """Asset IDs as a checked string array, their sort order and tie keys, and an ID -> row map."""
    return 2 * str_array_bytes(ids) + 256 * len(ids)


def _clustering_cost(request: pb.SelectRequest, n: int, d: int) -> Cost:
    """Typicality (the adaptive default's included, with its probe: three MAX_PROBE_ROWS^2 float64
    matrices): each typicality strategy's clusters and neighbours within their maxima and its k-means
    work within MAX_CLUSTERING_WORK (LimitExceeded ``strategies[i].clusters``); the cost of the largest.

    Memory: the training sample (float32, and float64 for the seeding), the centroids, the assignment
    block (at most 2^22 distances), per-row arrays (assignment, cluster order, scores, flags, the cached
    form) and the typicality's distance blocks (a block, its concatenation and partition: six float32
    copies of at most BLOCK_CELLS distances). Work: the assignment (pool x clusters x dimension), the
    iterations over the sample, and the typicality (each row against at most EXACT_MEMBERS members)."""
    worst = probe = Cost(0, 0)
    labeled = len(request.labeled_ids)
    named = [(f"strategies[{i}]", s) for i, s in enumerate(request.strategies)]
    if not named and (request.embeddings or request.collection):
        # The adaptive default may run typicality with the automatic clusters, after its probe.
        named = [("strategies", pb.SamplingStrategy(kind=pb.STRATEGY_KIND_TYPICALITY))]
        cells = MAX_PROBE_ROWS * MAX_PROBE_ROWS
        probe = Cost(3 * 8 * cells + 8 * MAX_PROBE_ROWS * d, cells * (MAX_PROBE_ROWS + max(d, 1)))
    for field, s in named:
        if s.kind != pb.STRATEGY_KIND_TYPICALITY:
            continue
        at_most(int(s.clusters), lim.MAX_CLUSTERS, f"{field}.clusters", what="clusters")
        at_most(int(s.typicality_neighbors), lim.MAX_TYPICALITY_NEIGHBORS, f"{field}.typicality_neighbors")
        k = max(0, min(labeled + int(request.budget), int(s.clusters) or MAX_AUTO_CLUSTERS, n))
        train = min(n, POINTS_PER_CENTROID * k)
        work = k * max(d, 1) * (n + KMEANS_ITERATIONS * train)
        at_most(work, lim.MAX_CLUSTERING_WORK, f"{field}.clusters", what="k-means multiply-adds")
        blocks = 4 * min(1 << 22, n * max(k, 1)) + 4 * 6 * min(TYPICALITY_BLOCK_CELLS, n * EXACT_MEMBERS)
        memory = 4 * train * d * 5 + 8 * k * d + 64 * n + blocks
        one = Cost(memory, work + n * EXACT_MEMBERS * max(d, 1))
        worst = Cost(max(worst.memory_bytes, one.memory_bytes), max(worst.work, one.work))
    return worst + probe


def _strategy_checks(request: pb.SelectRequest, budget: int, classes: int) -> tuple[bool, bool]:
    """Strategy count and per-strategy lists within their maxima; (any k-center, any rarity)."""
    strategies = list(request.strategies)
    count_at_most(len(strategies), lim.MAX_STRATEGIES, "strategies")
    diversity = rarity = False
    for i, s in enumerate(strategies):
        count_at_most(len(s.target_classes), lim.MAX_TARGETS, f"strategies[{i}].target_classes")
        count_at_most(len(s.target_distribution), lim.MAX_TARGETS, f"strategies[{i}].target_distribution")
        diversity |= s.kind == pb.STRATEGY_KIND_DIVERSITY
        if s.kind == pb.STRATEGY_KIND_RARITY:
            rarity = True
            width = max(classes, len(s.target_distribution))
            at_most(budget * width, lim.MAX_RARITY_WORK, f"strategies[{i}]", what="picks x classes (rarity)")
    return diversity, rarity


def _classes(request: pb.SelectRequest) -> int:
    """num_classes within its maximum, or (when 0) the classes the labels name."""
    k = int(request.num_classes)
    at_most(k, lim.MAX_CLASSES, "num_classes", what="classes")
    count_at_most(len(request.labeled_class_counts), lim.MAX_TARGETS, "labeled_class_counts")
    if k > 0:
        return max(k, len(request.labeled_class_counts))
    named = max(_class_values(request.weak_labels, "weak_labels"), _class_values(request.labels, "labels"))
    return max(named, len(request.labeled_class_counts))


def _box_pairs(request: pb.SelectRequest, n: int, samples: int) -> tuple[int, int]:
    """Box pairs the localization score compares: per image, pass-0 boxes x other passes' boxes, in all
    and on the busiest image (entries out of range are refused by validation later, not counted here)."""
    d = request.detections
    m = len(d.image_index)
    if samples < 2 or m == 0:
        return 0, 0
    image = np.asarray(d.image_index, dtype=np.int64)
    sample = np.asarray(d.sample_index, dtype=np.int64) if len(d.sample_index) == m else np.zeros(m, np.int64)
    ok = (image >= 0) & (image < n) & (sample >= 0) & (sample < samples)
    ref = np.bincount(image[ok & (sample == 0)], minlength=n).astype(np.float64)
    other = np.bincount(image[ok & (sample > 0)], minlength=n).astype(np.float64)
    per_image = ref * other
    return int(per_image.sum()), int(per_image.max(initial=0.0))


def _predictions_cost(request: pb.SelectRequest, n: int) -> Cost:
    """score_samples (n x S x k) and detections (boxes, class scores, pass-to-pass box pairs) within
    their maxima; memory and work of their scores."""
    samples = int(request.num_samples)
    at_most(samples, lim.MAX_SAMPLES, "num_samples", what="samples")
    cells = len(request.score_samples)
    count_at_most(cells, lim.MAX_SAMPLE_CELLS, "score_samples")
    memory = 48 * cells
    work = 4 * cells
    if not request.HasField("detections"):
        return Cost(memory, work)
    d = request.detections
    m = len(d.image_index)
    count_at_most(m, lim.MAX_BOXES, "detections.image_index")
    count_at_most(len(d.boxes), 4 * lim.MAX_BOXES, "detections.boxes")
    count_at_most(len(d.sample_index), lim.MAX_BOXES, "detections.sample_index")
    at_most(int(d.num_classes), lim.MAX_CLASSES, "detections.num_classes", what="classes")
    count_at_most(len(d.class_scores), lim.MAX_BOX_SCORE_CELLS, "detections.class_scores")
    pairs, busiest = _box_pairs(request, n, samples)
    at_most(pairs, lim.MAX_BOX_PAIRS, "detections.sample_index", what="box pairs")
    # Per box: indices, boxes (float32 and float64), sort orders, matched IoUs; per class-score cell a
    # float32 and a float64 copy and the entropy's terms; per image a dozen float64 reductions; one span
    # of box pairs (indices, both boxes, the IoU, its sort and temporaries: about 512 bytes a pair) of
    # whole images, at most PAIR_BUDGET pairs unless one image alone has more.
    span = min(pairs, max(PAIR_BUDGET, busiest))
    memory += 256 * m + 40 * len(d.class_scores) + 96 * n + 512 * span
    return Cost(memory, work + 8 * m + 4 * len(d.class_scores) + 40 * pairs)


def select_cost(request: pb.SelectRequest, dim: int | None = None) -> Cost:
    """Select's cost. ``dim``: the collection's dimension once read (None: the inline one, or 0 before the
    collection is read). A request that names no strategy is costed as the adaptive default's worst case:
    its probe, typicality with the automatic clusters and near-duplicate removal (Plan's mixes are among
    those)."""
    n = len(request.asset_ids)
    count_at_most(n, lim.MAX_POOL, "asset_ids")
    count_at_most(len(request.labeled_ids), lim.MAX_POOL, "labeled_ids")
    count_at_most(len(request.exclude_ids), lim.MAX_POOL, "exclude_ids")
    count_at_most(len(request.metadata), lim.MAX_METADATA_COLUMNS, "metadata")
    count_at_most(len(request.accuracy_history), lim.MAX_HISTORY, "accuracy_history")
    at_most(int(request.budget), lim.MAX_BUDGET, "budget", what="assets")
    at_most(int(request.embedding_dimension), lim.MAX_DIMENSION, "embedding_dimension")
    budget = max(0, min(int(request.budget), n))
    k = _classes(request)
    diversity, rarity = _strategy_checks(request, budget, k)
    vectors = bool(request.embeddings) or bool(request.collection)
    d = int(request.embedding_dimension) if dim is None and request.embeddings else (dim or 0)
    if diversity:
        at_most(
            n * budget * max(d, 1),
            lim.MAX_KCENTER_WORK,
            "budget",
            what="pool x budget x dimension (k-center)",
        )
    strategies = max(len(request.strategies), 2)
    memory = (
        _ids_cost(request.asset_ids)
        + 200 * (len(request.labeled_ids) + len(request.exclude_ids))
        + sum(3 * str_array_bytes(c.values) for c in request.metadata)
        + 48 * n * k * (bool(len(request.scores)) + bool(len(request.weak_label_probs)))
        + 32 * n * 4
        + 64 * n * strategies
        + 256 * budget
        + 16 * k
    )
    work = strategies * n * max(1, math.ceil(math.log2(max(n, 2))))
    if vectors:
        memory += 4 * n * d * 3
        extra = len(request.labeled_ids) if request.collection else 0
        memory += 4 * extra * d * 3
    if diversity:
        memory += _KCENTER_BLOCK_BYTES
        work += n * budget * max(d, 1)
    if rarity:
        work += budget * max(k, 1)
    clustering = _clustering_cost(request, n, d)
    memory += clustering.memory_bytes
    work += clustering.work
    predictions = _predictions_cost(request, n)
    memory += predictions.memory_bytes
    work += predictions.work
    dedup = request.HasField("dedup") or (not request.strategies and vectors)
    if dedup and vectors:
        search = _dedup_cost(request, n, d, budget)
        memory += search.memory_bytes
        work += search.work
    return Cost(memory, work)


def near_duplicates_cost(request: pb.FindNearDuplicatesRequest, dim: int | None = None) -> Cost:
    """FindNearDuplicates' cost: the pool's vectors, the neighbour search and the groups."""
    n = len(request.asset_ids)
    count_at_most(n, lim.MAX_POOL, "asset_ids")
    at_most(int(request.embedding_dimension), lim.MAX_DIMENSION, "embedding_dimension")
    at_most(int(request.page_size), lim.MAX_PAGE_SIZE, "page_size", what="groups per page")
    d = int(request.embedding_dimension) if dim is None and request.embeddings else (dim or 0)
    search = _neighbor_cost(n, d, int(request.neighbors) or _DEFAULT_NEIGHBORS, "neighbors")
    return Cost(_ids_cost(request.asset_ids) + 4 * n * d + 256 * n, n) + search


def plan_cost(request: pb.PlanRequest) -> Cost:
    """Plan's cost: that of the selection it makes (costed as the adaptive default when it names no
    strategy: typicality and near-duplicate removal cover what Plan may add), and the weak classes and
    slices it ranks."""
    at_most(int(request.weakest_classes), lim.MAX_CLASSES, "weakest_classes", what="classes")
    at_most(int(request.weakest_slices), lim.MAX_CLASSES, "weakest_slices", what="slices")
    try:
        return select_cost(request.selection)
    except LimitExceeded as exc:
        raise LimitExceeded(exc.message, field=f"selection.{exc.field}") from None
