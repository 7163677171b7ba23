"""RPC lookup by name in the service's protobuf descriptors: request/response classes and the REST route."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from google.protobuf import message_factory
from google.protobuf.message import Message

from curation.descriptors import all_methods, http_bindings

__all__ = ["Method", "resolve"]

_PACKAGE = "curation.v1"


@dataclass(frozen=True, slots=True)
class Method:
    """One RPC: ``path`` is the gRPC method path (``/curation.v1.Service/Method``)."""

    path: str
    request_type: type[Message]
    response_type: type[Message]
    http_method: str
    http_path: str


@cache
def resolve(name: str) -> Method:
    """The RPC called ``name``: ``"ScoreClassification"``, ``"DiagnosticsService/ScoreClassification"``
    or ``"curation.v1.DiagnosticsService/ScoreClassification"`` (a leading ``/`` is allowed)."""
    name = name.lstrip("/")
    methods = all_methods()
    matches = [
        full for full in methods if name in (full, full.removeprefix(_PACKAGE + "."), full.rsplit("/", 1)[1])
    ]
    if len(matches) != 1:
        problem = "no" if not matches else "more than one"
        raise ValueError(f"{problem} RPC matches {name!r}; known: {sorted(methods)}")
    descriptor = methods[matches[0]]
    route = next(iter(http_bindings(descriptor)), None)  # the primary google.api.http binding
    return Method(
        path="/" + matches[0],
        request_type=message_factory.GetMessageClass(descriptor.input_type),
        response_type=message_factory.GetMessageClass(descriptor.output_type),
        http_method=route.verb if route is not None else "",
        http_path=route.path if route is not None else "",
    )
