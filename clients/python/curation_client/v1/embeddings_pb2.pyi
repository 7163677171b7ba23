from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EmbeddingDtype(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EMBEDDING_DTYPE_UNSPECIFIED: _ClassVar[EmbeddingDtype]
    EMBEDDING_DTYPE_FLOAT32: _ClassVar[EmbeddingDtype]
    EMBEDDING_DTYPE_FLOAT16: _ClassVar[EmbeddingDtype]
EMBEDDING_DTYPE_UNSPECIFIED: EmbeddingDtype
EMBEDDING_DTYPE_FLOAT32: EmbeddingDtype
EMBEDDING_DTYPE_FLOAT16: EmbeddingDtype

class PutEmbeddingsRequest(_message.Message):
    __slots__ = ("collection", "dimension", "dtype", "asset_ids", "vectors")
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    collection: str
    dimension: int
    dtype: EmbeddingDtype
    asset_ids: _containers.RepeatedScalarFieldContainer[str]
    vectors: bytes
    def __init__(self, collection: _Optional[str] = ..., dimension: _Optional[int] = ..., dtype: _Optional[_Union[EmbeddingDtype, str]] = ..., asset_ids: _Optional[_Iterable[str]] = ..., vectors: _Optional[bytes] = ...) -> None: ...

class PutEmbeddingsResponse(_message.Message):
    __slots__ = ("collection", "dimension", "dtype", "stored", "created")
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    STORED_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    collection: str
    dimension: int
    dtype: EmbeddingDtype
    stored: int
    created: bool
    def __init__(self, collection: _Optional[str] = ..., dimension: _Optional[int] = ..., dtype: _Optional[_Union[EmbeddingDtype, str]] = ..., stored: _Optional[int] = ..., created: _Optional[bool] = ...) -> None: ...

class GetEmbeddingsRequest(_message.Message):
    __slots__ = ("collection", "asset_ids")
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    collection: str
    asset_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, collection: _Optional[str] = ..., asset_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetEmbeddingsResponse(_message.Message):
    __slots__ = ("collection", "dimension", "dtype", "asset_ids", "vectors", "missing_ids")
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    MISSING_IDS_FIELD_NUMBER: _ClassVar[int]
    collection: str
    dimension: int
    dtype: EmbeddingDtype
    asset_ids: _containers.RepeatedScalarFieldContainer[str]
    vectors: bytes
    missing_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, collection: _Optional[str] = ..., dimension: _Optional[int] = ..., dtype: _Optional[_Union[EmbeddingDtype, str]] = ..., asset_ids: _Optional[_Iterable[str]] = ..., vectors: _Optional[bytes] = ..., missing_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteEmbeddingsRequest(_message.Message):
    __slots__ = ("collection", "asset_ids", "delete_collection")
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    ASSET_IDS_FIELD_NUMBER: _ClassVar[int]
    DELETE_COLLECTION_FIELD_NUMBER: _ClassVar[int]
    collection: str
    asset_ids: _containers.RepeatedScalarFieldContainer[str]
    delete_collection: bool
    def __init__(self, collection: _Optional[str] = ..., asset_ids: _Optional[_Iterable[str]] = ..., delete_collection: _Optional[bool] = ...) -> None: ...

class DeleteEmbeddingsResponse(_message.Message):
    __slots__ = ("deleted", "collection_deleted")
    DELETED_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    collection_deleted: bool
    def __init__(self, deleted: _Optional[int] = ..., collection_deleted: _Optional[bool] = ...) -> None: ...
