"""RPC lookup by name in the protobuf descriptors: request/response classes and the REST route."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message

from curation.v1 import diagnostics_pb2, embeddings_pb2, options_pb2, sampling_pb2

__all__ = ["Method", "resolve"]

_PACKAGE = "curation.v1"
_FILES = (diagnostics_pb2, embeddings_pb2, sampling_pb2)


@dataclass(frozen=True, slots=True)
class Method:
    """One RPC: ``path`` is the gRPC method path (``/curation.v1.Service/Method``)."""

    path: str
    request_type: type[Message]
    response_type: type[Message]
    http_method: str
    http_path: str


def _all_methods() -> dict[str, MethodDescriptor]:
    found: dict[str, MethodDescriptor] = {}
    for module in _FILES:
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                found[f"{service.full_name}/{method.name}"] = method
    return found


@cache
def resolve(name: str) -> Method:
    """The RPC called ``name``: ``"ScoreClassification"``, ``"DiagnosticsService/ScoreClassification"``
    or ``"curation.v1.DiagnosticsService/ScoreClassification"`` (a leading ``/`` is allowed)."""
    name = name.lstrip("/")
    methods = _all_methods()
    matches = [
        full for full in methods if name in (full, full.removeprefix(_PACKAGE + "."), full.rsplit("/", 1)[1])
    ]
    if len(matches) != 1:
        problem = "no" if not matches else "more than one"
        raise ValueError(f"{problem} RPC matches {name!r}; known: {sorted(methods)}")
    descriptor = methods[matches[0]]
    options: Any = descriptor.GetOptions()
    rule: options_pb2.HttpRule = options.Extensions[options_pb2.http]
    return Method(
        path="/" + matches[0],
        request_type=message_factory.GetMessageClass(descriptor.input_type),
        response_type=message_factory.GetMessageClass(descriptor.output_type),
        http_method=rule.method,
        http_path=rule.path,
    )
