from curation.v1 import detection_pb2 as _detection_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DetectionEvaluation(_message.Message):
    __slots__ = ("report", "asset_ids", "asset_order", "asset_tp", "asset_fp", "asset_fn", "object_offsets", "object_is_gt", "object_index", "object_category", "object_score", "object_outcome", "object_matched", "object_iou", "object_error", "category_names")
    REPORT_FIELD_NUMBER: _ClassVar[int]
    ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    ASSET_ORDER_FIELD_NUMBER: _ClassVar[int]
    ASSET_TP_FIELD_NUMBER: _ClassVar[int]
    ASSET_FP_FIELD_NUMBER: _ClassVar[int]
    ASSET_FN_FIELD_NUMBER: _ClassVar[int]
    OBJECT_OFFSETS_FIELD_NUMBER: _ClassVar[int]
    OBJECT_IS_GT_FIELD_NUMBER: _ClassVar[int]
    OBJECT_INDEX_FIELD_NUMBER: _ClassVar[int]
    OBJECT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    OBJECT_SCORE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    OBJECT_MATCHED_FIELD_NUMBER: _ClassVar[int]
    OBJECT_IOU_FIELD_NUMBER: _ClassVar[int]
    OBJECT_ERROR_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_NAMES_FIELD_NUMBER: _ClassVar[int]
    report: _detection_pb2.ScoreDetectionResponse
    asset_ids: _containers.RepeatedScalarFieldContainer[str]
    asset_order: _containers.RepeatedScalarFieldContainer[int]
    asset_tp: _containers.RepeatedScalarFieldContainer[int]
    asset_fp: _containers.RepeatedScalarFieldContainer[int]
    asset_fn: _containers.RepeatedScalarFieldContainer[int]
    object_offsets: _containers.RepeatedScalarFieldContainer[int]
    object_is_gt: _containers.RepeatedScalarFieldContainer[bool]
    object_index: _containers.RepeatedScalarFieldContainer[int]
    object_category: _containers.RepeatedScalarFieldContainer[int]
    object_score: _containers.RepeatedScalarFieldContainer[float]
    object_outcome: _containers.RepeatedScalarFieldContainer[_detection_pb2.DetectionOutcome]
    object_matched: _containers.RepeatedScalarFieldContainer[int]
    object_iou: _containers.RepeatedScalarFieldContainer[float]
    object_error: _containers.RepeatedScalarFieldContainer[_detection_pb2.DetectionErrorType]
    category_names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, report: _Optional[_Union[_detection_pb2.ScoreDetectionResponse, _Mapping]] = ..., asset_ids: _Optional[_Iterable[str]] = ..., asset_order: _Optional[_Iterable[int]] = ..., asset_tp: _Optional[_Iterable[int]] = ..., asset_fp: _Optional[_Iterable[int]] = ..., asset_fn: _Optional[_Iterable[int]] = ..., object_offsets: _Optional[_Iterable[int]] = ..., object_is_gt: _Optional[_Iterable[bool]] = ..., object_index: _Optional[_Iterable[int]] = ..., object_category: _Optional[_Iterable[int]] = ..., object_score: _Optional[_Iterable[float]] = ..., object_outcome: _Optional[_Iterable[_Union[_detection_pb2.DetectionOutcome, str]]] = ..., object_matched: _Optional[_Iterable[int]] = ..., object_iou: _Optional[_Iterable[float]] = ..., object_error: _Optional[_Iterable[_Union[_detection_pb2.DetectionErrorType, str]]] = ..., category_names: _Optional[_Iterable[str]] = ...) -> None: ...
