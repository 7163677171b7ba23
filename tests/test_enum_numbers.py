"""Unknown enum numbers are refused by every RPC: the test walks the descriptors of every request message
of every RPC (nested and repeated messages included), sends each enum field an undefined number through
the real seam, and expects INVALID_ARGUMENT naming the field path; a sample goes over both protocols.
A new enum field is covered the day it is added: nothing here lists them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from curation.descriptors import all_methods
from curation.errors import InvalidArgument
from curation.ops import Context
from curation.ops.gateway import PROTO
from curation.ops.registry import all_specs
from curation.rest import create_app, rest_routes
from curation.rpc import create_grpc_server
from curation.settings import Settings
from curation.v1 import detection_pb2 as dpb
from curation.wiring import Runtime, build_runtime
from tests.wire_errors import grpc_error, rest_error

EnumPath = tuple[FieldDescriptor, ...]


def enum_paths(descriptor: Descriptor, seen: tuple[Descriptor, ...] = ()) -> Iterator[EnumPath]:
    """Every field path from ``descriptor`` down to an enum field (a recursive type is entered once)."""
    for field in descriptor.fields:
        if field.type == FieldDescriptor.TYPE_ENUM:
            yield (field,)
        elif field.message_type is not None and field.message_type not in seen:
            assert not field.message_type.GetOptions().map_entry, f"{field.full_name}: teach this test maps"
            for rest in enum_paths(field.message_type, (*seen, descriptor)):
                yield (field, *rest)


def defined_numbers(field: FieldDescriptor) -> list[int]:
    assert field.enum_type is not None
    return sorted(field.enum_type.values_by_number)


def undefined_number(field: FieldDescriptor) -> int:
    return defined_numbers(field)[-1] + 7


def plant(message: Message, path: EnumPath) -> str:
    """Put an undefined number at ``path`` in ``message`` (after valid siblings where repeated: a
    repeated message gets two before it, a repeated enum one); the field path the service must name."""
    field, *rest = path
    container: Any = getattr(message, field.name)
    if field.type == FieldDescriptor.TYPE_ENUM:
        number = undefined_number(field)
        if field.is_repeated:
            container.extend([defined_numbers(field)[-1], number])
            return f"{field.name}[1]"
        setattr(message, field.name, number)
        return field.name
    if field.is_repeated:
        container.add(), container.add()
        return f"{field.name}[2].{plant(container.add(), tuple(rest))}"
    return f"{field.name}.{plant(container, tuple(rest))}"


@dataclass(frozen=True, slots=True)
class Case:
    rpc: str
    streaming: bool
    request: Message
    field: str


def all_cases() -> list[Case]:
    """One case per enum field path of every RPC's request (a stream's: its second chunk)."""
    specs = {spec.name: spec for spec in all_specs()}
    cases = []
    for rpc, method in all_methods().items():
        assert rpc in specs, f"{rpc} has no registered operation"
        request_type = specs[rpc].request_type
        assert request_type.DESCRIPTOR.full_name == method.input_type.full_name
        for path in enum_paths(method.input_type):
            request = request_type()
            field = plant(request, path)
            cases.append(
                Case(
                    rpc,
                    method.client_streaming,
                    request,
                    ("stream[1]." if method.client_streaming else "") + field,
                )
            )
    return cases


CASES = all_cases()


def test_the_walk_finds_the_enums_we_know_of() -> None:
    """Guards the walk itself: top-level, repeated, nested-in-repeated, nested and streamed enums."""
    fields = {(c.rpc.split("/")[1], c.field) for c in CASES}
    assert {
        ("ScoreClassification", "task"),
        ("ScoreDetection", "iou_type"),
        ("ScoreDetection", "views[1]"),
        ("ScoreDetectionStream", "stream[1].chunk.mode"),
        ("Select", "strategies[2].kind"),
        ("Plan", "selection.strategies[2].kind"),
        ("FitLabelModel", "model"),
        ("PutEmbeddings", "dtype"),
    } <= fields
    assert len(CASES) >= 20


@pytest.fixture
async def runtime() -> AsyncIterator[Runtime]:
    rt = build_runtime(Settings(workers=1, compute_processes=0))
    rt.serving = True
    yield rt
    await rt.close()


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rpc.split('/')[1]}:{c.field}")
async def test_every_enum_field_refuses_an_undefined_number(runtime: Runtime, case: Case) -> None:
    ctx = Context(namespace="enums")
    with pytest.raises(InvalidArgument) as info:
        if case.streaming:
            chunks = [type(case.request)().SerializeToString(), case.request.SerializeToString()]
            await runtime.gateway.answer_stream(case.rpc, chunks, PROTO, ctx)
        else:
            await runtime.gateway.answer(case.rpc, case.request.SerializeToString(), PROTO, ctx)
    assert info.value.field == case.field
    assert " is not a curation.v1." in info.value.message


# ------------------------------------------------------------------ over both protocols
@dataclass(slots=True)
class Served:
    runtime: Runtime
    channel: grpc.aio.Channel
    rest: httpx.AsyncClient
    routes: dict[str, str]


@pytest.fixture
async def served(runtime: Runtime) -> AsyncIterator[Served]:
    server = create_grpc_server(runtime, host="127.0.0.1", port=0)
    await server.start()
    async with AsyncExitStack() as stack:
        stack.push_async_callback(server.stop, None)
        channel = await stack.enter_async_context(grpc.aio.insecure_channel(f"127.0.0.1:{server.port}"))
        transport = httpx.ASGITransport(app=create_app(runtime))
        rest = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://rest"))
        routes = {r.rpc: r.path for r in rest_routes(runtime.ops.specs.values()) if not r.deprecated}
        yield Served(runtime, channel, rest, routes)


DETECT = "curation.v1.DiagnosticsService/ScoreDetection"
CLASSIFY = "curation.v1.DiagnosticsService/ScoreClassification"


def _detection(**fields: Any) -> dpb.ScoreDetectionRequest:
    """A small valid columnar detection request (one image, one category, one true positive)."""
    return dpb.ScoreDetectionRequest(
        asset_ids=["img"],
        category_names=["cat"],
        gt_asset=[0],
        gt_category=[0],
        gt_boxes=[0, 0, 10, 10],
        pred_asset=[0],
        pred_category=[0],
        pred_boxes=[0, 0, 10, 10],
        pred_scores=[0.9],
        **fields,
    )


CLASSIFICATION: dict[str, Any] = {
    "class_names": ["cat", "dog"],
    "asset_ids": ["a", "b", "c"],
    "y_true": [0, 1, 1],
    "y_pred": [0, 1, 0],
}


@pytest.mark.parametrize(
    ("rpc", "body", "field"),
    [
        (DETECT, {"iou_type": 99}, "iou_type"),
        (DETECT, {"mode": 7}, "mode"),
        (DETECT, {"views": [1, 99]}, "views[1]"),
        (CLASSIFY, {"task": 9}, "task"),
    ],
)
async def test_rest_refuses_undefined_numbers(
    served: Served, rpc: str, body: dict[str, Any], field: str
) -> None:
    base = CLASSIFICATION if rpc == CLASSIFY else {"asset_ids": ["img"], "category_names": ["cat"]}
    response = await served.rest.post(served.routes[rpc], json={**base, **body})
    assert response.status_code == 400
    error = rest_error(response)
    assert (error.kind, error.code, error.field) == ("invalid_argument", "INVALID_ARGUMENT", field)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (_detection(iou_type=99), "iou_type"),  # undefined numbers on purpose
        (_detection(mode=7), "mode"),
    ],
)
async def test_grpc_refuses_undefined_numbers(served: Served, request_: Message, field: str) -> None:
    call: grpc.aio.UnaryUnaryMultiCallable[Any, Any] = served.channel.unary_unary(
        f"/{DETECT}", request_serializer=type(request_).SerializeToString
    )
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call(request_)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert grpc_error(info.value).field == field


async def test_grpc_stream_names_the_chunk(served: Served) -> None:
    chunks = [dpb.ScoreDetectionStreamRequest(chunk=_detection()), dpb.ScoreDetectionStreamRequest()]
    chunks[1].chunk.mode = 7  # type: ignore[assignment]  # an undefined number on purpose
    call: grpc.aio.StreamUnaryMultiCallable[Any, Any] = served.channel.stream_unary(
        "/curation.v1.DiagnosticsService/ScoreDetectionStream",
        request_serializer=dpb.ScoreDetectionStreamRequest.SerializeToString,
    )
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call(iter(chunks))
    assert grpc_error(info.value).field == "stream[1].chunk.mode"


async def test_defined_numbers_are_still_answered(served: Served) -> None:
    request = _detection(iou_type=dpb.DETECTION_IOU_TYPE_BBOX, mode=dpb.DETECTION_MODE_DIAGNOSTIC,
                         views=[dpb.DETECTION_VIEW_COCO])  # fmt: skip
    call = served.channel.unary_unary(
        f"/{DETECT}",
        request_serializer=dpb.ScoreDetectionRequest.SerializeToString,
        response_deserializer=dpb.ScoreDetectionResponse.FromString,
    )
    answer = await call(request)
    assert (
        answer.mode == dpb.DETECTION_MODE_DIAGNOSTIC and answer.params.iou_type == dpb.DETECTION_IOU_TYPE_BBOX
    )
    body = {**CLASSIFICATION, "task": "CLASSIFICATION_TASK_SINGLE_LABEL", "score_type": 0}
    response = await served.rest.post(served.routes[CLASSIFY], json=body)
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["num_assets"] == "3"
