"""The floor of each protocol: hello-world servers that take the README's request and answer a small one.

* REST: FastAPI with a pydantic body model of the request's fields, served by uvicorn with httptools
  (what the service uses), no access log, on a socket bound with ``IPPROTO_TCP`` like the service's.
* gRPC: a ``grpc.aio`` server whose one method parses ``ScoreClassificationRequest`` and answers an
  empty ``ScoreClassificationResponse``.

Each runs in its own process (``python -m bench._hello rest|grpc``) and prints its port once listening.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["hello_server"]


class Column(BaseModel):
    key: str
    values: list[str]


class Request(BaseModel):
    """The README request's fields (module level: FastAPI resolves the annotation by name)."""

    class_names: list[str]
    asset_ids: list[str] = []
    y_true: list[int] = []
    y_pred: list[int] = []
    metadata: list[Column] = []
    slice_by: list[str] = []


def _rest_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/v1/diagnostics/classification:score")
    async def score(request: Request) -> dict[str, Any]:
        return {"accuracy": 0.6, "rows": len(request.asset_ids)}

    return app


async def _serve_rest() -> None:
    import uvicorn

    from curation.server import bind_http_socket

    sock = bind_http_socket("127.0.0.1", 0)
    config = uvicorn.Config(_rest_app(), http="httptools", access_log=False, log_level="warning")
    server = uvicorn.Server(config)
    print(sock.getsockname()[1], flush=True)
    await server.serve(sockets=[sock])


async def _serve_grpc() -> None:
    import grpc

    from curation.v1 import classification_pb2 as pb

    async def score(request: pb.ScoreClassificationRequest, context: Any) -> pb.ScoreClassificationResponse:
        return pb.ScoreClassificationResponse()

    handler = grpc.method_handlers_generic_handler(
        "curation.v1.DiagnosticsService",
        {
            "ScoreClassification": grpc.unary_unary_rpc_method_handler(
                score,
                request_deserializer=pb.ScoreClassificationRequest.FromString,
                response_serializer=pb.ScoreClassificationResponse.SerializeToString,
            )
        },
    )
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(port, flush=True)
    await server.wait_for_termination()


@contextmanager
def hello_server(protocol: str) -> Iterator[int]:
    """Run the ``protocol`` ("rest" or "grpc") hello-world in a subprocess; yield its port."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench._hello", protocol],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.strip():
            raise RuntimeError(f"the {protocol} hello-world did not start (exit {proc.poll()})")
        yield int(line)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    asyncio.run(_serve_rest() if sys.argv[1] == "rest" else _serve_grpc())
