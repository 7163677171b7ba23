"""The proto descriptors of every curation.v1 RPC, looked up in one place by the gRPC adapter, the REST
adapter and the clients.

Loading imports each generated ``curation.v1.*_pb2`` module, so a new proto file needs no change here,
in either adapter or in a client. Importing this module is cheap (no numpy, no server).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import MappingProxyType
from typing import Any

from google.protobuf.descriptor import MethodDescriptor

import curation.v1
from curation.v1 import options_pb2

__all__ = ["all_methods", "http_rule", "load_descriptors", "method_descriptor"]


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


def http_rule(method: MethodDescriptor) -> options_pb2.HttpRule | None:
    """The method's ``(curation.v1.http)`` option (its REST route), or None."""
    options: Any = method.GetOptions()
    if not options.HasExtension(options_pb2.http):
        return None
    rule = options_pb2.HttpRule()
    rule.CopyFrom(options.Extensions[options_pb2.http])
    return rule
