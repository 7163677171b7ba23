"""Which RPCs the gRPC server answers: the ops registry joined with the proto descriptor pool.

Each ``OperationSpec.name`` (``curation.v1.DiagnosticsService/ScoreClassification``) is looked up in
the default descriptor pool, so the served surface is exactly the registered operations, with the
request/response types and the streaming shape the protos declare (a spec whose types disagree with
its proto is a start-up error, not a runtime surprise).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import MethodDescriptor

from curation.descriptors import load_descriptors
from curation.ops.operation_spec import OperationSpec

__all__ = ["RpcMethod", "rpc_methods", "services_of"]


@dataclass(frozen=True, slots=True)
class RpcMethod:
    """One served RPC: its spec, its descriptor and whether the client streams its request."""

    spec: OperationSpec
    descriptor: MethodDescriptor

    @property
    def service(self) -> str:
        return self.descriptor.containing_service.full_name

    @property
    def method(self) -> str:
        return self.descriptor.name

    @property
    def client_streaming(self) -> bool:
        """Declared ``stream`` in the proto, or ``extra["streaming"] == "client"`` in the spec."""
        return bool(self.descriptor.client_streaming) or self.spec.extra.get("streaming") == "client"


def rpc_methods(specs: Iterable[OperationSpec]) -> list[RpcMethod]:
    """Every spec with its method descriptor; raises ``ValueError`` for a name or type mismatch."""
    load_descriptors()
    pool = descriptor_pool.Default()
    out: list[RpcMethod] = []
    for spec in specs:
        service_name, _, method_name = spec.name.partition("/")
        try:
            service = pool.FindServiceByName(service_name)
        except KeyError:
            raise ValueError(f"operation {spec.name}: no service {service_name} in the protos") from None
        method = service.methods_by_name.get(method_name)
        if method is None:
            raise ValueError(f"operation {spec.name}: {service_name} has no method {method_name}")
        if method.server_streaming:
            raise ValueError(f"operation {spec.name}: server-streaming RPCs are not supported")
        declared = (method.input_type.full_name, method.output_type.full_name)
        given = (spec.request_type.DESCRIPTOR.full_name, spec.response_type.DESCRIPTOR.full_name)
        if declared != given:
            raise ValueError(f"operation {spec.name}: spec types {given} differ from the proto {declared}")
        out.append(RpcMethod(spec, method))
    return out


def services_of(methods: Iterable[RpcMethod]) -> list[str]:
    """Full names of the services with at least one served method, sorted."""
    return sorted({m.service for m in methods})
