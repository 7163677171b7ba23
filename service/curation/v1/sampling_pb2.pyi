from curation.v1 import classification_pb2 as _classification_pb2
from curation.v1 import common_pb2 as _common_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StrategyKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STRATEGY_KIND_UNSPECIFIED: _ClassVar[StrategyKind]
    STRATEGY_KIND_RANDOM: _ClassVar[StrategyKind]
    STRATEGY_KIND_STRATIFIED: _ClassVar[StrategyKind]
    STRATEGY_KIND_LF_TARGETED: _ClassVar[StrategyKind]
    STRATEGY_KIND_UNCERTAINTY: _ClassVar[StrategyKind]
    STRATEGY_KIND_DIVERSITY: _ClassVar[StrategyKind]
    STRATEGY_KIND_RARITY: _ClassVar[StrategyKind]
    STRATEGY_KIND_HARDNESS: _ClassVar[StrategyKind]
    STRATEGY_KIND_TYPICALITY: _ClassVar[StrategyKind]
    STRATEGY_KIND_DETECTION: _ClassVar[StrategyKind]

class UncertaintyMeasure(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNCERTAINTY_MEASURE_UNSPECIFIED: _ClassVar[UncertaintyMeasure]
    UNCERTAINTY_MEASURE_LEAST_CONFIDENCE: _ClassVar[UncertaintyMeasure]
    UNCERTAINTY_MEASURE_MARGIN: _ClassVar[UncertaintyMeasure]
    UNCERTAINTY_MEASURE_ENTROPY: _ClassVar[UncertaintyMeasure]
    UNCERTAINTY_MEASURE_BALD: _ClassVar[UncertaintyMeasure]
    UNCERTAINTY_MEASURE_VARIATION_RATIO: _ClassVar[UncertaintyMeasure]

class BoxAggregation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BOX_AGGREGATION_UNSPECIFIED: _ClassVar[BoxAggregation]
    BOX_AGGREGATION_MAX_ENTROPY: _ClassVar[BoxAggregation]
    BOX_AGGREGATION_MEAN_ENTROPY: _ClassVar[BoxAggregation]
    BOX_AGGREGATION_SUM_ENTROPY: _ClassVar[BoxAggregation]
    BOX_AGGREGATION_LOCALIZATION: _ClassVar[BoxAggregation]
    BOX_AGGREGATION_COMBINED: _ClassVar[BoxAggregation]

class AcquisitionSampling(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACQUISITION_SAMPLING_UNSPECIFIED: _ClassVar[AcquisitionSampling]
    ACQUISITION_SAMPLING_TOP: _ClassVar[AcquisitionSampling]
    ACQUISITION_SAMPLING_POWER: _ClassVar[AcquisitionSampling]

class StrataSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STRATA_SOURCE_UNSPECIFIED: _ClassVar[StrataSource]
    STRATA_SOURCE_LABEL: _ClassVar[StrataSource]
    STRATA_SOURCE_PREDICTED: _ClassVar[StrataSource]
    STRATA_SOURCE_WEAK_LABEL: _ClassVar[StrataSource]
    STRATA_SOURCE_METADATA: _ClassVar[StrataSource]

class ClassSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLASS_SOURCE_UNSPECIFIED: _ClassVar[ClassSource]
    CLASS_SOURCE_PREDICTED: _ClassVar[ClassSource]
    CLASS_SOURCE_WEAK_LABEL: _ClassVar[ClassSource]

class ModelFilter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_FILTER_UNSPECIFIED: _ClassVar[ModelFilter]
    MODEL_FILTER_NONE: _ClassVar[ModelFilter]
    MODEL_FILTER_DISAGREE: _ClassVar[ModelFilter]
    MODEL_FILTER_DISAGREE_OR_UNSURE: _ClassVar[ModelFilter]
STRATEGY_KIND_UNSPECIFIED: StrategyKind
STRATEGY_KIND_RANDOM: StrategyKind
STRATEGY_KIND_STRATIFIED: StrategyKind
STRATEGY_KIND_LF_TARGETED: StrategyKind
STRATEGY_KIND_UNCERTAINTY: StrategyKind
STRATEGY_KIND_DIVERSITY: StrategyKind
STRATEGY_KIND_RARITY: StrategyKind
STRATEGY_KIND_HARDNESS: StrategyKind
STRATEGY_KIND_TYPICALITY: StrategyKind
STRATEGY_KIND_DETECTION: StrategyKind
UNCERTAINTY_MEASURE_UNSPECIFIED: UncertaintyMeasure
UNCERTAINTY_MEASURE_LEAST_CONFIDENCE: UncertaintyMeasure
UNCERTAINTY_MEASURE_MARGIN: UncertaintyMeasure
UNCERTAINTY_MEASURE_ENTROPY: UncertaintyMeasure
UNCERTAINTY_MEASURE_BALD: UncertaintyMeasure
UNCERTAINTY_MEASURE_VARIATION_RATIO: UncertaintyMeasure
BOX_AGGREGATION_UNSPECIFIED: BoxAggregation
BOX_AGGREGATION_MAX_ENTROPY: BoxAggregation
BOX_AGGREGATION_MEAN_ENTROPY: BoxAggregation
BOX_AGGREGATION_SUM_ENTROPY: BoxAggregation
BOX_AGGREGATION_LOCALIZATION: BoxAggregation
BOX_AGGREGATION_COMBINED: BoxAggregation
ACQUISITION_SAMPLING_UNSPECIFIED: AcquisitionSampling
ACQUISITION_SAMPLING_TOP: AcquisitionSampling
ACQUISITION_SAMPLING_POWER: AcquisitionSampling
STRATA_SOURCE_UNSPECIFIED: StrataSource
STRATA_SOURCE_LABEL: StrataSource
STRATA_SOURCE_PREDICTED: StrataSource
STRATA_SOURCE_WEAK_LABEL: StrataSource
STRATA_SOURCE_METADATA: StrataSource
CLASS_SOURCE_UNSPECIFIED: ClassSource
CLASS_SOURCE_PREDICTED: ClassSource
CLASS_SOURCE_WEAK_LABEL: ClassSource
MODEL_FILTER_UNSPECIFIED: ModelFilter
MODEL_FILTER_NONE: ModelFilter
MODEL_FILTER_DISAGREE: ModelFilter
MODEL_FILTER_DISAGREE_OR_UNSURE: ModelFilter

class SamplingStrategy(_message.Message):
    __slots__ = ("kind", "fraction", "name", "measure", "strata", "metadata_key", "proportional", "target_classes", "model_filter", "unsure_below", "class_source", "target_distribution", "clusters", "typicality_neighbors", "box_aggregation", "batch_sampling", "power_beta")
    KIND_FIELD_NUMBER: _ClassVar[int]
    FRACTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEASURE_FIELD_NUMBER: _ClassVar[int]
    STRATA_FIELD_NUMBER: _ClassVar[int]
    METADATA_KEY_FIELD_NUMBER: _ClassVar[int]
    PROPORTIONAL_FIELD_NUMBER: _ClassVar[int]
    TARGET_CLASSES_FIELD_NUMBER: _ClassVar[int]
    MODEL_FILTER_FIELD_NUMBER: _ClassVar[int]
    UNSURE_BELOW_FIELD_NUMBER: _ClassVar[int]
    CLASS_SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGET_DISTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    TYPICALITY_NEIGHBORS_FIELD_NUMBER: _ClassVar[int]
    BOX_AGGREGATION_FIELD_NUMBER: _ClassVar[int]
    BATCH_SAMPLING_FIELD_NUMBER: _ClassVar[int]
    POWER_BETA_FIELD_NUMBER: _ClassVar[int]
    kind: StrategyKind
    fraction: float
    name: str
    measure: UncertaintyMeasure
    strata: StrataSource
    metadata_key: str
    proportional: bool
    target_classes: _containers.RepeatedScalarFieldContainer[int]
    model_filter: ModelFilter
    unsure_below: float
    class_source: ClassSource
    target_distribution: _containers.RepeatedScalarFieldContainer[float]
    clusters: int
    typicality_neighbors: int
    box_aggregation: BoxAggregation
    batch_sampling: AcquisitionSampling
    power_beta: float
    def __init__(self, kind: _Optional[_Union[StrategyKind, str]] = ..., fraction: _Optional[float] = ..., name: _Optional[str] = ..., measure: _Optional[_Union[UncertaintyMeasure, str]] = ..., strata: _Optional[_Union[StrataSource, str]] = ..., metadata_key: _Optional[str] = ..., proportional: _Optional[bool] = ..., target_classes: _Optional[_Iterable[int]] = ..., model_filter: _Optional[_Union[ModelFilter, str]] = ..., unsure_below: _Optional[float] = ..., class_source: _Optional[_Union[ClassSource, str]] = ..., target_distribution: _Optional[_Iterable[float]] = ..., clusters: _Optional[int] = ..., typicality_neighbors: _Optional[int] = ..., box_aggregation: _Optional[_Union[BoxAggregation, str]] = ..., batch_sampling: _Optional[_Union[AcquisitionSampling, str]] = ..., power_beta: _Optional[float] = ...) -> None: ...

class DetectionPredictions(_message.Message):
    __slots__ = ("image_index", "boxes", "num_classes", "class_scores", "sample_index")
    IMAGE_INDEX_FIELD_NUMBER: _ClassVar[int]
    BOXES_FIELD_NUMBER: _ClassVar[int]
    NUM_CLASSES_FIELD_NUMBER: _ClassVar[int]
    CLASS_SCORES_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_INDEX_FIELD_NUMBER: _ClassVar[int]
    image_index: _containers.RepeatedScalarFieldContainer[int]
    boxes: _containers.RepeatedScalarFieldContainer[float]
    num_classes: int
    class_scores: _containers.RepeatedScalarFieldContainer[float]
    sample_index: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, image_index: _Optional[_Iterable[int]] = ..., boxes: _Optional[_Iterable[float]] = ..., num_classes: _Optional[int] = ..., class_scores: _Optional[_Iterable[float]] = ..., sample_index: _Optional[_Iterable[int]] = ...) -> None: ...

class NearDuplicateOptions(_message.Message):
    __slots__ = ("threshold", "relative", "neighbors")
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_FIELD_NUMBER: _ClassVar[int]
    NEIGHBORS_FIELD_NUMBER: _ClassVar[int]
    threshold: float
    relative: bool
    neighbors: int
    def __init__(self, threshold: _Optional[float] = ..., relative: _Optional[bool] = ..., neighbors: _Optional[int] = ...) -> None: ...

class SelectRequest(_message.Message):
    __slots__ = ("asset_ids", "metadata", "num_classes", "scores", "weak_label_probs", "weak_labels", "labels", "hardness", "embeddings", "embedding_dimension", "collection", "labeled_ids", "exclude_ids", "budget", "seed", "strategies", "dedup", "labeled_class_counts", "accuracy_history", "num_samples", "score_samples", "detections")
    ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    NUM_CLASSES_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    WEAK_LABEL_PROBS_FIELD_NUMBER: _ClassVar[int]
    WEAK_LABELS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    HARDNESS_FIELD_NUMBER: _ClassVar[int]
    EMBEDDINGS_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIMENSION_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    LABELED_IDS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_IDS_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    STRATEGIES_FIELD_NUMBER: _ClassVar[int]
    DEDUP_FIELD_NUMBER: _ClassVar[int]
    LABELED_CLASS_COUNTS_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_HISTORY_FIELD_NUMBER: _ClassVar[int]
    NUM_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    SCORE_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    asset_ids: _containers.RepeatedScalarFieldContainer[str]
    metadata: _containers.RepeatedCompositeFieldContainer[_common_pb2.MetadataColumn]
    num_classes: int
    scores: _containers.RepeatedScalarFieldContainer[float]
    weak_label_probs: _containers.RepeatedScalarFieldContainer[float]
    weak_labels: _containers.RepeatedScalarFieldContainer[int]
    labels: _containers.RepeatedScalarFieldContainer[int]
    hardness: _containers.RepeatedScalarFieldContainer[float]
    embeddings: bytes
    embedding_dimension: int
    collection: str
    labeled_ids: _containers.RepeatedScalarFieldContainer[str]
    exclude_ids: _containers.RepeatedScalarFieldContainer[str]
    budget: int
    seed: int
    strategies: _containers.RepeatedCompositeFieldContainer[SamplingStrategy]
    dedup: NearDuplicateOptions
    labeled_class_counts: _containers.RepeatedScalarFieldContainer[int]
    accuracy_history: _containers.RepeatedScalarFieldContainer[float]
    num_samples: int
    score_samples: _containers.RepeatedScalarFieldContainer[float]
    detections: DetectionPredictions
    def __init__(self, asset_ids: _Optional[_Iterable[str]] = ..., metadata: _Optional[_Iterable[_Union[_common_pb2.MetadataColumn, _Mapping]]] = ..., num_classes: _Optional[int] = ..., scores: _Optional[_Iterable[float]] = ..., weak_label_probs: _Optional[_Iterable[float]] = ..., weak_labels: _Optional[_Iterable[int]] = ..., labels: _Optional[_Iterable[int]] = ..., hardness: _Optional[_Iterable[float]] = ..., embeddings: _Optional[bytes] = ..., embedding_dimension: _Optional[int] = ..., collection: _Optional[str] = ..., labeled_ids: _Optional[_Iterable[str]] = ..., exclude_ids: _Optional[_Iterable[str]] = ..., budget: _Optional[int] = ..., seed: _Optional[int] = ..., strategies: _Optional[_Iterable[_Union[SamplingStrategy, _Mapping]]] = ..., dedup: _Optional[_Union[NearDuplicateOptions, _Mapping]] = ..., labeled_class_counts: _Optional[_Iterable[int]] = ..., accuracy_history: _Optional[_Iterable[float]] = ..., num_samples: _Optional[int] = ..., score_samples: _Optional[_Iterable[float]] = ..., detections: _Optional[_Union[DetectionPredictions, _Mapping]] = ...) -> None: ...

class SelectedAsset(_message.Message):
    __slots__ = ("asset_id", "strategy_index", "strategy", "score", "rank", "strategy_rank", "nearest_distance", "reason")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_INDEX_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_RANK_FIELD_NUMBER: _ClassVar[int]
    NEAREST_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    strategy_index: int
    strategy: str
    score: float
    rank: int
    strategy_rank: int
    nearest_distance: float
    reason: str
    def __init__(self, asset_id: _Optional[str] = ..., strategy_index: _Optional[int] = ..., strategy: _Optional[str] = ..., score: _Optional[float] = ..., rank: _Optional[int] = ..., strategy_rank: _Optional[int] = ..., nearest_distance: _Optional[float] = ..., reason: _Optional[str] = ...) -> None: ...

class SelectionRegime(_message.Message):
    __slots__ = ("regime", "reason", "accuracy", "chance", "kappa", "source", "labeled")
    REGIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_FIELD_NUMBER: _ClassVar[int]
    CHANCE_FIELD_NUMBER: _ClassVar[int]
    KAPPA_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LABELED_FIELD_NUMBER: _ClassVar[int]
    regime: str
    reason: str
    accuracy: float
    chance: float
    kappa: float
    source: str
    labeled: int
    def __init__(self, regime: _Optional[str] = ..., reason: _Optional[str] = ..., accuracy: _Optional[float] = ..., chance: _Optional[float] = ..., kappa: _Optional[float] = ..., source: _Optional[str] = ..., labeled: _Optional[int] = ...) -> None: ...

class StrategyOutcome(_message.Message):
    __slots__ = ("strategy", "quota", "selected")
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    SELECTED_FIELD_NUMBER: _ClassVar[int]
    strategy: str
    quota: int
    selected: int
    def __init__(self, strategy: _Optional[str] = ..., quota: _Optional[int] = ..., selected: _Optional[int] = ...) -> None: ...

class SelectResponse(_message.Message):
    __slots__ = ("selected", "strategies", "duplicate_groups", "dedup_threshold", "warnings", "cache", "regime")
    SELECTED_FIELD_NUMBER: _ClassVar[int]
    STRATEGIES_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_GROUPS_FIELD_NUMBER: _ClassVar[int]
    DEDUP_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    REGIME_FIELD_NUMBER: _ClassVar[int]
    selected: _containers.RepeatedCompositeFieldContainer[SelectedAsset]
    strategies: _containers.RepeatedCompositeFieldContainer[StrategyOutcome]
    duplicate_groups: int
    dedup_threshold: float
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    cache: _common_pb2.CacheInfo
    regime: SelectionRegime
    def __init__(self, selected: _Optional[_Iterable[_Union[SelectedAsset, _Mapping]]] = ..., strategies: _Optional[_Iterable[_Union[StrategyOutcome, _Mapping]]] = ..., duplicate_groups: _Optional[int] = ..., dedup_threshold: _Optional[float] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ..., cache: _Optional[_Union[_common_pb2.CacheInfo, _Mapping]] = ..., regime: _Optional[_Union[SelectionRegime, _Mapping]] = ...) -> None: ...

class FindNearDuplicatesRequest(_message.Message):
    __slots__ = ("asset_ids", "embeddings", "embedding_dimension", "collection", "threshold", "relative", "neighbors", "page_size", "page_token")
    ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    EMBEDDINGS_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIMENSION_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_FIELD_NUMBER: _ClassVar[int]
    NEIGHBORS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    asset_ids: _containers.RepeatedScalarFieldContainer[str]
    embeddings: bytes
    embedding_dimension: int
    collection: str
    threshold: float
    relative: bool
    neighbors: int
    page_size: int
    page_token: str
    def __init__(self, asset_ids: _Optional[_Iterable[str]] = ..., embeddings: _Optional[bytes] = ..., embedding_dimension: _Optional[int] = ..., collection: _Optional[str] = ..., threshold: _Optional[float] = ..., relative: _Optional[bool] = ..., neighbors: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class DuplicateGroup(_message.Message):
    __slots__ = ("asset_ids", "max_distance")
    ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    MAX_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    asset_ids: _containers.RepeatedScalarFieldContainer[str]
    max_distance: float
    def __init__(self, asset_ids: _Optional[_Iterable[str]] = ..., max_distance: _Optional[float] = ...) -> None: ...

class FindNearDuplicatesResponse(_message.Message):
    __slots__ = ("groups", "total_groups", "duplicate_assets", "threshold", "median_nn_distance", "next_page_token", "cache", "warnings")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_GROUPS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_ASSETS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_NN_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[DuplicateGroup]
    total_groups: int
    duplicate_assets: int
    threshold: float
    median_nn_distance: float
    next_page_token: str
    cache: _common_pb2.CacheInfo
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    def __init__(self, groups: _Optional[_Iterable[_Union[DuplicateGroup, _Mapping]]] = ..., total_groups: _Optional[int] = ..., duplicate_assets: _Optional[int] = ..., threshold: _Optional[float] = ..., median_nn_distance: _Optional[float] = ..., next_page_token: _Optional[str] = ..., cache: _Optional[_Union[_common_pb2.CacheInfo, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ...) -> None: ...

class PlanRequest(_message.Message):
    __slots__ = ("diagnostics", "diagnostics_key", "selection", "weakest_classes", "weakest_slices")
    DIAGNOSTICS_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSTICS_KEY_FIELD_NUMBER: _ClassVar[int]
    SELECTION_FIELD_NUMBER: _ClassVar[int]
    WEAKEST_CLASSES_FIELD_NUMBER: _ClassVar[int]
    WEAKEST_SLICES_FIELD_NUMBER: _ClassVar[int]
    diagnostics: _classification_pb2.ScoreClassificationResponse
    diagnostics_key: str
    selection: SelectRequest
    weakest_classes: int
    weakest_slices: int
    def __init__(self, diagnostics: _Optional[_Union[_classification_pb2.ScoreClassificationResponse, _Mapping]] = ..., diagnostics_key: _Optional[str] = ..., selection: _Optional[_Union[SelectRequest, _Mapping]] = ..., weakest_classes: _Optional[int] = ..., weakest_slices: _Optional[int] = ...) -> None: ...

class WeakClass(_message.Message):
    __slots__ = ("class_index", "class_name", "f1", "recall", "support")
    CLASS_INDEX_FIELD_NUMBER: _ClassVar[int]
    CLASS_NAME_FIELD_NUMBER: _ClassVar[int]
    F1_FIELD_NUMBER: _ClassVar[int]
    RECALL_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_FIELD_NUMBER: _ClassVar[int]
    class_index: int
    class_name: str
    f1: float
    recall: float
    support: int
    def __init__(self, class_index: _Optional[int] = ..., class_name: _Optional[str] = ..., f1: _Optional[float] = ..., recall: _Optional[float] = ..., support: _Optional[int] = ...) -> None: ...

class WeakSlice(_message.Message):
    __slots__ = ("key", "value", "metric", "support")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    metric: float
    support: int
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ..., metric: _Optional[float] = ..., support: _Optional[int] = ...) -> None: ...

class PlanResponse(_message.Message):
    __slots__ = ("weak_classes", "weak_slices", "request", "selection", "reasons", "warnings")
    WEAK_CLASSES_FIELD_NUMBER: _ClassVar[int]
    WEAK_SLICES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    SELECTION_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    weak_classes: _containers.RepeatedCompositeFieldContainer[WeakClass]
    weak_slices: _containers.RepeatedCompositeFieldContainer[WeakSlice]
    request: SelectRequest
    selection: SelectResponse
    reasons: _containers.RepeatedScalarFieldContainer[str]
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    def __init__(self, weak_classes: _Optional[_Iterable[_Union[WeakClass, _Mapping]]] = ..., weak_slices: _Optional[_Iterable[_Union[WeakSlice, _Mapping]]] = ..., request: _Optional[_Union[SelectRequest, _Mapping]] = ..., selection: _Optional[_Union[SelectResponse, _Mapping]] = ..., reasons: _Optional[_Iterable[str]] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ...) -> None: ...
