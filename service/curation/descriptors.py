"""The proto descriptors of every curation.v1 RPC, looked up in one place by the gRPC adapter, the REST
adapter and the clients, with their REST bindings (``google.api.http``).

Loading imports each generated ``curation.v1.*_pb2`` module, so a new proto file needs no change here,
in either adapter or in a client. Importing this module is cheap (no numpy, no server).

A method's ``google.api.http`` rule is its REST route; its ``additional_bindings`` are, by the house's
rule, the routes of an earlier release kept for one more release: deprecated (answered with a
``Deprecation`` header, marked ``deprecated`` in the OpenAPI document).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import MethodDescriptor

import curation.v1

__all__ = [
    "HttpBinding",
    "all_methods",
    "http_bindings",
    "http_rule",
    "load_descriptors",
    "method_descriptor",
]


@cache
def load_descriptors() -> tuple[str, ...]:
    """Import every generated ``curation.v1.*_pb2`` module (so the default pool holds all services);
    their names, sorted."""
    names = sorted(m.name for m in pkgutil.iter_modules(curation.v1.__path__) if m.name.endswith("_pb2"))
    for name in names:
        importlib.import_module(f"curation.v1.{name}")
    return tuple(names)


@cache
def all_methods() -> MappingProxyType[str, MethodDescriptor]:
    """Every RPC of every curation.v1 service, by full name (``curation.v1.Service/Method``)."""
    found: dict[str, MethodDescriptor] = {}
    for name in load_descriptors():
        module = importlib.import_module(f"curation.v1.{name}")
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                found[f"{service.full_name}/{method.name}"] = method
    return MappingProxyType(found)


def method_descriptor(rpc: str) -> MethodDescriptor:
    """The descriptor of ``"curation.v1.Service/Method"``; ``KeyError`` naming what is missing."""
    found = all_methods().get(rpc)
    if found is None:
        service, _, method = rpc.partition("/")
        known = {name.partition("/")[0] for name in all_methods()}
        problem = f"{service} has no method {method!r}" if service in known else f"no service {service}"
        raise KeyError(f"{rpc}: {problem} in the protos")
    return found


@dataclass(frozen=True, slots=True)
class HttpBinding:
    """One REST route of an RPC: ``verb`` ("POST", ...), the path template, the body field ("*": the whole
    request message) and whether it is an old route kept for one release (an additional binding)."""

    verb: str
    path: str
    body: str
    deprecated: bool


def http_rule(method: MethodDescriptor) -> http_pb2.HttpRule | None:
    """The method's ``google.api.http`` option (its REST route), or None."""
    options: Any = method.GetOptions()
    if not options.HasExtension(annotations_pb2.http):
        return None
    rule = http_pb2.HttpRule()
    rule.CopyFrom(options.Extensions[annotations_pb2.http])
    return rule


def _binding(rule: http_pb2.HttpRule, *, deprecated: bool) -> HttpBinding:
    kind = rule.WhichOneof("pattern")
    if kind is None:
        raise ValueError(f"google.api.http rule without a verb: {rule}")
    if kind == "custom":
        return HttpBinding(rule.custom.kind.upper(), rule.custom.path, rule.body, deprecated)
    return HttpBinding(kind.upper(), getattr(rule, kind), rule.body, deprecated)


def http_bindings(method: MethodDescriptor) -> tuple[HttpBinding, ...]:
    """The method's REST routes, the primary one first, then its deprecated ``additional_bindings``;
    empty when it has no ``google.api.http`` option."""
    rule = http_rule(method)
    if rule is None:
        return ()
    return (
        _binding(rule, deprecated=False),
        *(_binding(extra, deprecated=True) for extra in rule.additional_bindings),
    )
