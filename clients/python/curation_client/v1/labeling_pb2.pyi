from . import common_pb2 as _common_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LabelModelType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABEL_MODEL_TYPE_UNSPECIFIED: _ClassVar[LabelModelType]
    LABEL_MODEL_TYPE_MAJORITY_VOTE: _ClassVar[LabelModelType]
    LABEL_MODEL_TYPE_WEIGHTED_MAJORITY_VOTE: _ClassVar[LabelModelType]
    LABEL_MODEL_TYPE_DAWID_SKENE: _ClassVar[LabelModelType]
    LABEL_MODEL_TYPE_MATRIX_COMPLETION: _ClassVar[LabelModelType]

class LabelTask(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABEL_TASK_UNSPECIFIED: _ClassVar[LabelTask]
    LABEL_TASK_SINGLE_LABEL: _ClassVar[LabelTask]
    LABEL_TASK_MULTI_LABEL: _ClassVar[LabelTask]

class TieBreak(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIE_BREAK_UNSPECIFIED: _ClassVar[TieBreak]
    TIE_BREAK_ABSTAIN: _ClassVar[TieBreak]
    TIE_BREAK_ASSET_ID_HASH: _ClassVar[TieBreak]
    TIE_BREAK_ROW_INDEX_HASH: _ClassVar[TieBreak]

class LabelModelMetric(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABEL_MODEL_METRIC_UNSPECIFIED: _ClassVar[LabelModelMetric]
    LABEL_MODEL_METRIC_ACCURACY: _ClassVar[LabelModelMetric]
    LABEL_MODEL_METRIC_COVERAGE: _ClassVar[LabelModelMetric]
    LABEL_MODEL_METRIC_PRECISION: _ClassVar[LabelModelMetric]
    LABEL_MODEL_METRIC_RECALL: _ClassVar[LabelModelMetric]
    LABEL_MODEL_METRIC_F1: _ClassVar[LabelModelMetric]
    LABEL_MODEL_METRIC_F1_MICRO: _ClassVar[LabelModelMetric]
    LABEL_MODEL_METRIC_F1_MACRO: _ClassVar[LabelModelMetric]
    LABEL_MODEL_METRIC_MATTHEWS_CORRCOEF: _ClassVar[LabelModelMetric]
    LABEL_MODEL_METRIC_ROC_AUC: _ClassVar[LabelModelMetric]

class LabelModelOptimizer(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABEL_MODEL_OPTIMIZER_UNSPECIFIED: _ClassVar[LabelModelOptimizer]
    LABEL_MODEL_OPTIMIZER_SGD: _ClassVar[LabelModelOptimizer]
    LABEL_MODEL_OPTIMIZER_ADAM: _ClassVar[LabelModelOptimizer]
    LABEL_MODEL_OPTIMIZER_ADAMAX: _ClassVar[LabelModelOptimizer]

class LearningRateSchedule(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEARNING_RATE_SCHEDULE_UNSPECIFIED: _ClassVar[LearningRateSchedule]
    LEARNING_RATE_SCHEDULE_CONSTANT: _ClassVar[LearningRateSchedule]
    LEARNING_RATE_SCHEDULE_LINEAR: _ClassVar[LearningRateSchedule]
    LEARNING_RATE_SCHEDULE_EXPONENTIAL: _ClassVar[LearningRateSchedule]
    LEARNING_RATE_SCHEDULE_STEP: _ClassVar[LearningRateSchedule]
LABEL_MODEL_TYPE_UNSPECIFIED: LabelModelType
LABEL_MODEL_TYPE_MAJORITY_VOTE: LabelModelType
LABEL_MODEL_TYPE_WEIGHTED_MAJORITY_VOTE: LabelModelType
LABEL_MODEL_TYPE_DAWID_SKENE: LabelModelType
LABEL_MODEL_TYPE_MATRIX_COMPLETION: LabelModelType
LABEL_TASK_UNSPECIFIED: LabelTask
LABEL_TASK_SINGLE_LABEL: LabelTask
LABEL_TASK_MULTI_LABEL: LabelTask
TIE_BREAK_UNSPECIFIED: TieBreak
TIE_BREAK_ABSTAIN: TieBreak
TIE_BREAK_ASSET_ID_HASH: TieBreak
TIE_BREAK_ROW_INDEX_HASH: TieBreak
LABEL_MODEL_METRIC_UNSPECIFIED: LabelModelMetric
LABEL_MODEL_METRIC_ACCURACY: LabelModelMetric
LABEL_MODEL_METRIC_COVERAGE: LabelModelMetric
LABEL_MODEL_METRIC_PRECISION: LabelModelMetric
LABEL_MODEL_METRIC_RECALL: LabelModelMetric
LABEL_MODEL_METRIC_F1: LabelModelMetric
LABEL_MODEL_METRIC_F1_MICRO: LabelModelMetric
LABEL_MODEL_METRIC_F1_MACRO: LabelModelMetric
LABEL_MODEL_METRIC_MATTHEWS_CORRCOEF: LabelModelMetric
LABEL_MODEL_METRIC_ROC_AUC: LabelModelMetric
LABEL_MODEL_OPTIMIZER_UNSPECIFIED: LabelModelOptimizer
LABEL_MODEL_OPTIMIZER_SGD: LabelModelOptimizer
LABEL_MODEL_OPTIMIZER_ADAM: LabelModelOptimizer
LABEL_MODEL_OPTIMIZER_ADAMAX: LabelModelOptimizer
LEARNING_RATE_SCHEDULE_UNSPECIFIED: LearningRateSchedule
LEARNING_RATE_SCHEDULE_CONSTANT: LearningRateSchedule
LEARNING_RATE_SCHEDULE_LINEAR: LearningRateSchedule
LEARNING_RATE_SCHEDULE_EXPONENTIAL: LearningRateSchedule
LEARNING_RATE_SCHEDULE_STEP: LearningRateSchedule

class LabelMatrix(_message.Message):
    __slots__ = ("num_rows", "num_functions", "rows", "functions", "labels", "negative")
    NUM_ROWS_FIELD_NUMBER: _ClassVar[int]
    NUM_FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    num_rows: int
    num_functions: int
    rows: _containers.RepeatedScalarFieldContainer[int]
    functions: _containers.RepeatedScalarFieldContainer[int]
    labels: _containers.RepeatedScalarFieldContainer[int]
    negative: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, num_rows: _Optional[int] = ..., num_functions: _Optional[int] = ..., rows: _Optional[_Iterable[int]] = ..., functions: _Optional[_Iterable[int]] = ..., labels: _Optional[_Iterable[int]] = ..., negative: _Optional[_Iterable[bool]] = ...) -> None: ...

class TextField(_message.Message):
    __slots__ = ("key", "values")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    key: str
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[str] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class KeywordRule(_message.Message):
    __slots__ = ("field", "patterns", "regex", "case_insensitive", "whole_word")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    PATTERNS_FIELD_NUMBER: _ClassVar[int]
    REGEX_FIELD_NUMBER: _ClassVar[int]
    CASE_INSENSITIVE_FIELD_NUMBER: _ClassVar[int]
    WHOLE_WORD_FIELD_NUMBER: _ClassVar[int]
    field: str
    patterns: _containers.RepeatedScalarFieldContainer[str]
    regex: bool
    case_insensitive: bool
    whole_word: bool
    def __init__(self, field: _Optional[str] = ..., patterns: _Optional[_Iterable[str]] = ..., regex: _Optional[bool] = ..., case_insensitive: _Optional[bool] = ..., whole_word: _Optional[bool] = ...) -> None: ...

class EqualsRule(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class InSetRule(_message.Message):
    __slots__ = ("key", "values")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    key: str
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[str] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class RangeRule(_message.Message):
    __slots__ = ("key", "min", "max")
    KEY_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    key: str
    min: float
    max: float
    def __init__(self, key: _Optional[str] = ..., min: _Optional[float] = ..., max: _Optional[float] = ...) -> None: ...

class ExistsRule(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class RuleList(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[Rule]
    def __init__(self, rules: _Optional[_Iterable[_Union[Rule, _Mapping]]] = ...) -> None: ...

class PredictedClassRule(_message.Message):
    __slots__ = ("label",)
    LABEL_FIELD_NUMBER: _ClassVar[int]
    label: int
    def __init__(self, label: _Optional[int] = ...) -> None: ...

class ScoreAtLeastRule(_message.Message):
    __slots__ = ("label", "threshold")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    label: int
    threshold: float
    def __init__(self, label: _Optional[int] = ..., threshold: _Optional[float] = ...) -> None: ...

class ScoreWithinMarginRule(_message.Message):
    __slots__ = ("label", "margin")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    label: int
    margin: float
    def __init__(self, label: _Optional[int] = ..., margin: _Optional[float] = ...) -> None: ...

class SimilarityRule(_message.Message):
    __slots__ = ("exemplars", "exemplar_asset_ids", "threshold")
    EXEMPLARS_FIELD_NUMBER: _ClassVar[int]
    EXEMPLAR_ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    exemplars: _containers.RepeatedScalarFieldContainer[float]
    exemplar_asset_ids: _containers.RepeatedScalarFieldContainer[str]
    threshold: float
    def __init__(self, exemplars: _Optional[_Iterable[float]] = ..., exemplar_asset_ids: _Optional[_Iterable[str]] = ..., threshold: _Optional[float] = ...) -> None: ...

class Rule(_message.Message):
    __slots__ = ("keyword", "equals", "in_set", "range", "exists", "all", "any", "negation", "predicted_class", "score_at_least", "score_within_margin", "similarity")
    KEYWORD_FIELD_NUMBER: _ClassVar[int]
    EQUALS_FIELD_NUMBER: _ClassVar[int]
    IN_SET_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    ANY_FIELD_NUMBER: _ClassVar[int]
    NEGATION_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_CLASS_FIELD_NUMBER: _ClassVar[int]
    SCORE_AT_LEAST_FIELD_NUMBER: _ClassVar[int]
    SCORE_WITHIN_MARGIN_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    keyword: KeywordRule
    equals: EqualsRule
    in_set: InSetRule
    range: RangeRule
    exists: ExistsRule
    all: RuleList
    any: RuleList
    negation: Rule
    predicted_class: PredictedClassRule
    score_at_least: ScoreAtLeastRule
    score_within_margin: ScoreWithinMarginRule
    similarity: SimilarityRule
    def __init__(self, keyword: _Optional[_Union[KeywordRule, _Mapping]] = ..., equals: _Optional[_Union[EqualsRule, _Mapping]] = ..., in_set: _Optional[_Union[InSetRule, _Mapping]] = ..., range: _Optional[_Union[RangeRule, _Mapping]] = ..., exists: _Optional[_Union[ExistsRule, _Mapping]] = ..., all: _Optional[_Union[RuleList, _Mapping]] = ..., any: _Optional[_Union[RuleList, _Mapping]] = ..., negation: _Optional[_Union[Rule, _Mapping]] = ..., predicted_class: _Optional[_Union[PredictedClassRule, _Mapping]] = ..., score_at_least: _Optional[_Union[ScoreAtLeastRule, _Mapping]] = ..., score_within_margin: _Optional[_Union[ScoreWithinMarginRule, _Mapping]] = ..., similarity: _Optional[_Union[SimilarityRule, _Mapping]] = ...) -> None: ...

class LabelingFunction(_message.Message):
    __slots__ = ("name", "label", "rule")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    name: str
    label: int
    rule: Rule
    def __init__(self, name: _Optional[str] = ..., label: _Optional[int] = ..., rule: _Optional[_Union[Rule, _Mapping]] = ...) -> None: ...

class ApplyLabelingFunctionsRequest(_message.Message):
    __slots__ = ("class_names", "asset_ids", "labeling_functions", "texts", "metadata", "scores", "embeddings", "embedding_dim", "embedding_collection")
    CLASS_NAMES_FIELD_NUMBER: _ClassVar[int]
    ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    LABELING_FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    TEXTS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    EMBEDDINGS_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_COLLECTION_FIELD_NUMBER: _ClassVar[int]
    class_names: _containers.RepeatedScalarFieldContainer[str]
    asset_ids: _containers.RepeatedScalarFieldContainer[str]
    labeling_functions: _containers.RepeatedCompositeFieldContainer[LabelingFunction]
    texts: _containers.RepeatedCompositeFieldContainer[TextField]
    metadata: _containers.RepeatedCompositeFieldContainer[_common_pb2.MetadataColumn]
    scores: _containers.RepeatedScalarFieldContainer[float]
    embeddings: _containers.RepeatedScalarFieldContainer[float]
    embedding_dim: int
    embedding_collection: str
    def __init__(self, class_names: _Optional[_Iterable[str]] = ..., asset_ids: _Optional[_Iterable[str]] = ..., labeling_functions: _Optional[_Iterable[_Union[LabelingFunction, _Mapping]]] = ..., texts: _Optional[_Iterable[_Union[TextField, _Mapping]]] = ..., metadata: _Optional[_Iterable[_Union[_common_pb2.MetadataColumn, _Mapping]]] = ..., scores: _Optional[_Iterable[float]] = ..., embeddings: _Optional[_Iterable[float]] = ..., embedding_dim: _Optional[int] = ..., embedding_collection: _Optional[str] = ...) -> None: ...

class LabelingFunctionCount(_message.Message):
    __slots__ = ("name", "votes", "coverage")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VOTES_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    votes: int
    coverage: float
    def __init__(self, name: _Optional[str] = ..., votes: _Optional[int] = ..., coverage: _Optional[float] = ...) -> None: ...

class ApplyLabelingFunctionsResponse(_message.Message):
    __slots__ = ("label_matrix", "counts", "cache", "warnings")
    LABEL_MATRIX_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    label_matrix: LabelMatrix
    counts: _containers.RepeatedCompositeFieldContainer[LabelingFunctionCount]
    cache: _common_pb2.CacheInfo
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    def __init__(self, label_matrix: _Optional[_Union[LabelMatrix, _Mapping]] = ..., counts: _Optional[_Iterable[_Union[LabelingFunctionCount, _Mapping]]] = ..., cache: _Optional[_Union[_common_pb2.CacheInfo, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ...) -> None: ...

class AnalyzeLabelingFunctionsRequest(_message.Message):
    __slots__ = ("class_names", "label_matrix", "function_names", "gold", "learned_weights")
    CLASS_NAMES_FIELD_NUMBER: _ClassVar[int]
    LABEL_MATRIX_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_NAMES_FIELD_NUMBER: _ClassVar[int]
    GOLD_FIELD_NUMBER: _ClassVar[int]
    LEARNED_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    class_names: _containers.RepeatedScalarFieldContainer[str]
    label_matrix: LabelMatrix
    function_names: _containers.RepeatedScalarFieldContainer[str]
    gold: _containers.RepeatedScalarFieldContainer[int]
    learned_weights: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, class_names: _Optional[_Iterable[str]] = ..., label_matrix: _Optional[_Union[LabelMatrix, _Mapping]] = ..., function_names: _Optional[_Iterable[str]] = ..., gold: _Optional[_Iterable[int]] = ..., learned_weights: _Optional[_Iterable[float]] = ...) -> None: ...

class LabelingFunctionSummary(_message.Message):
    __slots__ = ("name", "polarity", "coverage", "overlaps", "conflicts", "correct", "incorrect", "empirical_accuracy", "votes", "learned_weight", "empirical_probs")
    NAME_FIELD_NUMBER: _ClassVar[int]
    POLARITY_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    OVERLAPS_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    CORRECT_FIELD_NUMBER: _ClassVar[int]
    INCORRECT_FIELD_NUMBER: _ClassVar[int]
    EMPIRICAL_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    VOTES_FIELD_NUMBER: _ClassVar[int]
    LEARNED_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    EMPIRICAL_PROBS_FIELD_NUMBER: _ClassVar[int]
    name: str
    polarity: _containers.RepeatedScalarFieldContainer[int]
    coverage: float
    overlaps: float
    conflicts: float
    correct: int
    incorrect: int
    empirical_accuracy: float
    votes: int
    learned_weight: float
    empirical_probs: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, name: _Optional[str] = ..., polarity: _Optional[_Iterable[int]] = ..., coverage: _Optional[float] = ..., overlaps: _Optional[float] = ..., conflicts: _Optional[float] = ..., correct: _Optional[int] = ..., incorrect: _Optional[int] = ..., empirical_accuracy: _Optional[float] = ..., votes: _Optional[int] = ..., learned_weight: _Optional[float] = ..., empirical_probs: _Optional[_Iterable[float]] = ...) -> None: ...

class AnalyzeLabelingFunctionsResponse(_message.Message):
    __slots__ = ("functions", "label_coverage", "label_overlap", "label_conflict", "cache", "warnings")
    FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    LABEL_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    LABEL_OVERLAP_FIELD_NUMBER: _ClassVar[int]
    LABEL_CONFLICT_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    functions: _containers.RepeatedCompositeFieldContainer[LabelingFunctionSummary]
    label_coverage: float
    label_overlap: float
    label_conflict: float
    cache: _common_pb2.CacheInfo
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    def __init__(self, functions: _Optional[_Iterable[_Union[LabelingFunctionSummary, _Mapping]]] = ..., label_coverage: _Optional[float] = ..., label_overlap: _Optional[float] = ..., label_conflict: _Optional[float] = ..., cache: _Optional[_Union[_common_pb2.CacheInfo, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ...) -> None: ...

class LabelModelMetricValue(_message.Message):
    __slots__ = ("metric", "value")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    metric: LabelModelMetric
    value: float
    def __init__(self, metric: _Optional[_Union[LabelModelMetric, str]] = ..., value: _Optional[float] = ...) -> None: ...

class LabelModelScore(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedCompositeFieldContainer[LabelModelMetricValue]
    def __init__(self, values: _Optional[_Iterable[_Union[LabelModelMetricValue, _Mapping]]] = ...) -> None: ...

class FitLabelModelRequest(_message.Message):
    __slots__ = ("class_names", "asset_ids", "label_matrix", "model", "task", "class_balance", "lf_accuracies", "seed", "max_iterations", "tie_break", "omit_predictions", "learning_rate", "l2", "prec_init", "mu_eps", "gold", "metrics", "dev_labels", "optimizer", "lr_scheduler", "lr_gamma", "lr_step_size", "lr_warmup_epochs", "lr_min")
    CLASS_NAMES_FIELD_NUMBER: _ClassVar[int]
    ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    LABEL_MATRIX_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    CLASS_BALANCE_FIELD_NUMBER: _ClassVar[int]
    LF_ACCURACIES_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    MAX_ITERATIONS_FIELD_NUMBER: _ClassVar[int]
    TIE_BREAK_FIELD_NUMBER: _ClassVar[int]
    OMIT_PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    L2_FIELD_NUMBER: _ClassVar[int]
    PREC_INIT_FIELD_NUMBER: _ClassVar[int]
    MU_EPS_FIELD_NUMBER: _ClassVar[int]
    GOLD_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    DEV_LABELS_FIELD_NUMBER: _ClassVar[int]
    OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    LR_SCHEDULER_FIELD_NUMBER: _ClassVar[int]
    LR_GAMMA_FIELD_NUMBER: _ClassVar[int]
    LR_STEP_SIZE_FIELD_NUMBER: _ClassVar[int]
    LR_WARMUP_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    LR_MIN_FIELD_NUMBER: _ClassVar[int]
    class_names: _containers.RepeatedScalarFieldContainer[str]
    asset_ids: _containers.RepeatedScalarFieldContainer[str]
    label_matrix: LabelMatrix
    model: LabelModelType
    task: LabelTask
    class_balance: _containers.RepeatedScalarFieldContainer[float]
    lf_accuracies: _containers.RepeatedScalarFieldContainer[float]
    seed: int
    max_iterations: int
    tie_break: TieBreak
    omit_predictions: bool
    learning_rate: float
    l2: float
    prec_init: _containers.RepeatedScalarFieldContainer[float]
    mu_eps: float
    gold: _containers.RepeatedScalarFieldContainer[int]
    metrics: _containers.RepeatedScalarFieldContainer[LabelModelMetric]
    dev_labels: _containers.RepeatedScalarFieldContainer[int]
    optimizer: LabelModelOptimizer
    lr_scheduler: LearningRateSchedule
    lr_gamma: float
    lr_step_size: int
    lr_warmup_epochs: int
    lr_min: float
    def __init__(self, class_names: _Optional[_Iterable[str]] = ..., asset_ids: _Optional[_Iterable[str]] = ..., label_matrix: _Optional[_Union[LabelMatrix, _Mapping]] = ..., model: _Optional[_Union[LabelModelType, str]] = ..., task: _Optional[_Union[LabelTask, str]] = ..., class_balance: _Optional[_Iterable[float]] = ..., lf_accuracies: _Optional[_Iterable[float]] = ..., seed: _Optional[int] = ..., max_iterations: _Optional[int] = ..., tie_break: _Optional[_Union[TieBreak, str]] = ..., omit_predictions: _Optional[bool] = ..., learning_rate: _Optional[float] = ..., l2: _Optional[float] = ..., prec_init: _Optional[_Iterable[float]] = ..., mu_eps: _Optional[float] = ..., gold: _Optional[_Iterable[int]] = ..., metrics: _Optional[_Iterable[_Union[LabelModelMetric, str]]] = ..., dev_labels: _Optional[_Iterable[int]] = ..., optimizer: _Optional[_Union[LabelModelOptimizer, str]] = ..., lr_scheduler: _Optional[_Union[LearningRateSchedule, str]] = ..., lr_gamma: _Optional[float] = ..., lr_step_size: _Optional[int] = ..., lr_warmup_epochs: _Optional[int] = ..., lr_min: _Optional[float] = ...) -> None: ...

class LabelModelParameters(_message.Message):
    __slots__ = ("num_classes", "num_functions", "log_prior", "class_balance", "tables", "lf_accuracies", "iterations", "converged", "class_index", "functions")
    NUM_CLASSES_FIELD_NUMBER: _ClassVar[int]
    NUM_FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    LOG_PRIOR_FIELD_NUMBER: _ClassVar[int]
    CLASS_BALANCE_FIELD_NUMBER: _ClassVar[int]
    TABLES_FIELD_NUMBER: _ClassVar[int]
    LF_ACCURACIES_FIELD_NUMBER: _ClassVar[int]
    ITERATIONS_FIELD_NUMBER: _ClassVar[int]
    CONVERGED_FIELD_NUMBER: _ClassVar[int]
    CLASS_INDEX_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    num_classes: int
    num_functions: int
    log_prior: _containers.RepeatedScalarFieldContainer[float]
    class_balance: _containers.RepeatedScalarFieldContainer[float]
    tables: _containers.RepeatedScalarFieldContainer[float]
    lf_accuracies: _containers.RepeatedScalarFieldContainer[float]
    iterations: int
    converged: bool
    class_index: int
    functions: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, num_classes: _Optional[int] = ..., num_functions: _Optional[int] = ..., log_prior: _Optional[_Iterable[float]] = ..., class_balance: _Optional[_Iterable[float]] = ..., tables: _Optional[_Iterable[float]] = ..., lf_accuracies: _Optional[_Iterable[float]] = ..., iterations: _Optional[int] = ..., converged: _Optional[bool] = ..., class_index: _Optional[int] = ..., functions: _Optional[_Iterable[int]] = ...) -> None: ...

class LabelPredictions(_message.Message):
    __slots__ = ("num_rows", "num_classes", "probabilities", "labels")
    NUM_ROWS_FIELD_NUMBER: _ClassVar[int]
    NUM_CLASSES_FIELD_NUMBER: _ClassVar[int]
    PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    num_rows: int
    num_classes: int
    probabilities: _containers.RepeatedScalarFieldContainer[float]
    labels: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, num_rows: _Optional[int] = ..., num_classes: _Optional[int] = ..., probabilities: _Optional[_Iterable[float]] = ..., labels: _Optional[_Iterable[int]] = ...) -> None: ...

class FitLabelModelResponse(_message.Message):
    __slots__ = ("model_id", "model", "task", "parameters", "predictions", "cache", "warnings", "score")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    model: LabelModelType
    task: LabelTask
    parameters: _containers.RepeatedCompositeFieldContainer[LabelModelParameters]
    predictions: LabelPredictions
    cache: _common_pb2.CacheInfo
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    score: LabelModelScore
    def __init__(self, model_id: _Optional[str] = ..., model: _Optional[_Union[LabelModelType, str]] = ..., task: _Optional[_Union[LabelTask, str]] = ..., parameters: _Optional[_Iterable[_Union[LabelModelParameters, _Mapping]]] = ..., predictions: _Optional[_Union[LabelPredictions, _Mapping]] = ..., cache: _Optional[_Union[_common_pb2.CacheInfo, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ..., score: _Optional[_Union[LabelModelScore, _Mapping]] = ...) -> None: ...

class PredictLabelModelRequest(_message.Message):
    __slots__ = ("model_id", "asset_ids", "label_matrix", "tie_break", "gold", "metrics")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    LABEL_MATRIX_FIELD_NUMBER: _ClassVar[int]
    TIE_BREAK_FIELD_NUMBER: _ClassVar[int]
    GOLD_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    asset_ids: _containers.RepeatedScalarFieldContainer[str]
    label_matrix: LabelMatrix
    tie_break: TieBreak
    gold: _containers.RepeatedScalarFieldContainer[int]
    metrics: _containers.RepeatedScalarFieldContainer[LabelModelMetric]
    def __init__(self, model_id: _Optional[str] = ..., asset_ids: _Optional[_Iterable[str]] = ..., label_matrix: _Optional[_Union[LabelMatrix, _Mapping]] = ..., tie_break: _Optional[_Union[TieBreak, str]] = ..., gold: _Optional[_Iterable[int]] = ..., metrics: _Optional[_Iterable[_Union[LabelModelMetric, str]]] = ...) -> None: ...

class PredictLabelModelResponse(_message.Message):
    __slots__ = ("model_id", "predictions", "warnings", "score")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    predictions: LabelPredictions
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    score: LabelModelScore
    def __init__(self, model_id: _Optional[str] = ..., predictions: _Optional[_Union[LabelPredictions, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ..., score: _Optional[_Union[LabelModelScore, _Mapping]] = ...) -> None: ...

class DeleteLabelModelRequest(_message.Message):
    __slots__ = ("model_id",)
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    def __init__(self, model_id: _Optional[str] = ...) -> None: ...

class DeleteLabelModelResponse(_message.Message):
    __slots__ = ("deleted",)
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: bool
    def __init__(self, deleted: _Optional[bool] = ...) -> None: ...
