from . import classification_pb2 as _classification_pb2
from . import common_pb2 as _common_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DetectionIouType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DETECTION_IOU_TYPE_UNSPECIFIED: _ClassVar[DetectionIouType]
    DETECTION_IOU_TYPE_BBOX: _ClassVar[DetectionIouType]
    DETECTION_IOU_TYPE_SEGM: _ClassVar[DetectionIouType]
    DETECTION_IOU_TYPE_KEYPOINTS: _ClassVar[DetectionIouType]

class DetectionMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DETECTION_MODE_UNSPECIFIED: _ClassVar[DetectionMode]
    DETECTION_MODE_COCO: _ClassVar[DetectionMode]
    DETECTION_MODE_DIAGNOSTIC: _ClassVar[DetectionMode]
    DETECTION_MODE_LVIS: _ClassVar[DetectionMode]

class DetectionCategoryFrequency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DETECTION_CATEGORY_FREQUENCY_UNSPECIFIED: _ClassVar[DetectionCategoryFrequency]
    DETECTION_CATEGORY_FREQUENCY_RARE: _ClassVar[DetectionCategoryFrequency]
    DETECTION_CATEGORY_FREQUENCY_COMMON: _ClassVar[DetectionCategoryFrequency]
    DETECTION_CATEGORY_FREQUENCY_FREQUENT: _ClassVar[DetectionCategoryFrequency]

class DetectionErrorType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DETECTION_ERROR_TYPE_UNSPECIFIED: _ClassVar[DetectionErrorType]
    DETECTION_ERROR_TYPE_CLASSIFICATION: _ClassVar[DetectionErrorType]
    DETECTION_ERROR_TYPE_LOCALIZATION: _ClassVar[DetectionErrorType]
    DETECTION_ERROR_TYPE_BOTH: _ClassVar[DetectionErrorType]
    DETECTION_ERROR_TYPE_DUPLICATE: _ClassVar[DetectionErrorType]
    DETECTION_ERROR_TYPE_BACKGROUND: _ClassVar[DetectionErrorType]
    DETECTION_ERROR_TYPE_MISSED: _ClassVar[DetectionErrorType]

class DetectionOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DETECTION_OUTCOME_UNSPECIFIED: _ClassVar[DetectionOutcome]
    DETECTION_OUTCOME_TRUE_POSITIVE: _ClassVar[DetectionOutcome]
    DETECTION_OUTCOME_FALSE_POSITIVE: _ClassVar[DetectionOutcome]
    DETECTION_OUTCOME_MISSED: _ClassVar[DetectionOutcome]
    DETECTION_OUTCOME_IGNORED: _ClassVar[DetectionOutcome]
    DETECTION_OUTCOME_BELOW_THRESHOLD: _ClassVar[DetectionOutcome]
    DETECTION_OUTCOME_TRUNCATED: _ClassVar[DetectionOutcome]

class DetectionView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DETECTION_VIEW_UNSPECIFIED: _ClassVar[DetectionView]
    DETECTION_VIEW_COCO: _ClassVar[DetectionView]
    DETECTION_VIEW_PER_CLASS: _ClassVar[DetectionView]
    DETECTION_VIEW_TIDE: _ClassVar[DetectionView]
    DETECTION_VIEW_CONFUSION: _ClassVar[DetectionView]
    DETECTION_VIEW_ASSETS: _ClassVar[DetectionView]
    DETECTION_VIEW_SLICES: _ClassVar[DetectionView]
    DETECTION_VIEW_ARRAYS: _ClassVar[DetectionView]
