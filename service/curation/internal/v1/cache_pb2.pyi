from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

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
    __slots__ = ("key_digest", "offset", "key_id", "mac")
    KEY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    MAC_FIELD_NUMBER: _ClassVar[int]
    key_digest: str
    offset: int
    key_id: str
    mac: bytes
    def __init__(self, key_digest: _Optional[str] = ..., offset: _Optional[int] = ..., key_id: _Optional[str] = ..., mac: _Optional[bytes] = ...) -> None: ...

class BodyAlias(_message.Message):
    __slots__ = ("key_digest", "paging_request")
    KEY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    PAGING_REQUEST_FIELD_NUMBER: _ClassVar[int]
    key_digest: str
    paging_request: bytes
    def __init__(self, key_digest: _Optional[str] = ..., paging_request: _Optional[bytes] = ...) -> None: ...
