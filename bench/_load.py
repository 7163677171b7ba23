"""Closed-loop load from client processes: ``concurrency`` callers, each sending one request at a time.

The callers are spread over a few spawned processes (each an asyncio loop), so the client's own
interpreter is not what limits the rate; every process reports the CPU it used, so a run can show how
much of the machine the client took. Bodies are built before the clock starts.

* REST: a raw HTTP/1.1 keep-alive connection per caller (``asyncio`` streams, pre-built request bytes,
  ``Content-Length`` framing), i.e. the cheapest client there is.
* gRPC: one ``grpc.aio`` channel per process (the pooled channel), raw bytes in and out.

``bodies(kind, variant)`` names what is sent: ``small-cold`` (the README's classification request with
asset IDs renamed per request, so every one misses the cache) or ``small-cached`` (one body, repeated).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LoadResult", "SMALL_PATH", "SMALL_ROUTE", "run_load", "small_bodies"]

SMALL_PATH = "/curation.v1.DiagnosticsService/ScoreClassification"
SMALL_ROUTE = "/v1/diagnostics/classification:score"


@dataclass(frozen=True)
class LoadResult:
    """Latencies (seconds) of every call, the wall time of the run and the client's CPU seconds."""

    latencies: list[float]
    wall: float
    client_cpu: float
    errors: int

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def quantile(self, q: float) -> float:
        return float(np.quantile(np.asarray(self.latencies), q)) if self.latencies else float("nan")


def small_bodies(protocol: str, cold: bool, count: int, offset: int) -> list[bytes]:
    """``count`` README requests for ``protocol`` ("rest" JSON or "grpc" wire bytes): distinct ones
    (assets renamed ``offset``, ``offset + 1``, ...) when ``cold``, else one body repeated."""
    from google.protobuf import json_format

    from bench._traffic import small_classification_request

    variants = range(offset, offset + count) if cold else [offset] * count
    out: list[bytes] = []
    for v in variants:
        request = small_classification_request(v)
        if protocol == "grpc":
            out.append(request.SerializeToString())
        else:
            doc = json_format.MessageToDict(request, preserving_proto_field_name=True)
            out.append(json.dumps(doc).encode())
    return out


def _http_request(route: str, body: bytes, authorization: str | None = None) -> bytes:
    auth = f"authorization: {authorization}\r\n" if authorization else ""
    head = (
        f"POST {route} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n{auth}"
        f"content-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response with a Content-Length; its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def _rest_caller(
    port: int, route: str, bodies: list[bytes], out: list[float], authorization: str | None = None
) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    requests = [_http_request(route, b, authorization) for b in bodies]
    errors = 0
    for raw in requests:
        began = time.perf_counter()
        writer.write(raw)
        status = await _read_response(reader)
        out.append(time.perf_counter() - began)
        errors += status != 200
    writer.close()
    return errors


async def _grpc_caller(
    channel: Any, path: str, bodies: list[bytes], out: list[float], authorization: str | None = None
) -> int:
    call = channel.unary_unary(path)
    metadata = (("authorization", authorization),) if authorization else None
    for body in bodies:
        began = time.perf_counter()
        await call(body, timeout=60, metadata=metadata)
        out.append(time.perf_counter() - began)
    return 0


async def _process_load(spec: dict[str, Any], ready: Any, go: Any) -> tuple[list[float], float, float, int]:
    """One client process: its callers, started together once every process is ready (``go``)."""
    import grpc

    per_caller: list[list[bytes]] = spec["bodies"]
    out: list[float] = []
    channel = grpc.aio.insecure_channel(spec["target"]) if spec["protocol"] == "grpc" else None
    if channel is not None:
        await channel.channel_ready()
    ready.put(True)
    await asyncio.to_thread(go.wait)
    cpu, began = time.process_time(), time.perf_counter()
    auth = spec.get("authorization")
    if channel is not None:
        jobs = [_grpc_caller(channel, spec["path"], b, out, auth) for b in per_caller]
    else:
        jobs = [_rest_caller(spec["port"], spec["path"], b, out, auth) for b in per_caller]
    errors = sum(await asyncio.gather(*jobs))
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    if channel is not None:
        await channel.close()
    return out, wall, cpu, errors


def _process_main(spec: dict[str, Any], ready: Any, go: Any, results: Any) -> None:
    results.put(asyncio.run(_process_load(spec, ready, go)))


def run_load(
    protocol: str,
    *,
    port: int,
    path: str,
    concurrency: int,
    per_caller: int,
    cold: bool,
    processes: int = 2,
    offset: int = 0,
    authorization: str | None = None,
) -> LoadResult:
    """``concurrency`` callers sending ``per_caller`` README requests each, over ``protocol`` to
    ``127.0.0.1:port`` (``path``: the gRPC method or the REST route); ``offset`` keeps cold runs'
    asset names apart from earlier runs'; ``authorization`` is sent with every call when given."""
    ctx = mp.get_context("spawn")
    results: Any = ctx.Queue()
    ready: Any = ctx.Queue()
    go = ctx.Event()
    procs = []
    used = max(1, min(processes, concurrency))
    for p in range(used):
        callers = range(p, concurrency, used)
        bodies = [small_bodies(protocol, cold, per_caller, offset + c * per_caller) for c in callers]
        spec: dict[str, Any] = {
            "protocol": protocol,
            "target": f"127.0.0.1:{port}",
            "port": port,
            "path": path,
        }
        spec["authorization"] = authorization
        spec["bodies"] = bodies
        procs.append(ctx.Process(target=_process_main, args=(spec, ready, go, results)))
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=120)
    go.set()
    parts = [results.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join()
    latencies = [x for part in parts for x in part[0]]
    wall = max(part[1] for part in parts)
    return LoadResult(latencies, wall, sum(part[2] for part in parts), sum(part[3] for part in parts))