DETECTION_IOU_TYPE_UNSPECIFIED: DetectionIouType
DETECTION_IOU_TYPE_BBOX: DetectionIouType
DETECTION_IOU_TYPE_SEGM: DetectionIouType
DETECTION_IOU_TYPE_KEYPOINTS: DetectionIouType
DETECTION_MODE_UNSPECIFIED: DetectionMode
DETECTION_MODE_COCO: DetectionMode
DETECTION_MODE_DIAGNOSTIC: DetectionMode
DETECTION_MODE_LVIS: DetectionMode
DETECTION_CATEGORY_FREQUENCY_UNSPECIFIED: DetectionCategoryFrequency
DETECTION_CATEGORY_FREQUENCY_RARE: DetectionCategoryFrequency
DETECTION_CATEGORY_FREQUENCY_COMMON: DetectionCategoryFrequency
DETECTION_CATEGORY_FREQUENCY_FREQUENT: DetectionCategoryFrequency
DETECTION_ERROR_TYPE_UNSPECIFIED: DetectionErrorType
DETECTION_ERROR_TYPE_CLASSIFICATION: DetectionErrorType
DETECTION_ERROR_TYPE_LOCALIZATION: DetectionErrorType
DETECTION_ERROR_TYPE_BOTH: DetectionErrorType
DETECTION_ERROR_TYPE_DUPLICATE: DetectionErrorType
DETECTION_ERROR_TYPE_BACKGROUND: DetectionErrorType
DETECTION_ERROR_TYPE_MISSED: DetectionErrorType
DETECTION_OUTCOME_UNSPECIFIED: DetectionOutcome
DETECTION_OUTCOME_TRUE_POSITIVE: DetectionOutcome
DETECTION_OUTCOME_FALSE_POSITIVE: DetectionOutcome
DETECTION_OUTCOME_MISSED: DetectionOutcome
DETECTION_OUTCOME_IGNORED: DetectionOutcome
DETECTION_OUTCOME_BELOW_THRESHOLD: DetectionOutcome
DETECTION_OUTCOME_TRUNCATED: DetectionOutcome
DETECTION_VIEW_UNSPECIFIED: DetectionView
DETECTION_VIEW_COCO: DetectionView
DETECTION_VIEW_PER_CLASS: DetectionView
DETECTION_VIEW_TIDE: DetectionView
DETECTION_VIEW_CONFUSION: DetectionView
DETECTION_VIEW_ASSETS: DetectionView
DETECTION_VIEW_SLICES: DetectionView
DETECTION_VIEW_ARRAYS: DetectionView

class AreaRange(_message.Message):
    __slots__ = ("label", "min", "max")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    label: str
    min: float
    max: float
    def __init__(self, label: _Optional[str] = ..., min: _Optional[float] = ..., max: _Optional[float] = ...) -> None: ...

class KeypointSigmas(_message.Message):
    __slots__ = ("sigmas",)
    SIGMAS_FIELD_NUMBER: _ClassVar[int]
    sigmas: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, sigmas: _Optional[_Iterable[float]] = ...) -> None: ...

class DetectionParams(_message.Message):
    __slots__ = ("iou_thresholds", "recall_thresholds", "max_detections", "area_ranges", "keypoint_sigmas", "use_categories")
    IOU_THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    RECALL_THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    MAX_DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    AREA_RANGES_FIELD_NUMBER: _ClassVar[int]
    KEYPOINT_SIGMAS_FIELD_NUMBER: _ClassVar[int]
    USE_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    iou_thresholds: _containers.RepeatedScalarFieldContainer[float]
    recall_thresholds: _containers.RepeatedScalarFieldContainer[float]
    max_detections: _containers.RepeatedScalarFieldContainer[int]
    area_ranges: _containers.RepeatedCompositeFieldContainer[AreaRange]
    keypoint_sigmas: _containers.RepeatedCompositeFieldContainer[KeypointSigmas]
    use_categories: bool
    def __init__(self, iou_thresholds: _Optional[_Iterable[float]] = ..., recall_thresholds: _Optional[_Iterable[float]] = ..., max_detections: _Optional[_Iterable[int]] = ..., area_ranges: _Optional[_Iterable[_Union[AreaRange, _Mapping]]] = ..., keypoint_sigmas: _Optional[_Iterable[_Union[KeypointSigmas, _Mapping]]] = ..., use_categories: _Optional[bool] = ...) -> None: ...

