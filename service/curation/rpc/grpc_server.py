"""The grpc.aio server: generated handlers, the standard health service, reflection, explicit limits.

Health (``grpc.health.v1.Health``) reports NOT_SERVING for ``""`` and every served ``curation.v1``
service until :meth:`GrpcServer.set_serving` says otherwise, and again from the start of shutdown, so a
load balancer drains the pod before it stops. Reflection (v1 and v1alpha, ``curation.rpc.reflection``)
lists the served services, health and itself. Messages larger than ``settings.max_request_bytes`` in or
``max_response_bytes`` out are refused by gRPC itself with RESOURCE_EXHAUSTED.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio

from curation.rpc.handlers import build_generic_handlers
from curation.rpc.reflection import enable_reflection
from curation.rpc.tls import server_credentials
from curation.rpc.tracing import server_interceptors
from curation.settings import Settings
from curation.tls import TlsFiles

if TYPE_CHECKING:
    from curation.wiring import Runtime

__all__ = ["GrpcServer", "create_grpc_server", "server_options"]

_HEALTH_SERVICE = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name


def server_options(settings: Settings) -> list[tuple[str, int]]:
    """Channel arguments: message limits from settings, keepalive, connection age and idleness, streams.

    Keepalive pings every 60 s detect dead peers behind NATs; clients may ping every 20 s, even with no
    call in flight (more often is a strike: two strikes close the connection). Connections are recycled
    after 10 minutes (with 5 minutes of grace for calls in flight) so clients re-resolve and spread over
    new replicas behind a Kubernetes Service; a connection idle for 5 minutes is closed (GOAWAY, the
    client reconnects when it next calls). One connection runs at most ``grpc_max_concurrent_streams``
    calls at once (more wait in the client, flow-controlled by HTTP/2).
    """
    return [
        ("grpc.max_receive_message_length", settings.max_request_bytes),
        ("grpc.max_send_message_length", settings.max_response_bytes),
        ("grpc.max_concurrent_streams", settings.grpc_max_concurrent_streams),
        ("grpc.max_connection_idle_ms", 300_000),
        ("grpc.keepalive_time_ms", 60_000),
        ("grpc.keepalive_timeout_ms", 20_000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", 20_000),
        ("grpc.http2.max_pings_without_data", 0),
        ("grpc.max_connection_age_ms", 600_000),
        ("grpc.max_connection_age_grace_ms", 300_000),
        # A port already taken must fail start-up, not be shared with another process.
        ("grpc.so_reuseport", 0),
    ]


@dataclass(slots=True)
class GrpcServer:
    """A built (not yet started) server, its bound port and its health servicer."""

    server: grpc.aio.Server
    health: Any  # grpc_health.v1.health.aio.HealthServicer (untyped package)
    services: list[str]
    port: int

    async def set_serving(self, serving: bool) -> None:
        """Report SERVING or NOT_SERVING for ``""`` and every served service."""
        status = (
            health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for service in ("", *self.services):
            await self.health.set(service, status)

    async def start(self) -> None:
        """Start answering, with health NOT_SERVING until :meth:`set_serving` (the default says SERVING)."""
        await self.set_serving(False)
        await self.server.start()

    async def stop_serving(self) -> None:
        """Mark everything NOT_SERVING for good (shutdown has begun; later ``set_serving`` is ignored)."""
        await self.health.enter_graceful_shutdown()

    async def stop(self, grace: float | None) -> None:
        """NOT_SERVING for good, then stop: calls that reached the server but not yet a handler are
        CANCELLED by grpc, so shutdown first drains through ``Runtime.drain`` and calls this last."""
        await self.stop_serving()
        await self.server.stop(grace)


def create_grpc_server(
    runtime: Runtime, *, host: str | None = None, port: int | None = None, tls: TlsFiles | None = None
) -> GrpcServer:
    """A grpc.aio server over ``runtime``, bound to ``host:port`` (port 0 picks a free port), over TLS
    from ``tls`` when given (``curation.rpc.tls``), else in plaintext.

    Raises ``OSError`` when the address cannot be bound (``SO_REUSEPORT`` is off, so a port in use fails).
    """
    settings = runtime.settings
    host = settings.bind_host if host is None else host
    port = settings.grpc_port if port is None else port
    server = grpc.aio.server(options=server_options(settings), interceptors=server_interceptors(runtime))
    handlers, services = build_generic_handlers(runtime)
    server.add_generic_rpc_handlers(handlers)
    health = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    enable_reflection((*services, _HEALTH_SERVICE), server)
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        bound = (
            server.add_insecure_port(address)
            if tls is None
            else server.add_secure_port(address, server_credentials(tls))
        )
    except RuntimeError as exc:  # grpcio's way of saying the address is in use or unknown
        raise OSError(f"could not bind the gRPC server to {address}: {exc}") from None
    if bound == 0:
        raise OSError(f"could not bind the gRPC server to {address}")
    return GrpcServer(server=server, health=health, services=services, port=bound)
