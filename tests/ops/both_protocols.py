"""One runtime serving both adapters, for tests that call an operation over REST and gRPC and compare."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import grpc
import httpx

from curation.ops.operation_spec import OperationSpec
from curation.rest import create_app, protojson
from curation.rpc.grpc_server import create_grpc_server
from curation.settings import Settings
from curation.v1 import sampling_pb2 as pb
from curation.wiring import build_runtime

SELECT = "curation.v1.SamplingService/Select"


@dataclass
class Protocols:
    """A REST client (in process, ASGI) and a gRPC channel (loopback) to the same runtime."""

    http: httpx.AsyncClient
    channel: grpc.aio.Channel

    async def select_rest(self, request: pb.SelectRequest | dict[str, Any]) -> httpx.Response:
        """POST /v1/sampling:select with ``request`` (a message, or its JSON document)."""
        doc = request if isinstance(request, dict) else protojson.to_dict(request)
        return await self.http.post("/v1/sampling:select", json=doc)

    async def select_grpc(self, request: pb.SelectRequest) -> pb.SelectResponse:
        call = self.channel.unary_unary(
            f"/{SELECT}",
            request_serializer=pb.SelectRequest.SerializeToString,
            response_deserializer=pb.SelectResponse.FromString,
        )
        response: pb.SelectResponse = await call(request)
        return response

    async def select_both(self, request: pb.SelectRequest) -> tuple[dict[str, Any], pb.SelectResponse]:
        """The REST answer (JSON) and the gRPC one, asserted equal but for cache provenance."""
        rest = (await self.select_rest(request)).json()
        over_grpc = await self.select_grpc(request)
        doc = protojson.to_dict(over_grpc)
        doc["cache"]["cached"] = rest["cache"].get("cached", False)
        assert doc == rest
        return rest, over_grpc


@asynccontextmanager
async def both_protocols(specs: Sequence[OperationSpec[Any, Any, Any]]) -> AsyncIterator[Protocols]:
    """A runtime of ``specs`` served over REST (ASGI) and gRPC (a loopback port), closed after."""
    runtime = build_runtime(Settings(workers=1), specs=list(specs))
    runtime.serving = True
    server = create_grpc_server(runtime, host="127.0.0.1", port=0)
    await server.start()
    await server.set_serving(True)
    try:
        transport = httpx.ASGITransport(app=create_app(runtime))
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://rest") as http,
            grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel,
        ):
            yield Protocols(http, channel)
    finally:
        await server.stop(None)
        await runtime.close()