class RleMask(_message.Message):
    __slots__ = ("height", "width", "counts")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    height: int
    width: int
    counts: str
    def __init__(self, height: _Optional[int] = ..., width: _Optional[int] = ..., counts: _Optional[str] = ...) -> None: ...

class ScoreDetectionRequest(_message.Message):
    __slots__ = ("asset_ids", "category_names", "gt_asset", "gt_category", "gt_boxes", "gt_iscrowd", "gt_area", "gt_ignore", "pred_asset", "pred_category", "pred_boxes", "pred_scores", "score_type", "gt_masks", "pred_masks", "coco_gt_json", "coco_results_json", "iou_type", "mode", "params", "operating_iou", "score_threshold", "tide_foreground_iou", "tide_background_iou", "iou_histogram_bins", "metadata", "slice_by", "min_slice_support", "max_slices_per_key", "include_arrays", "page_size", "page_token", "gt_metadata", "slice_gt_by", "views", "coco_gt_file", "coco_results_file", "lvis_neg_asset", "lvis_neg_category", "lvis_not_exhaustive_asset", "lvis_not_exhaustive_category", "category_frequency", "tide_progressive", "gt_keypoints", "pred_keypoints", "gt_num_keypoints")
    ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_NAMES_FIELD_NUMBER: _ClassVar[int]
    GT_ASSET_FIELD_NUMBER: _ClassVar[int]
    GT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    GT_BOXES_FIELD_NUMBER: _ClassVar[int]
    GT_ISCROWD_FIELD_NUMBER: _ClassVar[int]
    GT_AREA_FIELD_NUMBER: _ClassVar[int]
    GT_IGNORE_FIELD_NUMBER: _ClassVar[int]
    PRED_ASSET_FIELD_NUMBER: _ClassVar[int]
    PRED_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PRED_BOXES_FIELD_NUMBER: _ClassVar[int]
    PRED_SCORES_FIELD_NUMBER: _ClassVar[int]
    SCORE_TYPE_FIELD_NUMBER: _ClassVar[int]
    GT_MASKS_FIELD_NUMBER: _ClassVar[int]
    PRED_MASKS_FIELD_NUMBER: _ClassVar[int]
    COCO_GT_JSON_FIELD_NUMBER: _ClassVar[int]
    COCO_RESULTS_JSON_FIELD_NUMBER: _ClassVar[int]
    IOU_TYPE_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    OPERATING_IOU_FIELD_NUMBER: _ClassVar[int]
    SCORE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    TIDE_FOREGROUND_IOU_FIELD_NUMBER: _ClassVar[int]
    TIDE_BACKGROUND_IOU_FIELD_NUMBER: _ClassVar[int]
    IOU_HISTOGRAM_BINS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SLICE_BY_FIELD_NUMBER: _ClassVar[int]
    MIN_SLICE_SUPPORT_FIELD_NUMBER: _ClassVar[int]
    MAX_SLICES_PER_KEY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARRAYS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    GT_METADATA_FIELD_NUMBER: _ClassVar[int]
    SLICE_GT_BY_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    COCO_GT_FILE_FIELD_NUMBER: _ClassVar[int]
    COCO_RESULTS_FILE_FIELD_NUMBER: _ClassVar[int]
    LVIS_NEG_ASSET_FIELD_NUMBER: _ClassVar[int]
    LVIS_NEG_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LVIS_NOT_EXHAUSTIVE_ASSET_FIELD_NUMBER: _ClassVar[int]
    LVIS_NOT_EXHAUSTIVE_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    TIDE_PROGRESSIVE_FIELD_NUMBER: _ClassVar[int]
    GT_KEYPOINTS_FIELD_NUMBER: _ClassVar[int]
    PRED_KEYPOINTS_FIELD_NUMBER: _ClassVar[int]
    GT_NUM_KEYPOINTS_FIELD_NUMBER: _ClassVar[int]
    asset_ids: _containers.RepeatedScalarFieldContainer[str]
    category_names: _containers.RepeatedScalarFieldContainer[str]
    gt_asset: _containers.RepeatedScalarFieldContainer[int]
    gt_category: _containers.RepeatedScalarFieldContainer[int]
    gt_boxes: _containers.RepeatedScalarFieldContainer[float]
    gt_iscrowd: _containers.RepeatedScalarFieldContainer[bool]
    gt_area: _containers.RepeatedScalarFieldContainer[float]
    gt_ignore: _containers.RepeatedScalarFieldContainer[bool]
    pred_asset: _containers.RepeatedScalarFieldContainer[int]
    pred_category: _containers.RepeatedScalarFieldContainer[int]
    pred_boxes: _containers.RepeatedScalarFieldContainer[float]
    pred_scores: _containers.RepeatedScalarFieldContainer[float]
    score_type: _classification_pb2.ScoreType
    gt_masks: _containers.RepeatedCompositeFieldContainer[RleMask]
    pred_masks: _containers.RepeatedCompositeFieldContainer[RleMask]
    coco_gt_json: str
    coco_results_json: str
    iou_type: DetectionIouType
    mode: DetectionMode
    params: DetectionParams
    operating_iou: float
    score_threshold: float
    tide_foreground_iou: float
    tide_background_iou: float
    iou_histogram_bins: int
    metadata: _containers.RepeatedCompositeFieldContainer[_common_pb2.MetadataColumn]
    slice_by: _containers.RepeatedScalarFieldContainer[str]
    min_slice_support: int
    max_slices_per_key: int
    include_arrays: bool
    page_size: int
    page_token: str
    gt_metadata: _containers.RepeatedCompositeFieldContainer[_common_pb2.MetadataColumn]
    slice_gt_by: _containers.RepeatedScalarFieldContainer[str]
    views: _containers.RepeatedScalarFieldContainer[DetectionView]
    coco_gt_file: bytes
    coco_results_file: bytes
    lvis_neg_asset: _containers.RepeatedScalarFieldContainer[int]
    lvis_neg_category: _containers.RepeatedScalarFieldContainer[int]
    lvis_not_exhaustive_asset: _containers.RepeatedScalarFieldContainer[int]
    lvis_not_exhaustive_category: _containers.RepeatedScalarFieldContainer[int]
    category_frequency: _containers.RepeatedScalarFieldContainer[DetectionCategoryFrequency]
    tide_progressive: bool
    gt_keypoints: _containers.RepeatedScalarFieldContainer[float]
    pred_keypoints: _containers.RepeatedScalarFieldContainer[float]
    gt_num_keypoints: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, asset_ids: _Optional[_Iterable[str]] = ..., category_names: _Optional[_Iterable[str]] = ..., gt_asset: _Optional[_Iterable[int]] = ..., gt_category: _Optional[_Iterable[int]] = ..., gt_boxes: _Optional[_Iterable[float]] = ..., gt_iscrowd: _Optional[_Iterable[bool]] = ..., gt_area: _Optional[_Iterable[float]] = ..., gt_ignore: _Optional[_Iterable[bool]] = ..., pred_asset: _Optional[_Iterable[int]] = ..., pred_category: _Optional[_Iterable[int]] = ..., pred_boxes: _Optional[_Iterable[float]] = ..., pred_scores: _Optional[_Iterable[float]] = ..., score_type: _Optional[_Union[_classification_pb2.ScoreType, str]] = ..., gt_masks: _Optional[_Iterable[_Union[RleMask, _Mapping]]] = ..., pred_masks: _Optional[_Iterable[_Union[RleMask, _Mapping]]] = ..., coco_gt_json: _Optional[str] = ..., coco_results_json: _Optional[str] = ..., iou_type: _Optional[_Union[DetectionIouType, str]] = ..., mode: _Optional[_Union[DetectionMode, str]] = ..., params: _Optional[_Union[DetectionParams, _Mapping]] = ..., operating_iou: _Optional[float] = ..., score_threshold: _Optional[float] = ..., tide_foreground_iou: _Optional[float] = ..., tide_background_iou: _Optional[float] = ..., iou_histogram_bins: _Optional[int] = ..., metadata: _Optional[_Iterable[_Union[_common_pb2.MetadataColumn, _Mapping]]] = ..., slice_by: _Optional[_Iterable[str]] = ..., min_slice_support: _Optional[int] = ..., max_slices_per_key: _Optional[int] = ..., include_arrays: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., gt_metadata: _Optional[_Iterable[_Union[_common_pb2.MetadataColumn, _Mapping]]] = ..., slice_gt_by: _Optional[_Iterable[str]] = ..., views: _Optional[_Iterable[_Union[DetectionView, str]]] = ..., coco_gt_file: _Optional[bytes] = ..., coco_results_file: _Optional[bytes] = ..., lvis_neg_asset: _Optional[_Iterable[int]] = ..., lvis_neg_category: _Optional[_Iterable[int]] = ..., lvis_not_exhaustive_asset: _Optional[_Iterable[int]] = ..., lvis_not_exhaustive_category: _Optional[_Iterable[int]] = ..., category_frequency: _Optional[_Iterable[_Union[DetectionCategoryFrequency, str]]] = ..., tide_progressive: _Optional[bool] = ..., gt_keypoints: _Optional[_Iterable[float]] = ..., pred_keypoints: _Optional[_Iterable[float]] = ..., gt_num_keypoints: _Optional[_Iterable[int]] = ...) -> None: ...

