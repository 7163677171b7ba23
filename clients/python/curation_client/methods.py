"""RPC lookup by name in the protobuf descriptors: request/response classes and the REST route."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from typing import Any

from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message

import curation.v1
from curation.v1 import options_pb2

__all__ = ["Method", "resolve"]

_PACKAGE = "curation.v1"


def _proto_modules() -> list[Any]:
    """Every generated ``*_pb2`` module of ``curation.v1``: a new proto file needs no client change."""
    names = sorted(m.name for m in pkgutil.iter_modules(curation.v1.__path__) if m.name.endswith("_pb2"))
    return [importlib.import_module(f"curation.v1.{name}") for name in names]


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
    for module in _proto_modules():
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
