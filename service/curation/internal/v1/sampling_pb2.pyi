from curation.v1 import common_pb2 as _common_pb2
from curation.v1 import sampling_pb2 as _sampling_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SelectionResult(_message.Message):
    __slots__ = ("selected", "strategies", "duplicate_groups", "dedup_threshold", "warnings", "regime")
    SELECTED_FIELD_NUMBER: _ClassVar[int]
    STRATEGIES_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_GROUPS_FIELD_NUMBER: _ClassVar[int]
    DEDUP_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    REGIME_FIELD_NUMBER: _ClassVar[int]
    selected: _containers.RepeatedCompositeFieldContainer[_sampling_pb2.SelectedAsset]
    strategies: _containers.RepeatedCompositeFieldContainer[_sampling_pb2.StrategyOutcome]
    duplicate_groups: int
    dedup_threshold: float
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    regime: _sampling_pb2.SelectionRegime
    def __init__(self, selected: _Optional[_Iterable[_Union[_sampling_pb2.SelectedAsset, _Mapping]]] = ..., strategies: _Optional[_Iterable[_Union[_sampling_pb2.StrategyOutcome, _Mapping]]] = ..., duplicate_groups: _Optional[int] = ..., dedup_threshold: _Optional[float] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ..., regime: _Optional[_Union[_sampling_pb2.SelectionRegime, _Mapping]] = ...) -> None: ...

class NearDuplicateGroups(_message.Message):
    __slots__ = ("groups", "duplicate_assets", "threshold", "median_nn_distance", "warnings")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_ASSETS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_NN_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[_sampling_pb2.DuplicateGroup]
    duplicate_assets: int
    threshold: float
    median_nn_distance: float
    warnings: _containers.RepeatedCompositeFieldContainer[_common_pb2.Warning]
    def __init__(self, groups: _Optional[_Iterable[_Union[_sampling_pb2.DuplicateGroup, _Mapping]]] = ..., duplicate_assets: _Optional[int] = ..., threshold: _Optional[float] = ..., median_nn_distance: _Optional[float] = ..., warnings: _Optional[_Iterable[_Union[_common_pb2.Warning, _Mapping]]] = ...) -> None: ...

class SamplingClustering(_message.Message):
    __slots__ = ("clusters", "dimension", "centroids", "assignment")
    CLUSTERS_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    CENTROIDS_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    clusters: int
    dimension: int
    centroids: bytes
    assignment: bytes
    def __init__(self, clusters: _Optional[int] = ..., dimension: _Optional[int] = ..., centroids: _Optional[bytes] = ..., assignment: _Optional[bytes] = ...) -> None: ...
