"""Server reflection under both names, ``grpc.reflection.v1`` and ``grpc.reflection.v1alpha``.

grpcio-reflection ships only v1alpha, while current tools (grpcurl >= 1.9, Postman, grpcui, Go's and Java's
reflection clients) ask v1 first. The two services differ only in their package: every message has the
same fields under the same numbers, so the v1 method is served by the same v1alpha servicer through a
generic handler whose bytes are read and written with the v1alpha message classes.

For ``ListServices`` and ``FileContainingSymbol("grpc.reflection.v1.ServerReflection")`` to answer, the v1
file is also registered in the default descriptor pool: built from the v1alpha ``FileDescriptorProto``
with the package, the file name, the type references and the per-language options renamed.

The pool also holds the ``google.rpc`` status and error-detail files (imported here), so a generic client
resolves the ``Any`` details of an error (``google.rpc.BadRequest``, ``ErrorInfo``, ...) by reflection.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import FileDescriptor
from google.rpc import error_details_pb2, status_pb2
from grpc_reflection.v1alpha import reflection as v1alpha
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

__all__ = [
    "ERROR_MODEL_FILES",
    "V1_FILE",
    "V1_SERVICE",
    "V1ALPHA_SERVICE",
    "enable_reflection",
    "v1_file_descriptor",
    "v1_file_proto",
]

V1ALPHA_SERVICE: Final = v1alpha.SERVICE_NAME
V1_SERVICE: Final = "grpc.reflection.v1.ServerReflection"
V1_FILE: Final = "grpc/reflection/v1/reflection.proto"
_V1ALPHA_PACKAGE: Final = "grpc.reflection.v1alpha"
_V1_PACKAGE: Final = "grpc.reflection.v1"
# The files a client needs to decode our errors: google.rpc.Status and its standard details.
ERROR_MODEL_FILES: Final = (status_pb2.DESCRIPTOR.name, error_details_pb2.DESCRIPTOR.name)


def _renamed(type_name: str) -> str:
    return f".{_V1_PACKAGE}.{type_name.removeprefix(f'.{_V1ALPHA_PACKAGE}.')}"


def v1_file_proto() -> descriptor_pb2.FileDescriptorProto:
    """The v1 ``reflection.proto``: the v1alpha file with its package (and every reference to it) renamed."""
    proto = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(proto)
    proto.name = V1_FILE
    proto.package = _V1_PACKAGE
    proto.options.Clear()
    proto.options.java_package = "io.grpc.reflection.v1"
    proto.options.java_outer_classname = "ServerReflectionProto"
    proto.options.java_multiple_files = True
    proto.options.go_package = "google.golang.org/grpc/reflection/grpc_reflection_v1"
    for message in proto.message_type:
        for field in message.field:
            if field.HasField("type_name"):  # a message field (all refer to this package)
                field.type_name = _renamed(field.type_name)
    for service in proto.service:
        for method in service.method:
            method.input_type = _renamed(method.input_type)
            method.output_type = _renamed(method.output_type)
    return proto


def v1_file_descriptor(pool: Any = None) -> FileDescriptor:
    """The v1 file in ``pool`` (the default pool if None), added on first use; an existing one is kept."""
    pool = descriptor_pool.Default() if pool is None else pool
    try:
        found: FileDescriptor = pool.FindFileByName(V1_FILE)
        return found
    except KeyError:
        pool.AddSerializedFile(v1_file_proto().SerializeToString())
        added: FileDescriptor = pool.FindFileByName(V1_FILE)
        return added


def _v1_handler(servicer: Any) -> grpc.GenericRpcHandler:
    """``grpc.reflection.v1.ServerReflection/ServerReflectionInfo`` answered by the v1alpha ``servicer``
    (same bytes on the wire, read and written with the v1alpha classes)."""
    method = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    return grpc.method_handlers_generic_handler(V1_SERVICE, {"ServerReflectionInfo": method})


def enable_reflection(service_names: Iterable[str], server: grpc.aio.Server) -> tuple[str, ...]:
    """Serve reflection v1 and v1alpha on ``server`` over the default pool, listing ``service_names`` and
    both reflection services; return the listed names."""
    v1_file_descriptor()
    listed = tuple(sorted({*service_names, V1_SERVICE, V1ALPHA_SERVICE}))
    servicer = v1alpha.aio.ReflectionServicer(listed)
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)
    server.add_generic_rpc_handlers((_v1_handler(servicer),))
    return listed
