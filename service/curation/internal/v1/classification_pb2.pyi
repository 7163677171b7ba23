from curation.v1 import classification_pb2 as _classification_pb2
from curation.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClassificationEvaluation(_message.Message):
    __slots__ = ("summary", "slices", "misclassified", "warnings")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SLICES_FIELD_NUMBER: _ClassVar[int]
    MISCLASSIFIED_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    summary: _classification_pb2.ClassificationSummary
    slices: _containers.RepeatedCompositeFieldContainer[_classification_pb2.SliceReport]
    misclassified: _containers.RepeatedCompositeFieldContainer[_classification_pb2.MisclassifiedAsset]
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    def __init__(self, summary: _Optional[_Union[_classification_pb2.ClassificationSummary, _Mapping]] = ..., slices: _Optional[_Iterable[_Union[_classification_pb2.SliceReport, _Mapping]]] = ..., misclassified: _Optional[_Iterable[_Union[_classification_pb2.MisclassifiedAsset, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ...) -> None: ...
