"""REST routes read from the protos: each registered RPC's ``google.api.http`` method option.

The protos declare every RPC's routes once; the adapter holds no per-operation code, so a new RPC with
a ``google.api.http`` option and an ops record is served over REST without edits here. A rule's
``additional_bindings`` are old routes kept for one release: served too, marked ``deprecated``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message

from curation.descriptors import HttpBinding, http_bindings, method_descriptor
from curation.ops import OperationSpec

__all__ = ["RestRoute", "rest_routes"]

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class RestRoute:
    """One route of an RPC as served over REST: ``POST /v1/...`` with the request message as the JSON
    body. ``deprecated``: an old route (an additional binding), answered with a ``Deprecation`` header."""

    rpc: str  # "curation.v1.Service/Method", the ops name
    http_method: str
    path: str
    request_type: type[Message]
    response_type: type[Message]
    descriptor: MethodDescriptor
    deprecated: bool = False


def _check(rpc: str, binding: HttpBinding) -> None:
    """Refuse a binding this adapter cannot serve as declared."""
    if binding.verb not in _METHODS or not binding.path.startswith("/"):
        raise ValueError(f"{rpc}: bad google.api.http binding {binding.verb} {binding.path!r}")
    if binding.body != "*":
        raise ValueError(f'{rpc}: {binding.verb} {binding.path} must take the whole message (body: "*")')


def rest_routes(specs: Iterable[OperationSpec[Any, Any, Any]]) -> list[RestRoute]:
    """Every route (primary, then deprecated ones) of every registered unary operation whose RPC
    carries a ``google.api.http`` option.

    Raises ``ValueError`` on a declaration that cannot be served (bad verb, a body other than ``*``,
    path clash, message types that differ between the ops record and the proto), so a mistake fails at
    start-up.
    """
    routes: list[RestRoute] = []
    seen: dict[tuple[str, str], str] = {}
    for spec in specs:
        md = method_descriptor(spec.name)
        if md.client_streaming or md.server_streaming:
            continue  # a stream has no single JSON body
        bindings = http_bindings(md)
        if bindings and (
            spec.request_type.DESCRIPTOR is not md.input_type
            or spec.response_type.DESCRIPTOR is not md.output_type
        ):
            raise ValueError(f"{spec.name}: ops message types differ from the proto declaration")
        for binding in bindings:
            _check(spec.name, binding)
            clash = seen.get((binding.verb, binding.path))
            if clash is not None:
                raise ValueError(f"{spec.name} and {clash} both declare {binding.verb} {binding.path}")
            seen[(binding.verb, binding.path)] = spec.name
            routes.append(
                RestRoute(
                    rpc=spec.name,
                    http_method=binding.verb,
                    path=binding.path,
                    request_type=spec.request_type,
                    response_type=spec.response_type,
                    descriptor=md,
                    deprecated=binding.deprecated,
                )
            )
    return routes
