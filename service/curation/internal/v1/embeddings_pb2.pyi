from curation.v1 import embeddings_pb2 as _embeddings_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EmbeddingCollectionHeader(_message.Message):
    __slots__ = ("dimension", "dtype", "generation")
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    dimension: int
    dtype: _embeddings_pb2.EmbeddingDtype
    generation: str
    def __init__(self, dimension: _Optional[int] = ..., dtype: _Optional[_Union[_embeddings_pb2.EmbeddingDtype, str]] = ..., generation: _Optional[str] = ...) -> None: ...