class DetectionSummaryStat(_message.Message):
    __slots__ = ("name", "kind", "iou", "area", "max_detections", "value", "frequency")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    IOU_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    MAX_DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: str
    iou: float
    area: str
    max_detections: int
    value: float
    frequency: DetectionCategoryFrequency
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[str] = ..., iou: _Optional[float] = ..., area: _Optional[str] = ..., max_detections: _Optional[int] = ..., value: _Optional[float] = ..., frequency: _Optional[_Union[DetectionCategoryFrequency, str]] = ...) -> None: ...

class DetectionArrays(_message.Message):
    __slots__ = ("precision_shape", "precision", "recall", "scores")
    PRECISION_SHAPE_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    RECALL_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    precision_shape: _containers.RepeatedScalarFieldContainer[int]
    precision: _containers.RepeatedScalarFieldContainer[float]
    recall: _containers.RepeatedScalarFieldContainer[float]
    scores: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, precision_shape: _Optional[_Iterable[int]] = ..., precision: _Optional[_Iterable[float]] = ..., recall: _Optional[_Iterable[float]] = ..., scores: _Optional[_Iterable[float]] = ...) -> None: ...

class DetectionParamsUsed(_message.Message):
    __slots__ = ("iou_thresholds", "recall_thresholds", "max_detections", "area_ranges", "operating_iou", "score_threshold", "tide_foreground_iou", "tide_background_iou", "iou_type")
    IOU_THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    RECALL_THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    MAX_DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    AREA_RANGES_FIELD_NUMBER: _ClassVar[int]
    OPERATING_IOU_FIELD_NUMBER: _ClassVar[int]
    SCORE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    TIDE_FOREGROUND_IOU_FIELD_NUMBER: _ClassVar[int]
    TIDE_BACKGROUND_IOU_FIELD_NUMBER: _ClassVar[int]
    IOU_TYPE_FIELD_NUMBER: _ClassVar[int]
    iou_thresholds: _containers.RepeatedScalarFieldContainer[float]
    recall_thresholds: _containers.RepeatedScalarFieldContainer[float]
    max_detections: _containers.RepeatedScalarFieldContainer[int]
    area_ranges: _containers.RepeatedCompositeFieldContainer[AreaRange]
    operating_iou: float
    score_threshold: float
    tide_foreground_iou: float
    tide_background_iou: float
    iou_type: DetectionIouType
    def __init__(self, iou_thresholds: _Optional[_Iterable[float]] = ..., recall_thresholds: _Optional[_Iterable[float]] = ..., max_detections: _Optional[_Iterable[int]] = ..., area_ranges: _Optional[_Iterable[_Union[AreaRange, _Mapping]]] = ..., operating_iou: _Optional[float] = ..., score_threshold: _Optional[float] = ..., tide_foreground_iou: _Optional[float] = ..., tide_background_iou: _Optional[float] = ..., iou_type: _Optional[_Union[DetectionIouType, str]] = ...) -> None: ...

