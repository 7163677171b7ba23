from . import classification_pb2 as _classification_pb2
from . import detection_pb2 as _detection_pb2
from . import options_pb2 as _options_pb2
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
