"""The gRPC adapter: handlers generated from the ops registry, health, reflection and limits."""

from __future__ import annotations

from curation.rpc.errors import GRPC_STATUS, abort_status, grpc_status
from curation.rpc.grpc_server import GrpcServer, create_grpc_server, server_options
from curation.rpc.handlers import build_generic_handlers, caller_from_metadata
from curation.rpc.methods import RpcMethod, rpc_methods, services_of

__all__ = [
    "GRPC_STATUS",
    "GrpcServer",
    "RpcMethod",
    "abort_status",
    "build_generic_handlers",
    "caller_from_metadata",
    "create_grpc_server",
    "grpc_status",
    "rpc_methods",
    "server_options",
    "services_of",
]
