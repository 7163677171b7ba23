"""How the conformance suites call the service: through the ops seam in process (every case) and through
a real server over gRPC and REST (a sample of cases), so a number cannot differ between the two paths."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import grpc
import httpx
from google.protobuf import json_format
from google.protobuf.message import Message

from curation.ops import Context
from curation.ops.registry import all_specs
from curation.rest.routes import rest_routes
from curation.settings import Settings
from curation.wiring import Runtime, build_runtime
from tests.auth.server import running_server
from tests.support import answer

M = TypeVar("M", bound=Message)

_PATHS = {r.rpc: r.path for r in rest_routes(all_specs()) if not r.deprecated}


@dataclass
class Seam:
    """A runtime on its own event loop thread; ``call`` blocks until the seam answers."""

    runtime: Runtime
    loop: asyncio.AbstractEventLoop

    def call(self, rpc: str, request: Message, response_type: type[M], namespace: str = "conformance") -> M:
        """The answer of operation ``rpc`` (``curation.v1.Service/Method``); raises the seam's error."""
        future = asyncio.run_coroutine_threadsafe(
            answer(self.runtime.ops, rpc, request, response_type, Context(namespace=namespace)), self.loop
        )
        return future.result(timeout=120)


@contextmanager
def seam_in_thread() -> Iterator[Seam]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def build() -> Runtime:
        rt = build_runtime(Settings(workers=1, compute_processes=0))
        rt.serving = True
        return rt

    runtime = asyncio.run_coroutine_threadsafe(build(), loop).result(timeout=60)
    try:
        yield Seam(runtime, loop)
    finally:
        asyncio.run_coroutine_threadsafe(runtime.close(), loop).result(timeout=60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@dataclass
class Served:
    """A real server: ``grpc`` and ``rest`` answer operation ``rpc`` over each protocol."""

    channel: grpc.Channel
    http: httpx.Client

    def grpc(self, rpc: str, request: Message, response_type: type[M]) -> M:
        stub = self.channel.unary_unary(
            f"/{rpc}",
            request_serializer=type(request).SerializeToString,
            response_deserializer=response_type.FromString,
        )
        response: M = stub(request, timeout=120)
        return response

    def rest(self, rpc: str, request: Message, response_type: type[M]) -> M:
        body = json.dumps(json_format.MessageToDict(request, preserving_proto_field_name=True))
        reply = self.http.post(_PATHS[rpc], content=body, headers={"content-type": "application/json"})
        assert reply.status_code == 200, reply.text
        return json_format.Parse(reply.content, response_type(), ignore_unknown_fields=False)

    def both(self, rpc: str, request: Message, response_type: type[M]) -> tuple[M, M]:
        """The gRPC and the REST answer, asserted equal but for cache provenance, gRPC's returned."""
        by_grpc = self.grpc(rpc, request, response_type)
        by_rest = self.rest(rpc, request, response_type)
        for r in (by_grpc, by_rest):
            if "cache" in r.DESCRIPTOR.fields_by_name:
                r.ClearField("cache")
        assert by_grpc == by_rest
        return by_grpc, by_rest


@contextmanager
def served_server() -> Iterator[Served]:
    with (
        running_server({"CURATION_COMPUTE_PROCESSES": "1"}) as server,
        grpc.insecure_channel(
            server.grpc_target,
            options=[
                ("grpc.max_receive_message_length", 256 << 20),
                ("grpc.max_send_message_length", 256 << 20),
            ],
        ) as channel,
        httpx.Client(base_url=server.base_url, timeout=120) as http,
    ):
        yield Served(channel, http)
