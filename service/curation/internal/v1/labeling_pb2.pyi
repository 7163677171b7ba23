from curation.v1 import common_pb2 as _common_pb2
from curation.v1 import labeling_pb2 as _labeling_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AppliedLabelingFunctions(_message.Message):
    __slots__ = ("label_matrix", "counts", "warnings")
    LABEL_MATRIX_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    label_matrix: _labeling_pb2.LabelMatrix
    counts: _containers.RepeatedCompositeFieldContainer[_labeling_pb2.LabelingFunctionCount]
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    def __init__(self, label_matrix: _Optional[_Union[_labeling_pb2.LabelMatrix, _Mapping]] = ..., counts: _Optional[_Iterable[_Union[_labeling_pb2.LabelingFunctionCount, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ...) -> None: ...

class LabelingFunctionAnalysis(_message.Message):
    __slots__ = ("functions", "label_coverage", "label_overlap", "label_conflict", "warnings")
    FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    LABEL_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    LABEL_OVERLAP_FIELD_NUMBER: _ClassVar[int]
    LABEL_CONFLICT_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    functions: _containers.RepeatedCompositeFieldContainer[_labeling_pb2.LabelingFunctionSummary]
    label_coverage: float
    label_overlap: float
    label_conflict: float
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    def __init__(self, functions: _Optional[_Iterable[_Union[_labeling_pb2.LabelingFunctionSummary, _Mapping]]] = ..., label_coverage: _Optional[float] = ..., label_overlap: _Optional[float] = ..., label_conflict: _Optional[float] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ...) -> None: ...

class LabelModelId(_message.Message):
    __slots__ = ("key_digest", "key_id", "mac")
    KEY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MAC_FIELD_NUMBER: _ClassVar[int]
    key_digest: str
    key_id: str
    mac: bytes
    def __init__(self, key_digest: _Optional[str] = ..., key_id: _Optional[str] = ..., mac: _Optional[bytes] = ...) -> None: ...

class FittedLabelModel(_message.Message):
    __slots__ = ("model", "task", "class_names", "num_functions", "parameters", "predictions", "warnings", "score")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    CLASS_NAMES_FIELD_NUMBER: _ClassVar[int]
    NUM_FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    model: _labeling_pb2.LabelModelType
    task: _labeling_pb2.LabelTask
    class_names: _containers.RepeatedScalarFieldContainer[str]
    num_functions: int
    parameters: _containers.RepeatedCompositeFieldContainer[_labeling_pb2.LabelModelParameters]
    predictions: _labeling_pb2.LabelPredictions
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    score: _labeling_pb2.LabelModelScore
    def __init__(self, model: _Optional[_Union[_labeling_pb2.LabelModelType, str]] = ..., task: _Optional[_Union[_labeling_pb2.LabelTask, str]] = ..., class_names: _Optional[_Iterable[str]] = ..., num_functions: _Optional[int] = ..., parameters: _Optional[_Iterable[_Union[_labeling_pb2.LabelModelParameters, _Mapping]]] = ..., predictions: _Optional[_Union[_labeling_pb2.LabelPredictions, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ..., score: _Optional[_Union[_labeling_pb2.LabelModelScore, _Mapping]] = ...) -> None: ...