class DetectionClassMetrics(_message.Message):
    __slots__ = ("category", "num_gt", "num_predictions", "ap", "ap50", "ap75", "ar", "precision", "recall", "f1", "tp", "fp", "fn", "best_f1", "best_f1_threshold", "best_f1_precision", "best_f1_recall", "pr_curve", "iou_histogram")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    NUM_GT_FIELD_NUMBER: _ClassVar[int]
    NUM_PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    AP_FIELD_NUMBER: _ClassVar[int]
    AP50_FIELD_NUMBER: _ClassVar[int]
    AP75_FIELD_NUMBER: _ClassVar[int]
    AR_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    RECALL_FIELD_NUMBER: _ClassVar[int]
    F1_FIELD_NUMBER: _ClassVar[int]
    TP_FIELD_NUMBER: _ClassVar[int]
    FP_FIELD_NUMBER: _ClassVar[int]
    FN_FIELD_NUMBER: _ClassVar[int]
    BEST_F1_FIELD_NUMBER: _ClassVar[int]
    BEST_F1_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    BEST_F1_PRECISION_FIELD_NUMBER: _ClassVar[int]
    BEST_F1_RECALL_FIELD_NUMBER: _ClassVar[int]
    PR_CURVE_FIELD_NUMBER: _ClassVar[int]
    IOU_HISTOGRAM_FIELD_NUMBER: _ClassVar[int]
    category: str
    num_gt: int
    num_predictions: int
    ap: float
    ap50: float
    ap75: float
    ar: float
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    best_f1: float
    best_f1_threshold: float
    best_f1_precision: float
    best_f1_recall: float
    pr_curve: _containers.RepeatedScalarFieldContainer[float]
    iou_histogram: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, category: _Optional[str] = ..., num_gt: _Optional[int] = ..., num_predictions: _Optional[int] = ..., ap: _Optional[float] = ..., ap50: _Optional[float] = ..., ap75: _Optional[float] = ..., ar: _Optional[float] = ..., precision: _Optional[float] = ..., recall: _Optional[float] = ..., f1: _Optional[float] = ..., tp: _Optional[int] = ..., fp: _Optional[int] = ..., fn: _Optional[int] = ..., best_f1: _Optional[float] = ..., best_f1_threshold: _Optional[float] = ..., best_f1_precision: _Optional[float] = ..., best_f1_recall: _Optional[float] = ..., pr_curve: _Optional[_Iterable[float]] = ..., iou_histogram: _Optional[_Iterable[int]] = ...) -> None: ...

