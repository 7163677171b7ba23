from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class MetadataColumn(_message.Message):
    __slots__ = ("key", "values")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    key: str
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key: _Optional[str] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class CacheInfo(_message.Message):
    __slots__ = ("cached", "key_digest")
    CACHED_FIELD_NUMBER: _ClassVar[int]
    KEY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    cached: bool
    key_digest: str
    def __init__(self, cached: _Optional[bool] = ..., key_digest: _Optional[str] = ...) -> None: ...

class Warning(_message.Message):
    __slots__ = ("code", "message", "field")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    field: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., field: _Optional[str] = ...) -> None: ...

class ErrorDetail(_message.Message):
    __slots__ = ("kind", "message", "field", "request_id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    kind: str
    message: str
    field: str
    request_id: str
    def __init__(self, kind: _Optional[str] = ..., message: _Optional[str] = ..., field: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CacheEnvelope(_message.Message):
    __slots__ = ("schema_version", "operation", "key_digest", "payload", "key_id", "signature")
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    KEY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    schema_version: int
    operation: str
    key_digest: str
    payload: bytes
    key_id: str
    signature: bytes
    def __init__(self, schema_version: _Optional[int] = ..., operation: _Optional[str] = ..., key_digest: _Optional[str] = ..., payload: _Optional[bytes] = ..., key_id: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class PageToken(_message.Message):
    __slots__ = ("key_digest", "offset")
    KEY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    key_digest: str
    offset: int
    def __init__(self, key_digest: _Optional[str] = ..., offset: _Optional[int] = ...) -> None: ...

class BodyAlias(_message.Message):
    __slots__ = ("key_digest", "paging_request")
    KEY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    PAGING_REQUEST_FIELD_NUMBER: _ClassVar[int]
    key_digest: str
    paging_request: bytes
    def __init__(self, key_digest: _Optional[str] = ..., paging_request: _Optional[bytes] = ...) -> None: ...
