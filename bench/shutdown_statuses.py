"""What callers see when the service gets SIGTERM under load: the status of every call after the signal.

Runs ``python -m curation``, keeps N gRPC and N REST callers sending a small ScoreClassification in a
loop without back-off (each on its own kept-alive connection), sends SIGTERM after a second and tallies
the outcomes of the calls that ended after it, until the process has exited. The promise: no CANCELLED
on gRPC (clients do not retry it); new REST calls get 503 with ``Connection: close``. Calls on the wire
at the instant the process exits fail with a transport error (UNAVAILABLE on gRPC; a read error on REST).

``python -m bench.shutdown_statuses [--callers 20] [--smoke]``
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time

import grpc
import httpx

from curation.v1 import classification_pb2 as pb
from curation.v1 import diagnostics_pb2_grpc

from ._server import ROOT

PATH = "/v1/diagnostics/classification:score"


def start() -> tuple[subprocess.Popen[str], int, int]:
    env = dict(os.environ, CURATION_HTTP_PORT="0", CURATION_GRPC_PORT="0", CURATION_HOST="127.0.0.1")
    env["PYTHONPATH"] = str(ROOT / "service") + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen([sys.executable, "-m", "curation"], env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    ports = (0, 0)
    for line in proc.stderr:
        doc = json.loads(line)
        if doc.get("message") == "listening":
            ports = int(doc["http_port"]), int(doc["grpc_port"])
        if doc.get("message") == "serving":
            # Keep reading: a full pipe would block the server's next log line (and its shutdown).
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, *ports
    raise RuntimeError(f"the server exited with {proc.wait()}")


async def run(callers: int) -> collections.Counter[str]:
    proc, http_port, grpc_port = start()
    after: collections.Counter[str] = collections.Counter()
    signalled = False
    done = False

    async def grpc_caller(k: int) -> None:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            stub = diagnostics_pb2_grpc.DiagnosticsServiceStub(channel)
            i = 0
            while not done:
                i += 1
                request = pb.ScoreClassificationRequest(
                    class_names=["a"], asset_ids=[f"{k}-{i}"], y_true=[0], y_pred=[0]
                )
                try:
                    await stub.ScoreClassification(request, timeout=5)
                    outcome = "OK"
                except grpc.aio.AioRpcError as exc:
                    outcome = exc.code().name
                if signalled:
                    after[f"grpc {outcome}"] += 1

    async def rest_caller(k: int) -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}") as client:
            i = 0
            while not done:
                i += 1
                body = {"class_names": ["a"], "asset_ids": [f"{k}-{i}"], "y_true": [0], "y_pred": [0]}
                try:
                    reply = await client.post(PATH, json=body, timeout=5)
                    outcome = f"{reply.status_code} connection={reply.headers.get('connection', '-')}"
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                if signalled:
                    after[f"rest {outcome}"] += 1

    tasks = [asyncio.ensure_future(grpc_caller(k)) for k in range(callers)]
    tasks += [asyncio.ensure_future(rest_caller(k)) for k in range(callers)]
    await asyncio.sleep(1.0)
    signalled = True
    began = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    status = await asyncio.to_thread(proc.wait, 60)
    print(f"exit status {status} {time.monotonic() - began:.2f} s after SIGTERM")
    done = True
    await asyncio.gather(*tasks)
    return after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--callers", type=int, default=20, help="callers per protocol")
    parser.add_argument("--smoke", action="store_true", help="a few callers (CI)")
    args = parser.parse_args()
    after = asyncio.run(run(2 if args.smoke else args.callers))
    for outcome, count in sorted(after.items()):
        print(f"{count:8d}  {outcome}")
    if after["grpc CANCELLED"]:
        raise SystemExit("gRPC callers got CANCELLED")


if __name__ == "__main__":
    main()