class DetectionSlice(_message.Message):
    __slots__ = ("key", "value", "num_assets", "num_gt", "num_predictions", "ap", "ap50", "ar", "tp", "fp", "fn", "ranked", "gt_level")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    NUM_ASSETS_FIELD_NUMBER: _ClassVar[int]
    NUM_GT_FIELD_NUMBER: _ClassVar[int]
    NUM_PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    AP_FIELD_NUMBER: _ClassVar[int]
    AP50_FIELD_NUMBER: _ClassVar[int]
    AR_FIELD_NUMBER: _ClassVar[int]
    TP_FIELD_NUMBER: _ClassVar[int]
    FP_FIELD_NUMBER: _ClassVar[int]
    FN_FIELD_NUMBER: _ClassVar[int]
    RANKED_FIELD_NUMBER: _ClassVar[int]
    GT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    num_assets: int
    num_gt: int
    num_predictions: int
    ap: float
    ap50: float
    ar: float
    tp: int
    fp: int
    fn: int
    ranked: bool
    gt_level: bool
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ..., num_assets: _Optional[int] = ..., num_gt: _Optional[int] = ..., num_predictions: _Optional[int] = ..., ap: _Optional[float] = ..., ap50: _Optional[float] = ..., ar: _Optional[float] = ..., tp: _Optional[int] = ..., fp: _Optional[int] = ..., fn: _Optional[int] = ..., ranked: _Optional[bool] = ..., gt_level: _Optional[bool] = ...) -> None: ...

