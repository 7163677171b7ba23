from curation.v1 import common_pb2 as _common_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClassificationTask(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLASSIFICATION_TASK_UNSPECIFIED: _ClassVar[ClassificationTask]
    CLASSIFICATION_TASK_SINGLE_LABEL: _ClassVar[ClassificationTask]
    CLASSIFICATION_TASK_MULTI_LABEL: _ClassVar[ClassificationTask]

class ScoreType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCORE_TYPE_UNSPECIFIED: _ClassVar[ScoreType]
    SCORE_TYPE_PROBABILITY: _ClassVar[ScoreType]
    SCORE_TYPE_DECISION: _ClassVar[ScoreType]

class SliceMetric(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SLICE_METRIC_UNSPECIFIED: _ClassVar[SliceMetric]
    SLICE_METRIC_ACCURACY: _ClassVar[SliceMetric]
    SLICE_METRIC_MACRO_F1: _ClassVar[SliceMetric]
    SLICE_METRIC_MICRO_F1: _ClassVar[SliceMetric]
    SLICE_METRIC_WEIGHTED_F1: _ClassVar[SliceMetric]
    SLICE_METRIC_MACRO_RECALL: _ClassVar[SliceMetric]
    SLICE_METRIC_MACRO_PRECISION: _ClassVar[SliceMetric]

class ZeroDivision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ZERO_DIVISION_UNSPECIFIED: _ClassVar[ZeroDivision]
    ZERO_DIVISION_ZERO: _ClassVar[ZeroDivision]
    ZERO_DIVISION_ONE: _ClassVar[ZeroDivision]
    ZERO_DIVISION_NAN: _ClassVar[ZeroDivision]

class ConfusionNormalization(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFUSION_NORMALIZATION_UNSPECIFIED: _ClassVar[ConfusionNormalization]
    CONFUSION_NORMALIZATION_TRUE: _ClassVar[ConfusionNormalization]
    CONFUSION_NORMALIZATION_PRED: _ClassVar[ConfusionNormalization]
    CONFUSION_NORMALIZATION_ALL: _ClassVar[ConfusionNormalization]
CLASSIFICATION_TASK_UNSPECIFIED: ClassificationTask
CLASSIFICATION_TASK_SINGLE_LABEL: ClassificationTask
CLASSIFICATION_TASK_MULTI_LABEL: ClassificationTask
SCORE_TYPE_UNSPECIFIED: ScoreType
SCORE_TYPE_PROBABILITY: ScoreType
SCORE_TYPE_DECISION: ScoreType
SLICE_METRIC_UNSPECIFIED: SliceMetric
SLICE_METRIC_ACCURACY: SliceMetric
SLICE_METRIC_MACRO_F1: SliceMetric
SLICE_METRIC_MICRO_F1: SliceMetric
SLICE_METRIC_WEIGHTED_F1: SliceMetric
SLICE_METRIC_MACRO_RECALL: SliceMetric
SLICE_METRIC_MACRO_PRECISION: SliceMetric
ZERO_DIVISION_UNSPECIFIED: ZeroDivision
ZERO_DIVISION_ZERO: ZeroDivision
ZERO_DIVISION_ONE: ZeroDivision
ZERO_DIVISION_NAN: ZeroDivision
CONFUSION_NORMALIZATION_UNSPECIFIED: ConfusionNormalization
CONFUSION_NORMALIZATION_TRUE: ConfusionNormalization
CONFUSION_NORMALIZATION_PRED: ConfusionNormalization
CONFUSION_NORMALIZATION_ALL: ConfusionNormalization

class ScoreClassificationRequest(_message.Message):
    __slots__ = ("class_names", "asset_ids", "task", "y_true", "y_pred", "y_true_indicator", "y_pred_indicator", "scores", "score_type", "decision_threshold", "top_k", "calibration_bins", "metadata", "slice_by", "slice_metric", "min_slice_support", "max_slices_per_key", "page_size", "page_token", "double_scores", "sample_weight", "beta", "zero_division", "labels", "pos_label", "confusion_normalization", "curve_points", "max_fpr", "pr_drop_intermediate", "roc_keep_intermediate")
    CLASS_NAMES_FIELD_NUMBER: _ClassVar[int]
    ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    Y_TRUE_FIELD_NUMBER: _ClassVar[int]
    Y_PRED_FIELD_NUMBER: _ClassVar[int]
    Y_TRUE_INDICATOR_FIELD_NUMBER: _ClassVar[int]
    Y_PRED_INDICATOR_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    SCORE_TYPE_FIELD_NUMBER: _ClassVar[int]
    DECISION_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_BINS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SLICE_BY_FIELD_NUMBER: _ClassVar[int]
    SLICE_METRIC_FIELD_NUMBER: _ClassVar[int]
    MIN_SLICE_SUPPORT_FIELD_NUMBER: _ClassVar[int]
    MAX_SLICES_PER_KEY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_SCORES_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    BETA_FIELD_NUMBER: _ClassVar[int]
    ZERO_DIVISION_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    POS_LABEL_FIELD_NUMBER: _ClassVar[int]
    CONFUSION_NORMALIZATION_FIELD_NUMBER: _ClassVar[int]
    CURVE_POINTS_FIELD_NUMBER: _ClassVar[int]
    MAX_FPR_FIELD_NUMBER: _ClassVar[int]
    PR_DROP_INTERMEDIATE_FIELD_NUMBER: _ClassVar[int]
    ROC_KEEP_INTERMEDIATE_FIELD_NUMBER: _ClassVar[int]
    class_names: _containers.RepeatedScalarFieldContainer[str]
    asset_ids: _containers.RepeatedScalarFieldContainer[str]
    task: ClassificationTask
    y_true: _containers.RepeatedScalarFieldContainer[int]
    y_pred: _containers.RepeatedScalarFieldContainer[int]
    y_true_indicator: _containers.RepeatedScalarFieldContainer[bool]
    y_pred_indicator: _containers.RepeatedScalarFieldContainer[bool]
    scores: _containers.RepeatedScalarFieldContainer[float]
    score_type: ScoreType
    decision_threshold: float
    top_k: _containers.RepeatedScalarFieldContainer[int]
    calibration_bins: int
    metadata: _containers.RepeatedCompositeFieldContainer[_common_pb2.MetadataColumn]
    slice_by: _containers.RepeatedScalarFieldContainer[str]
    slice_metric: SliceMetric
    min_slice_support: int
    max_slices_per_key: int
    page_size: int
    page_token: str
    double_scores: _containers.RepeatedScalarFieldContainer[float]
    sample_weight: _containers.RepeatedScalarFieldContainer[float]
    beta: float
    zero_division: ZeroDivision
    labels: _containers.RepeatedScalarFieldContainer[int]
    pos_label: int
    confusion_normalization: ConfusionNormalization
    curve_points: int
    max_fpr: float
    pr_drop_intermediate: bool
    roc_keep_intermediate: bool
    def __init__(self, class_names: _Optional[_Iterable[str]] = ..., asset_ids: _Optional[_Iterable[str]] = ..., task: _Optional[_Union[ClassificationTask, str]] = ..., y_true: _Optional[_Iterable[int]] = ..., y_pred: _Optional[_Iterable[int]] = ..., y_true_indicator: _Optional[_Iterable[bool]] = ..., y_pred_indicator: _Optional[_Iterable[bool]] = ..., scores: _Optional[_Iterable[float]] = ..., score_type: _Optional[_Union[ScoreType, str]] = ..., decision_threshold: _Optional[float] = ..., top_k: _Optional[_Iterable[int]] = ..., calibration_bins: _Optional[int] = ..., metadata: _Optional[_Iterable[_Union[_common_pb2.MetadataColumn, _Mapping]]] = ..., slice_by: _Optional[_Iterable[str]] = ..., slice_metric: _Optional[_Union[SliceMetric, str]] = ..., min_slice_support: _Optional[int] = ..., max_slices_per_key: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., double_scores: _Optional[_Iterable[float]] = ..., sample_weight: _Optional[_Iterable[float]] = ..., beta: _Optional[float] = ..., zero_division: _Optional[_Union[ZeroDivision, str]] = ..., labels: _Optional[_Iterable[int]] = ..., pos_label: _Optional[int] = ..., confusion_normalization: _Optional[_Union[ConfusionNormalization, str]] = ..., curve_points: _Optional[int] = ..., max_fpr: _Optional[float] = ..., pr_drop_intermediate: _Optional[bool] = ..., roc_keep_intermediate: _Optional[bool] = ...) -> None: ...

class TopKAccuracy(_message.Message):
    __slots__ = ("k", "accuracy")
    K_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_FIELD_NUMBER: _ClassVar[int]
    k: int
    accuracy: float
    def __init__(self, k: _Optional[int] = ..., accuracy: _Optional[float] = ...) -> None: ...

class ClassMetrics(_message.Message):
    __slots__ = ("class_name", "precision", "recall", "f1", "support", "predicted", "average_precision", "f_beta", "weighted_support", "roc_auc", "precision_recall_curve", "roc_curve")
    CLASS_NAME_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    RECALL_FIELD_NUMBER: _ClassVar[int]
    F1_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_PRECISION_FIELD_NUMBER: _ClassVar[int]
    F_BETA_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_SUPPORT_FIELD_NUMBER: _ClassVar[int]
    ROC_AUC_FIELD_NUMBER: _ClassVar[int]
    PRECISION_RECALL_CURVE_FIELD_NUMBER: _ClassVar[int]
    ROC_CURVE_FIELD_NUMBER: _ClassVar[int]
    class_name: str
    precision: float
    recall: float
    f1: float
    support: int
    predicted: int
    average_precision: float
    f_beta: float
    weighted_support: float
    roc_auc: float
    precision_recall_curve: PrecisionRecallCurve
    roc_curve: RocCurve
    def __init__(self, class_name: _Optional[str] = ..., precision: _Optional[float] = ..., recall: _Optional[float] = ..., f1: _Optional[float] = ..., support: _Optional[int] = ..., predicted: _Optional[int] = ..., average_precision: _Optional[float] = ..., f_beta: _Optional[float] = ..., weighted_support: _Optional[float] = ..., roc_auc: _Optional[float] = ..., precision_recall_curve: _Optional[_Union[PrecisionRecallCurve, _Mapping]] = ..., roc_curve: _Optional[_Union[RocCurve, _Mapping]] = ...) -> None: ...

class PrecisionRecallCurve(_message.Message):
    __slots__ = ("thresholds", "precision", "recall", "num_points")
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    RECALL_FIELD_NUMBER: _ClassVar[int]
    NUM_POINTS_FIELD_NUMBER: _ClassVar[int]
    thresholds: _containers.RepeatedScalarFieldContainer[float]
    precision: _containers.RepeatedScalarFieldContainer[float]
    recall: _containers.RepeatedScalarFieldContainer[float]
    num_points: int
    def __init__(self, thresholds: _Optional[_Iterable[float]] = ..., precision: _Optional[_Iterable[float]] = ..., recall: _Optional[_Iterable[float]] = ..., num_points: _Optional[int] = ...) -> None: ...

class RocCurve(_message.Message):
    __slots__ = ("thresholds", "fpr", "tpr", "num_points")
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    FPR_FIELD_NUMBER: _ClassVar[int]
    TPR_FIELD_NUMBER: _ClassVar[int]
    NUM_POINTS_FIELD_NUMBER: _ClassVar[int]
    thresholds: _containers.RepeatedScalarFieldContainer[float]
    fpr: _containers.RepeatedScalarFieldContainer[float]
    tpr: _containers.RepeatedScalarFieldContainer[float]
    num_points: int
    def __init__(self, thresholds: _Optional[_Iterable[float]] = ..., fpr: _Optional[_Iterable[float]] = ..., tpr: _Optional[_Iterable[float]] = ..., num_points: _Optional[int] = ...) -> None: ...

class OneVsOneRocAuc(_message.Message):
    __slots__ = ("macro", "weighted")
    MACRO_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_FIELD_NUMBER: _ClassVar[int]
    macro: float
    weighted: float
    def __init__(self, macro: _Optional[float] = ..., weighted: _Optional[float] = ...) -> None: ...

class AveragedMetrics(_message.Message):
    __slots__ = ("precision", "recall", "f1", "support", "average_precision", "f_beta", "weighted_support", "roc_auc")
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    RECALL_FIELD_NUMBER: _ClassVar[int]
    F1_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_PRECISION_FIELD_NUMBER: _ClassVar[int]
    F_BETA_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_SUPPORT_FIELD_NUMBER: _ClassVar[int]
    ROC_AUC_FIELD_NUMBER: _ClassVar[int]
    precision: float
    recall: float
    f1: float
    support: int
    average_precision: float
    f_beta: float
    weighted_support: float
    roc_auc: float
    def __init__(self, precision: _Optional[float] = ..., recall: _Optional[float] = ..., f1: _Optional[float] = ..., support: _Optional[int] = ..., average_precision: _Optional[float] = ..., f_beta: _Optional[float] = ..., weighted_support: _Optional[float] = ..., roc_auc: _Optional[float] = ...) -> None: ...

class Averages(_message.Message):
    __slots__ = ("micro", "macro", "weighted", "samples", "binary")
    MICRO_FIELD_NUMBER: _ClassVar[int]
    MACRO_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    BINARY_FIELD_NUMBER: _ClassVar[int]
    micro: AveragedMetrics
    macro: AveragedMetrics
    weighted: AveragedMetrics
    samples: AveragedMetrics
    binary: AveragedMetrics
    def __init__(self, micro: _Optional[_Union[AveragedMetrics, _Mapping]] = ..., macro: _Optional[_Union[AveragedMetrics, _Mapping]] = ..., weighted: _Optional[_Union[AveragedMetrics, _Mapping]] = ..., samples: _Optional[_Union[AveragedMetrics, _Mapping]] = ..., binary: _Optional[_Union[AveragedMetrics, _Mapping]] = ...) -> None: ...

class ConfusionMatrix(_message.Message):
    __slots__ = ("shape", "counts", "normalized", "weighted")
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    NORMALIZED_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_FIELD_NUMBER: _ClassVar[int]
    shape: _containers.RepeatedScalarFieldContainer[int]
    counts: _containers.RepeatedScalarFieldContainer[int]
    normalized: _containers.RepeatedScalarFieldContainer[float]
    weighted: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, shape: _Optional[_Iterable[int]] = ..., counts: _Optional[_Iterable[int]] = ..., normalized: _Optional[_Iterable[float]] = ..., weighted: _Optional[_Iterable[float]] = ...) -> None: ...

class ReliabilityBin(_message.Message):
    __slots__ = ("lower", "upper", "count", "mean_confidence", "accuracy", "weight")
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    lower: float
    upper: float
    count: int
    mean_confidence: float
    accuracy: float
    weight: float
    def __init__(self, lower: _Optional[float] = ..., upper: _Optional[float] = ..., count: _Optional[int] = ..., mean_confidence: _Optional[float] = ..., accuracy: _Optional[float] = ..., weight: _Optional[float] = ...) -> None: ...

class Calibration(_message.Message):
    __slots__ = ("expected_calibration_error", "max_calibration_error", "bins")
    EXPECTED_CALIBRATION_ERROR_FIELD_NUMBER: _ClassVar[int]
    MAX_CALIBRATION_ERROR_FIELD_NUMBER: _ClassVar[int]
    BINS_FIELD_NUMBER: _ClassVar[int]
    expected_calibration_error: float
    max_calibration_error: float
    bins: _containers.RepeatedCompositeFieldContainer[ReliabilityBin]
    def __init__(self, expected_calibration_error: _Optional[float] = ..., max_calibration_error: _Optional[float] = ..., bins: _Optional[_Iterable[_Union[ReliabilityBin, _Mapping]]] = ...) -> None: ...

class ClassificationSummary(_message.Message):
    __slots__ = ("num_assets", "accuracy", "top_k", "per_class", "averages", "confusion_matrix", "calibration", "log_loss", "hamming_loss", "balanced_accuracy", "adjusted_balanced_accuracy", "matthews_corrcoef", "cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic", "brier_score", "roc_auc", "roc_auc_ovo")
    NUM_ASSETS_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    PER_CLASS_FIELD_NUMBER: _ClassVar[int]
    AVERAGES_FIELD_NUMBER: _ClassVar[int]
    CONFUSION_MATRIX_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    LOG_LOSS_FIELD_NUMBER: _ClassVar[int]
    HAMMING_LOSS_FIELD_NUMBER: _ClassVar[int]
    BALANCED_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    ADJUSTED_BALANCED_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    MATTHEWS_CORRCOEF_FIELD_NUMBER: _ClassVar[int]
    COHEN_KAPPA_FIELD_NUMBER: _ClassVar[int]
    COHEN_KAPPA_LINEAR_FIELD_NUMBER: _ClassVar[int]
    COHEN_KAPPA_QUADRATIC_FIELD_NUMBER: _ClassVar[int]
    BRIER_SCORE_FIELD_NUMBER: _ClassVar[int]
    ROC_AUC_FIELD_NUMBER: _ClassVar[int]
    ROC_AUC_OVO_FIELD_NUMBER: _ClassVar[int]
    num_assets: int
    accuracy: float
    top_k: _containers.RepeatedCompositeFieldContainer[TopKAccuracy]
    per_class: _containers.RepeatedCompositeFieldContainer[ClassMetrics]
    averages: Averages
    confusion_matrix: ConfusionMatrix
    calibration: Calibration
    log_loss: float
    hamming_loss: float
    balanced_accuracy: float
    adjusted_balanced_accuracy: float
    matthews_corrcoef: float
    cohen_kappa: float
    cohen_kappa_linear: float
    cohen_kappa_quadratic: float
    brier_score: float
    roc_auc: float
    roc_auc_ovo: OneVsOneRocAuc
    def __init__(self, num_assets: _Optional[int] = ..., accuracy: _Optional[float] = ..., top_k: _Optional[_Iterable[_Union[TopKAccuracy, _Mapping]]] = ..., per_class: _Optional[_Iterable[_Union[ClassMetrics, _Mapping]]] = ..., averages: _Optional[_Union[Averages, _Mapping]] = ..., confusion_matrix: _Optional[_Union[ConfusionMatrix, _Mapping]] = ..., calibration: _Optional[_Union[Calibration, _Mapping]] = ..., log_loss: _Optional[float] = ..., hamming_loss: _Optional[float] = ..., balanced_accuracy: _Optional[float] = ..., adjusted_balanced_accuracy: _Optional[float] = ..., matthews_corrcoef: _Optional[float] = ..., cohen_kappa: _Optional[float] = ..., cohen_kappa_linear: _Optional[float] = ..., cohen_kappa_quadratic: _Optional[float] = ..., brier_score: _Optional[float] = ..., roc_auc: _Optional[float] = ..., roc_auc_ovo: _Optional[_Union[OneVsOneRocAuc, _Mapping]] = ...) -> None: ...

class SliceSummary(_message.Message):
    __slots__ = ("key", "value", "support", "metric", "ranked", "summary")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    RANKED_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    support: int
    metric: float
    ranked: bool
    summary: ClassificationSummary
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ..., support: _Optional[int] = ..., metric: _Optional[float] = ..., ranked: _Optional[bool] = ..., summary: _Optional[_Union[ClassificationSummary, _Mapping]] = ...) -> None: ...

class SliceReport(_message.Message):
    __slots__ = ("key", "metric", "slices", "num_values")
    KEY_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    SLICES_FIELD_NUMBER: _ClassVar[int]
    NUM_VALUES_FIELD_NUMBER: _ClassVar[int]
    key: str
    metric: SliceMetric
    slices: _containers.RepeatedCompositeFieldContainer[SliceSummary]
    num_values: int
    def __init__(self, key: _Optional[str] = ..., metric: _Optional[_Union[SliceMetric, str]] = ..., slices: _Optional[_Iterable[_Union[SliceSummary, _Mapping]]] = ..., num_values: _Optional[int] = ...) -> None: ...

class MisclassifiedAsset(_message.Message):
    __slots__ = ("asset_id", "row", "true_labels", "predicted_labels", "missed_labels", "spurious_labels", "confidence", "true_class_score")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    TRUE_LABELS_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_LABELS_FIELD_NUMBER: _ClassVar[int]
    MISSED_LABELS_FIELD_NUMBER: _ClassVar[int]
    SPURIOUS_LABELS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    TRUE_CLASS_SCORE_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    row: int
    true_labels: _containers.RepeatedScalarFieldContainer[int]
    predicted_labels: _containers.RepeatedScalarFieldContainer[int]
    missed_labels: _containers.RepeatedScalarFieldContainer[int]
    spurious_labels: _containers.RepeatedScalarFieldContainer[int]
    confidence: float
    true_class_score: float
    def __init__(self, asset_id: _Optional[str] = ..., row: _Optional[int] = ..., true_labels: _Optional[_Iterable[int]] = ..., predicted_labels: _Optional[_Iterable[int]] = ..., missed_labels: _Optional[_Iterable[int]] = ..., spurious_labels: _Optional[_Iterable[int]] = ..., confidence: _Optional[float] = ..., true_class_score: _Optional[float] = ...) -> None: ...

class ScoreClassificationResponse(_message.Message):
    __slots__ = ("summary", "slices", "misclassified", "misclassified_total", "next_page_token", "cache", "warnings")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SLICES_FIELD_NUMBER: _ClassVar[int]
    MISCLASSIFIED_FIELD_NUMBER: _ClassVar[int]
    MISCLASSIFIED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    summary: ClassificationSummary
    slices: _containers.RepeatedCompositeFieldContainer[SliceReport]
    misclassified: _containers.RepeatedCompositeFieldContainer[MisclassifiedAsset]
    misclassified_total: int
    next_page_token: str
    cache: _common_pb2.CacheInfo
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    def __init__(self, summary: _Optional[_Union[ClassificationSummary, _Mapping]] = ..., slices: _Optional[_Iterable[_Union[SliceReport, _Mapping]]] = ..., misclassified: _Optional[_Iterable[_Union[MisclassifiedAsset, _Mapping]]] = ..., misclassified_total: _Optional[int] = ..., next_page_token: _Optional[str] = ..., cache: _Optional[_Union[_common_pb2.CacheInfo, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ...) -> None: ...
