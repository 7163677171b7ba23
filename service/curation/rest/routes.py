"""REST routes read from the protos: each registered RPC's ``(curation.v1.http)`` method option.

The protos declare every RPC's route once (``options.proto``); the adapter holds no per-operation
code, so a new RPC with an ``http`` option and an ops record is served over REST without edits here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message

from curation.descriptors import http_rule, method_descriptor
from curation.ops import OperationSpec

__all__ = ["RestRoute", "rest_routes"]

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class RestRoute:
    """One RPC as served over REST: ``POST /v1/...`` with the request message as the JSON body."""

    rpc: str  # "curation.v1.Service/Method", the ops name
    http_method: str
    path: str
    request_type: type[Message]
    response_type: type[Message]
    descriptor: MethodDescriptor


def rest_routes(specs: Iterable[OperationSpec[Any, Any, Any]]) -> list[RestRoute]:
    """The REST route of every registered unary operation whose RPC carries an ``http`` option.

    Raises ``ValueError`` on a declaration that cannot be served (bad method, path clash, message
    types that differ between the ops record and the proto), so a mistake fails at start-up.
    """
    routes: list[RestRoute] = []
    seen: dict[tuple[str, str], str] = {}
    for spec in specs:
        md = method_descriptor(spec.name)
        if md.client_streaming or md.server_streaming:
            continue  # a stream has no single JSON body
        rule = http_rule(md)
        if rule is None:
            continue
        verb = rule.method.upper()
        if verb not in _METHODS or not rule.path.startswith("/"):
            raise ValueError(f"{spec.name}: bad (curation.v1.http) option {rule.method!r} {rule.path!r}")
        if (
            spec.request_type.DESCRIPTOR is not md.input_type
            or spec.response_type.DESCRIPTOR is not md.output_type
        ):
            raise ValueError(f"{spec.name}: ops message types differ from the proto declaration")
        clash = seen.get((verb, rule.path))
        if clash is not None:
            raise ValueError(f"{spec.name} and {clash} both declare {verb} {rule.path}")
        seen[(verb, rule.path)] = spec.name
        routes.append(
            RestRoute(
                rpc=spec.name,
                http_method=verb,
                path=rule.path,
                request_type=spec.request_type,
                response_type=spec.response_type,
                descriptor=md,
            )
        )
    return routes
