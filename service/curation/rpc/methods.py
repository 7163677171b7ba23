"""Which RPCs the gRPC server answers: the ops registry joined with the proto descriptors.

Each ``OperationSpec.name`` (``curation.v1.DiagnosticsService/ScoreClassification``) is looked up in
the descriptors, so the served surface is exactly the registered operations, with the request/response
types and the streaming shape the protos declare (a spec that disagrees with its proto is a start-up
error, not a runtime surprise).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import MethodDescriptor

from curation.descriptors import method_descriptor
from curation.ops import OperationSpec

__all__ = ["RpcMethod", "rpc_methods", "services_of"]


@dataclass(frozen=True, slots=True)
class RpcMethod:
    """One served RPC: its spec and its descriptor."""

    spec: OperationSpec[Any, Any, Any]
    descriptor: MethodDescriptor

    @property
    def service(self) -> str:
        return self.descriptor.containing_service.full_name

    @property
    def method(self) -> str:
        return self.descriptor.name

    @property
    def client_streaming(self) -> bool:
        return bool(self.descriptor.client_streaming)


def _checked(spec: OperationSpec[Any, Any, Any]) -> MethodDescriptor:
    try:
        method = method_descriptor(spec.name)
    except KeyError as exc:
        raise ValueError(f"operation {exc.args[0]}") from None
    if method.server_streaming:
        raise ValueError(f"operation {spec.name}: server-streaming RPCs are not supported")
    if bool(method.client_streaming) != (spec.stream is not None):
        raise ValueError(f"operation {spec.name}: a client-streaming RPC needs a stream spec, and only it")
    declared = (method.input_type.full_name, method.output_type.full_name)
    given = (spec.request_type.DESCRIPTOR.full_name, spec.response_type.DESCRIPTOR.full_name)
    if declared != given:
        raise ValueError(f"operation {spec.name}: spec types {given} differ from the proto {declared}")
    return method


def rpc_methods(specs: Iterable[OperationSpec[Any, Any, Any]]) -> list[RpcMethod]:
    """Every spec with its method descriptor; raises ``ValueError`` for a name, type or shape mismatch."""
    return [RpcMethod(spec, _checked(spec)) for spec in specs]


def services_of(methods: Iterable[RpcMethod]) -> list[str]:
    """Full names of the services with at least one served method, sorted."""
    return sorted({m.service for m in methods})
