"""The records a selection reads and returns: the candidate pool, a strategy of the mixture, the
near-duplicate removal options and the selected batch (see :mod:`curation.core.sampling.selection`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray, F32Array, FloatArray, IntArray
from curation.core._common.findings import Finding
from curation.core.sampling.detection_scores import Detections

__all__ = [
    "BATCH_SAMPLINGS",
    "CLASS_SOURCES",
    "KINDS",
    "LF_FILTERS",
    "STRATA_SOURCES",
    "Dedup",
    "Pool",
    "Selection",
    "Strategy",
]

KINDS = (
    "random",
    "stratified",
    "lf_targeted",
    "uncertainty",
    "diversity",
    "rarity",
    "hardness",
    "typicality",
    "detection",
)
STRATA_SOURCES = ("label", "predicted", "weak", "metadata")
CLASS_SOURCES = ("predicted", "weak")
LF_FILTERS = ("none", "disagree", "disagree_or_unsure")
# How a score-ranked strategy turns its scores into picks: "top" = the highest first (deterministic),
# "power" = a draw proportional to score ** beta (see ``sample_scores``).
BATCH_SAMPLINGS = ("top", "power")


@dataclass(frozen=True, slots=True)
class Pool:
    """The candidate pool, columnar: every per-asset array has one row per asset ID.

    ``scores``: model class probabilities (n x k). ``weak_probs`` (n x k) / ``weak_labels`` (n, -1 =
    abstain): the label model's output. ``labels``: known labels (-1 = none), used for the loss, label
    strata and the labeled class counts. ``labeled``/``excluded``: rows that are not candidates (labeled
    rows are k-center centers, excluded rows are not). ``extra_centers``: embeddings of labeled assets
    outside the pool. ``labeled_class_counts``: labeled assets per class outside the pool.
    ``score_samples``: S probability rows per asset (n x S x k: an ensemble, MC-dropout passes); their
    mean stands in for ``scores`` when those are absent. ``detections``: predicted boxes per image.
    """

    asset_ids: npt.NDArray[np.str_]
    labeled: BoolArray
    excluded: BoolArray
    scores: FloatArray | None = None
    weak_probs: FloatArray | None = None
    weak_labels: IntArray | None = None
    labels: IntArray | None = None
    embeddings: F32Array | None = None
    metadata: Mapping[str, npt.NDArray[np.str_]] = field(default_factory=dict)
    hardness: FloatArray | None = None
    extra_centers: F32Array | None = None
    labeled_class_counts: FloatArray | None = None
    score_samples: FloatArray | None = None
    detections: Detections | None = None

    @property
    def n(self) -> int:
        return int(self.asset_ids.shape[0])


@dataclass(frozen=True, slots=True)
class Strategy:
    """One strategy of a mixture and its share of the budget (see the ``select`` module for ``kind``).

    Typicality: ``clusters`` caps the k-means clusters (0 = ``MAX_AUTO_CLUSTERS``) and
    ``typicality_neighbors`` is the neighbour count of the typicality (0 = ``DEFAULT_NEIGHBORS``).
    ``box_aggregation``: how the detection kind scores an image (``detection_scores``);
    ``batch_sampling``/``power_beta``: top-k or the power draw for uncertainty and detection."""

    kind: str
    fraction: float = 1.0
    name: str = ""
    measure: str = "margin"
    strata: str = "predicted"
    metadata_key: str = ""
    proportional: bool = False
    target_classes: tuple[int, ...] = ()
    lf_filter: str = "none"
    unsure_below: float = 0.5
    class_source: str = "predicted"
    target_distribution: tuple[float, ...] = ()
    clusters: int = 0
    typicality_neighbors: int = 0
    box_aggregation: str = "max_entropy"
    batch_sampling: str = "top"
    power_beta: float = 1.0

    @property
    def label(self) -> str:
        return self.name or self.kind


@dataclass(frozen=True, slots=True)
class Dedup:
    """Near-duplicate removal: cosine distance <= ``threshold`` (times the median nearest-neighbour
    distance when ``relative``), ``k`` neighbours examined per asset."""

    threshold: float
    relative: bool = False
    k: int = 10


@dataclass(frozen=True, slots=True)
class Selection:
    """The batch in pick order. ``strategy[i]`` indexes the request's strategies (-1 = random fill);
    ``distance`` is NaN except for diversity picks (inf when there was no center yet). ``findings``
    name the request field they concern (``budget``, ``strategies[i]``)."""

    rows: IntArray
    strategy: IntArray
    score: FloatArray
    strategy_rank: IntArray
    distance: FloatArray
    quotas: IntArray
    picked: IntArray
    findings: list[Finding]
    duplicate_groups: int = 0
    dedup_threshold: float | None = None
