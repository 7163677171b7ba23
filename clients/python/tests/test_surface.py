"""The typed surface cannot drift from the protos: every RPC of ``proto/curation/v1`` (compiled afresh
here) has its method, with the RPC's request and response types, on all four clients (client streaming on
the gRPC ones only), paged RPCs their iterators; and the checked-in generated code is what the generator
writes today."""

from __future__ import annotations

import filecmp
import inspect
import re
import subprocess
import sys
import typing
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pb2

from curation_client import AsyncCurationClient, AsyncRestCurationClient, CurationClient, RestCurationClient
from curation_client._surface import RPCS

CLIENT = Path(__file__).resolve().parents[1]
REPO = CLIENT.parents[1]
GENERATOR = CLIENT / "tools" / "generate.py"
sys.path.insert(0, str(CLIENT / "tools"))
from generate import compile_protos  # noqa: E402

CLIENTS = [CurationClient, AsyncCurationClient, RestCurationClient, AsyncRestCurationClient]


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


@pytest.fixture(scope="module")
def protos(tmp_path_factory: pytest.TempPathFactory) -> descriptor_pb2.FileDescriptorSet:
    return compile_protos(tmp_path_factory.mktemp("protos"))


def methods(files: descriptor_pb2.FileDescriptorSet) -> list[descriptor_pb2.MethodDescriptorProto]:
    return [m for f in files.file if f.name.startswith("curation/v1/") for s in f.service for m in s.method]


def full_name(annotation: Any) -> str:
    return str(annotation.DESCRIPTOR.full_name)


def test_the_records_are_the_protos_rpcs(protos: descriptor_pb2.FileDescriptorSet) -> None:
    rpcs = {rpc.name: rpc for rpc in RPCS}
    assert sorted(rpcs) == sorted(m.name for m in methods(protos))
    for m in methods(protos):
        rpc = rpcs[m.name]
        assert "." + rpc.request_type.DESCRIPTOR.full_name == m.input_type
        assert "." + rpc.response_type.DESCRIPTOR.full_name == m.output_type
        assert rpc.client_streaming == m.client_streaming
        assert bool(rpc.http_path) != m.client_streaming  # a route for every unary RPC, none for a stream


def test_retried_rpcs_are_the_idempotent_ones(protos: descriptor_pb2.FileDescriptorSet) -> None:
    """``idempotency_level`` IDEMPOTENT or NO_SIDE_EFFECTS in the protos, and nothing else, is retried."""
    safe = (descriptor_pb2.MethodOptions.IDEMPOTENT, descriptor_pb2.MethodOptions.NO_SIDE_EFFECTS)
    declared = {m.name for m in methods(protos) if m.options.idempotency_level in safe}
    assert {rpc.name for rpc in RPCS if rpc.idempotent} == declared


@pytest.mark.parametrize("client", CLIENTS, ids=lambda c: c.__name__)
def test_every_rpc_has_a_typed_method(client: type, protos: descriptor_pb2.FileDescriptorSet) -> None:
    rest = client in (RestCurationClient, AsyncRestCurationClient)
    asynchronous = client in (AsyncCurationClient, AsyncRestCurationClient)
    for m in methods(protos):
        name = snake(m.name)
        if rest and m.client_streaming:
            assert not hasattr(client, name), f"{client.__name__}.{name}: REST has no streaming"
            continue
        method = getattr(client, name)
        hints = typing.get_type_hints(method)
        assert inspect.iscoroutinefunction(method) == asynchronous, name
        request = hints["requests" if m.client_streaming else "request"]
        if m.client_streaming:  # Iterable[X] (or AsyncIterable[X] | Iterable[X])
            request = typing.get_args(typing.get_args(request)[-1] if asynchronous else request)[0]
        assert "." + full_name(request) == m.input_type, name
        assert "." + full_name(hints["return"]) == m.output_type, name
        assert list(inspect.signature(method).parameters)[2:] == ["timeout", "metadata", "request_id"]


@pytest.mark.parametrize("client", CLIENTS, ids=lambda c: c.__name__)
def test_paged_rpcs_have_iterators(client: type) -> None:
    asynchronous = client in (AsyncCurationClient, AsyncRestCurationClient)
    paged = [rpc for rpc in RPCS if rpc.page_field]
    assert {rpc.name for rpc in paged} == {"ScoreClassification", "ScoreDetection", "FindNearDuplicates"}
    for rpc in paged:
        name = ("aiter_" if asynchronous else "iter_") + rpc.method
        returns = typing.get_type_hints(getattr(client, name))["return"]
        assert typing.get_origin(returns) is (AsyncIterator if asynchronous else Iterator)
        item = typing.get_args(returns)[0]
        field = rpc.response_type.DESCRIPTOR.fields_by_name[rpc.page_field]
        assert field.message_type.full_name == full_name(item)


def test_the_generated_code_is_current(tmp_path: Path) -> None:
    """What ``make proto-check`` checks in CI, here too: the generator's output equals the checked-in."""
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)], check=True)
    fresh, checked_in = tmp_path / "curation_client", CLIENT / "curation_client"
    assert (fresh / "_surface.py").read_text() == (checked_in / "_surface.py").read_text()
    names = sorted(p.name for p in (fresh / "v1").iterdir())
    assert names == sorted(p.name for p in (checked_in / "v1").iterdir() if p.name != "__pycache__")
    _, mismatch, errors = filecmp.cmpfiles(fresh / "v1", checked_in / "v1", names, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_client_streaming_takes_an_iterable() -> None:
    hints = typing.get_type_hints(CurationClient.score_detection_stream)
    assert typing.get_origin(hints["requests"]) is Iterable