class DetectionErrorCount(_message.Message):
    __slots__ = ("type", "count", "delta_ap")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    DELTA_AP_FIELD_NUMBER: _ClassVar[int]
    type: DetectionErrorType
    count: int
    delta_ap: float
    def __init__(self, type: _Optional[_Union[DetectionErrorType, str]] = ..., count: _Optional[int] = ..., delta_ap: _Optional[float] = ...) -> None: ...

class DetectionErrorBreakdown(_message.Message):
    __slots__ = ("ap", "errors", "false_positive_delta_ap", "false_negative_delta_ap")
    AP_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    FALSE_POSITIVE_DELTA_AP_FIELD_NUMBER: _ClassVar[int]
    FALSE_NEGATIVE_DELTA_AP_FIELD_NUMBER: _ClassVar[int]
    ap: float
    errors: _containers.RepeatedCompositeFieldContainer[DetectionErrorCount]
    false_positive_delta_ap: float
    false_negative_delta_ap: float
    def __init__(self, ap: _Optional[float] = ..., errors: _Optional[_Iterable[_Union[DetectionErrorCount, _Mapping]]] = ..., false_positive_delta_ap: _Optional[float] = ..., false_negative_delta_ap: _Optional[float] = ...) -> None: ...

class DetectionConfusion(_message.Message):
    __slots__ = ("labels", "counts")
    LABELS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    labels: _containers.RepeatedScalarFieldContainer[str]
    counts: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, labels: _Optional[_Iterable[str]] = ..., counts: _Optional[_Iterable[int]] = ...) -> None: ...

class DetectionObject(_message.Message):
    __slots__ = ("is_ground_truth", "index", "category", "score", "outcome", "matched_index", "iou", "error")
    IS_GROUND_TRUTH_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    MATCHED_INDEX_FIELD_NUMBER: _ClassVar[int]
    IOU_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    is_ground_truth: bool
    index: int
    category: str
    score: float
    outcome: DetectionOutcome
    matched_index: int
    iou: float
    error: DetectionErrorType
    def __init__(self, is_ground_truth: _Optional[bool] = ..., index: _Optional[int] = ..., category: _Optional[str] = ..., score: _Optional[float] = ..., outcome: _Optional[_Union[DetectionOutcome, str]] = ..., matched_index: _Optional[int] = ..., iou: _Optional[float] = ..., error: _Optional[_Union[DetectionErrorType, str]] = ...) -> None: ...

class DetectionAsset(_message.Message):
    __slots__ = ("asset_id", "tp", "fp", "fn", "objects")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    TP_FIELD_NUMBER: _ClassVar[int]
    FP_FIELD_NUMBER: _ClassVar[int]
    FN_FIELD_NUMBER: _ClassVar[int]
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    tp: int
    fp: int
    fn: int
    objects: _containers.RepeatedCompositeFieldContainer[DetectionObject]
    def __init__(self, asset_id: _Optional[str] = ..., tp: _Optional[int] = ..., fp: _Optional[int] = ..., fn: _Optional[int] = ..., objects: _Optional[_Iterable[_Union[DetectionObject, _Mapping]]] = ...) -> None: ...

