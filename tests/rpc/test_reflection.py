"""Server reflection as a client speaking ``grpc.reflection.v1`` (and one speaking v1alpha) sees it.

The v1 client's message classes are built from the v1 descriptor, not from grpcio-reflection's v1alpha
module; the files it receives are loaded into a fresh descriptor pool, as a generic tool would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from curation.rpc.reflection import V1_FILE, V1_SERVICE, V1ALPHA_SERVICE, v1_file_descriptor

from .conftest import SERVICE, Served

V1_METHOD = f"/{V1_SERVICE}/ServerReflectionInfo"
_V1 = v1_file_descriptor()
V1Request: Any = message_factory.GetMessageClass(_V1.message_types_by_name["ServerReflectionRequest"])
V1Response: Any = message_factory.GetMessageClass(_V1.message_types_by_name["ServerReflectionResponse"])


async def ask_v1(served: Served, **request: str) -> Any:
    """One v1 request on a v1 stream, and its single answer."""
    call = served.channel.stream_stream(
        V1_METHOD,
        request_serializer=V1Request.SerializeToString,
        response_deserializer=V1Response.FromString,
    )
    [response] = [r async for r in call(iter([V1Request(**request)]))]
    assert response.original_request == V1Request(**request)
    return response


def load_files(serialized: Sequence[bytes]) -> descriptor_pool.DescriptorPool:
    """A fresh pool holding the returned files (each after its dependencies), as a client builds it."""
    files = {}
    for blob in serialized:
        proto = descriptor_pb2.FileDescriptorProto.FromString(blob)
        files[proto.name] = proto
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(name: str) -> None:
        if name not in added:
            for dependency in files[name].dependency:
                add(dependency)
            pool.Add(files[name])
            added.add(name)

    for name in files:
        add(name)
    return pool


async def test_v1_and_v1alpha_list_the_same_services(served: Served) -> None:
    v1 = await ask_v1(served, list_services="")
    names = [s.name for s in v1.list_services_response.service]
    assert set(names) == {SERVICE, "grpc.health.v1.Health", V1_SERVICE, V1ALPHA_SERVICE}
    stub = reflection_pb2_grpc.ServerReflectionStub(served.channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    [v1alpha] = [r async for r in stub.ServerReflectionInfo(iter([request]))]
    assert [s.name for s in v1alpha.list_services_response.service] == names


async def test_v1_resolves_a_served_service_with_its_dependencies(served: Served) -> None:
    found = await ask_v1(served, file_containing_symbol=SERVICE)
    pool = load_files(found.file_descriptor_response.file_descriptor_proto)
    method = pool.FindServiceByName(SERVICE).methods_by_name["ScoreClassification"]
    assert method.input_type.full_name == "curation.v1.ScoreClassificationRequest"
    assert "y_true" in method.input_type.fields_by_name


async def test_v1_describes_itself_by_file_and_by_symbol(served: Served) -> None:
    by_name = await ask_v1(served, file_by_filename=V1_FILE)
    by_symbol = await ask_v1(served, file_containing_symbol=V1_SERVICE)
    assert list(by_name.file_descriptor_response.file_descriptor_proto) == list(
        by_symbol.file_descriptor_response.file_descriptor_proto
    )
    pool = load_files(by_name.file_descriptor_response.file_descriptor_proto)
    method = pool.FindMethodByName(f"{V1_SERVICE}.ServerReflectionInfo")
    assert method.input_type.full_name == "grpc.reflection.v1.ServerReflectionRequest"
    assert method.output_type.full_name == "grpc.reflection.v1.ServerReflectionResponse"
    assert pool.FindFileByName(V1_FILE).package == "grpc.reflection.v1"


@pytest.mark.parametrize("symbol", ["google.rpc.BadRequest", "google.rpc.ErrorInfo", "google.rpc.Status"])
async def test_v1_resolves_the_error_model(served: Served, symbol: str) -> None:
    found = await ask_v1(served, file_containing_symbol=symbol)
    pool = load_files(found.file_descriptor_response.file_descriptor_proto)
    assert pool.FindMessageTypeByName(symbol).full_name == symbol


async def test_v1_unknown_symbol_is_not_found(served: Served) -> None:
    answer = await ask_v1(served, file_containing_symbol="curation.v1.NoSuchService")
    assert answer.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