class DetectionCounts(_message.Message):
    __slots__ = ("num_assets", "num_gt", "num_predictions", "num_truncated", "num_unverified_predictions", "num_zero_area_gt", "num_zero_area_predictions")
    NUM_ASSETS_FIELD_NUMBER: _ClassVar[int]
    NUM_GT_FIELD_NUMBER: _ClassVar[int]
    NUM_PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    NUM_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    NUM_UNVERIFIED_PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    NUM_ZERO_AREA_GT_FIELD_NUMBER: _ClassVar[int]
    NUM_ZERO_AREA_PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    num_assets: int
    num_gt: int
    num_predictions: int
    num_truncated: int
    num_unverified_predictions: int
    num_zero_area_gt: int
    num_zero_area_predictions: int
    def __init__(self, num_assets: _Optional[int] = ..., num_gt: _Optional[int] = ..., num_predictions: _Optional[int] = ..., num_truncated: _Optional[int] = ..., num_unverified_predictions: _Optional[int] = ..., num_zero_area_gt: _Optional[int] = ..., num_zero_area_predictions: _Optional[int] = ...) -> None: ...

class ScoreDetectionResponse(_message.Message):
    __slots__ = ("mode", "params", "mode_changes", "summary", "arrays", "per_class", "slices", "errors", "confusion", "iou_histogram_edges", "counts", "assets", "assets_total", "next_page_token", "warnings", "cache", "views")
    MODE_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    MODE_CHANGES_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ARRAYS_FIELD_NUMBER: _ClassVar[int]
    PER_CLASS_FIELD_NUMBER: _ClassVar[int]
    SLICES_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    CONFUSION_FIELD_NUMBER: _ClassVar[int]
    IOU_HISTOGRAM_EDGES_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    ASSETS_FIELD_NUMBER: _ClassVar[int]
    ASSETS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    CACHE_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    mode: DetectionMode
    params: DetectionParamsUsed
    mode_changes: _containers.RepeatedScalarFieldContainer[str]
    summary: _containers.RepeatedCompositeFieldContainer[DetectionSummaryStat]
    arrays: DetectionArrays
    per_class: _containers.RepeatedCompositeFieldContainer[DetectionClassMetrics]
    slices: _containers.RepeatedCompositeFieldContainer[DetectionSlice]
    errors: DetectionErrorBreakdown
    confusion: DetectionConfusion
    iou_histogram_edges: _containers.RepeatedScalarFieldContainer[float]
    counts: DetectionCounts
    assets: _containers.RepeatedCompositeFieldContainer[DetectionAsset]
    assets_total: int
    next_page_token: str
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    cache: _common_pb2.CacheInfo
    views: _containers.RepeatedScalarFieldContainer[DetectionView]
    def __init__(self, mode: _Optional[_Union[DetectionMode, str]] = ..., params: _Optional[_Union[DetectionParamsUsed, _Mapping]] = ..., mode_changes: _Optional[_Iterable[str]] = ..., summary: _Optional[_Iterable[_Union[DetectionSummaryStat, _Mapping]]] = ..., arrays: _Optional[_Union[DetectionArrays, _Mapping]] = ..., per_class: _Optional[_Iterable[_Union[DetectionClassMetrics, _Mapping]]] = ..., slices: _Optional[_Iterable[_Union[DetectionSlice, _Mapping]]] = ..., errors: _Optional[_Union[DetectionErrorBreakdown, _Mapping]] = ..., confusion: _Optional[_Union[DetectionConfusion, _Mapping]] = ..., iou_histogram_edges: _Optional[_Iterable[float]] = ..., counts: _Optional[_Union[DetectionCounts, _Mapping]] = ..., assets: _Optional[_Iterable[_Union[DetectionAsset, _Mapping]]] = ..., assets_total: _Optional[int] = ..., next_page_token: _Optional[str] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ..., cache: _Optional[_Union[_common_pb2.CacheInfo, _Mapping]] = ..., views: _Optional[_Iterable[_Union[DetectionView, str]]] = ...) -> None: ...

class ScoreDetectionStreamRequest(_message.Message):
    __slots__ = ("chunk",)
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    chunk: ScoreDetectionRequest
    def __init__(self, chunk: _Optional[_Union[ScoreDetectionRequest, _Mapping]] = ...) -> None: ...

class ScoreDetectionStreamResponse(_message.Message):
    __slots__ = ("response",)
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    response: ScoreDetectionResponse
    def __init__(self, response: _Optional[_Union[ScoreDetectionResponse, _Mapping]] = ...) -> None: ...
