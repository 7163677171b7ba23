"""End to end, from outside the process: the service as ``python -m curation`` with default settings.

Every figure is measured by clients in other processes, over loopback:

1. start-up: seconds from spawning a fresh process to its ``listening`` and ``serving`` log lines;
2. the README's small classification request under 1, 8 and 32 concurrent callers on both protocols,
   cold (asset IDs renamed per request: every call misses the cache) and cached (one body repeated):
   p50, p99 and requests/s, against hello-world servers on the same stacks (``bench._hello``: FastAPI
   with a pydantic body on uvicorn+httptools; ``grpc.aio``). Bar: our p50 within 1.5x the hello-world's;
3. COCO bbox evaluation of a 5,000-image set (``bench.detection_coco``'s generator and files): the COCO
   files as JSON strings over REST and the columnar request over gRPC, against hotcoco and
   ultrafast-pycocotools loading and evaluating the same files in process. Bars: gRPC at or below
   hotcoco's load + evaluate; REST within 2x of it;
4. a 1,000,000-row x 10-class classification request on both protocols, cold and cached: rows/s.

    python -m bench.e2e            # full size (several minutes)
    python -m bench.e2e --smoke    # tiny sizes, well under a minute
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bench._hello import hello_server
from bench._load import SMALL_PATH, SMALL_ROUTE, LoadResult, run_load
from bench._server import Running, running_server
from bench._traffic import GrpcCaller, Payload, RestCaller, classification_payload
from bench.detection_coco import _generate

ROOT = Path(__file__).resolve().parent.parent
COCO_PEERS = ("hotcoco", "ultrafast-pycocotools")
T = TypeVar("T")


def _row(name: str, result: LoadResult, floor: LoadResult | None) -> str:
    p50, p99 = result.quantile(0.5) * 1e3, result.quantile(0.99) * 1e3
    ratio = f"{result.quantile(0.5) / floor.quantile(0.5):6.2f}x" if floor else "      -"
    cpu = result.client_cpu / result.wall if result.wall else 0.0
    bad = f"  ({result.errors} errors)" if result.errors else ""
    return f"{name:<26}{p50:8.2f}{p99:9.2f}{result.rate:10.0f}{ratio:>10}{cpu:10.2f}{bad}"


def small_requests(server: Running, clients: list[int], total: int) -> list[tuple[str, int, float]]:
    """The small-request table (about ``total`` requests per row); returns (protocol, clients, our worse
    p50 of cold and cached / the hello-world's p50) per number of clients."""
    ratios: list[tuple[str, int, float]] = []
    offset = uuid.uuid4().int % 10**9  # a fresh run's cold requests miss whatever an earlier run cached
    for protocol in ("rest", "grpc"):
        ours_port = server.http_port if protocol == "rest" else server.grpc_port
        path = SMALL_ROUTE if protocol == "rest" else SMALL_PATH
        print(
            f"\n{protocol}: {'':<20}{'p50 ms':>8}{'p99 ms':>9}{'req/s':>10}{'p50/hello':>10}{'client CPU':>11}"
        )
        with hello_server(protocol) as hello_port:
            for c in clients:
                per_caller = max(20, total // c)

                def load(port: int, cold: bool, c: int = c, per_caller: int = per_caller) -> LoadResult:
                    nonlocal offset
                    offset += c * per_caller
                    return run_load(
                        protocol, port=port, path=path, concurrency=c, per_caller=per_caller,  # noqa: B023
                        cold=cold, offset=offset,
                    )  # fmt: skip

                floor = load(hello_port, True)
                cold, cached = load(ours_port, True), load(ours_port, False)
                print(_row(f"{c:>2} clients hello-world", floor, None))
                print(_row(f"{c:>2} clients ours, cold", cold, floor))
                print(_row(f"{c:>2} clients ours, cached", cached, floor))
                ratios.append(
                    (protocol, c, max(cold.quantile(0.5), cached.quantile(0.5)) / floor.quantile(0.5))
                )
    return ratios


def _peer_times(peer: str, gt: str, res: str) -> dict[str, Any] | None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.detection_coco", "--worker", peer, "--gt", gt, "--res", res],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    if proc.returncode != 0:
        print(f"{peer}: failed\n{proc.stderr[-1000:]}")
        return None
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _timed(fn: Callable[..., T], *args: Any, **kw: Any) -> tuple[float, T]:
    """(seconds, value) of ``fn(*args, **kw)``."""
    began = time.perf_counter()
    value = fn(*args, **kw)
    return time.perf_counter() - began, value


def coco(server: Running, images: int) -> dict[str, float]:
    """COCO over both protocols against the in-process peers; seconds per row of the table."""
    from bench._coco_request import coco_json_request, columnar_from_coco

    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        gt, res, n_gt, n_dt = _generate(images, tmp, 0)
        print(f"\nCOCO: {images} images, {n_gt} GT, {n_dt} detections")
        for peer in COCO_PEERS:
            r = _peer_times(peer, gt, res)
            if r is not None:
                times[peer] = r["load"] + r["eval"]
                print(
                    f"{peer + ' in process':<40}{times[peer]:8.3f} s  (load {r['load']:.3f}, eval {r['eval']:.3f})"
                )
        grpc_caller, rest_caller = GrpcCaller(server.grpc), RestCaller(server.http_port)
        ns = "coco-" + uuid.uuid4().hex[:8]
        try:
            for mode in ("cold", "cached"):
                build, request = _timed(columnar_from_coco, gt, res)
                serialize, body = _timed(request.SerializeToString)
                build += serialize
                call, _ = _timed(grpc_caller.call, "ScoreDetection", body, namespace=ns)
                times[f"grpc columnar {mode}"] = build + call
                print(
                    f"{'gRPC columnar, ' + mode:<40}{build + call:8.3f} s  (client build {build:.3f}, call {call:.3f})"
                )
                build, body = _timed(coco_json_request, gt, res)
                call, _ = _timed(rest_caller.call, "ScoreDetection", body, namespace=ns)
                times[f"rest json {mode}"] = build + call
                print(
                    f"{'REST COCO JSON, ' + mode:<40}{build + call:8.3f} s  (client build {build:.3f}, call {call:.3f})"
                )
        finally:
            grpc_caller.close()
            rest_caller.close()
    return times


def large_classification(server: Running, rows: int) -> None:
    """A ``rows`` x 10 request on both protocols, cold then cached: seconds and rows/s."""
    body: Payload = classification_payload(rows, 10)
    print(f"\nclassification, {rows:,} rows x 10 classes ({body.size})")
    grpc_caller, rest_caller = GrpcCaller(server.grpc), RestCaller(server.http_port)
    try:
        for protocol, caller, data in (("gRPC", grpc_caller, body.proto), ("REST", rest_caller, body.json)):
            ns = "rows-" + uuid.uuid4().hex[:8]
            for mode in ("cold", "cached"):
                took, _ = _timed(caller.call, "ScoreClassification", data, namespace=ns)
                print(f"{protocol + ', ' + mode:<40}{took:8.3f} s  {rows / took:12,.0f} rows/s")
    finally:
        grpc_caller.close()
        rest_caller.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (CI)")
    parser.add_argument("--clients", type=int, nargs="*", default=[1, 8, 32])
    parser.add_argument("--requests", type=int, default=2000, help="requests per row (at least 20 a caller)")
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--processes", help="CURATION_COMPUTE_PROCESSES for the server (default: its own)")
    parser.add_argument("--only", choices=["small", "coco", "rows"], help="run one part only")
    args = parser.parse_args(argv)
    if args.smoke:
        args.clients, args.images, args.rows = [1, 8], 60, 20_000
    began = time.monotonic()
    env = {} if args.processes is None else {"CURATION_COMPUTE_PROCESSES": args.processes}
    with running_server(env) as server:
        start = server.startup
        print(f"start-up: listening {start['listening']:.2f} s, serving {start['serving']:.2f} s after spawn")
        print(f"(server up after {time.monotonic() - began:.2f} s as the client saw it)")
        if args.only in (None, "small"):
            ratios = small_requests(server, args.clients, 40 if args.smoke else args.requests)
            for protocol, c, ratio in ratios:
                verdict = "holds" if ratio <= 1.5 else "FAILS"
                print(
                    f"bar {protocol} {c:>2} clients: worst p50 / hello p50 = {ratio:.2f} (<= 1.5: {verdict})"
                )
        if args.only in (None, "coco"):
            times = coco(server, args.images)
            _coco_bars(times)
        if args.only in (None, "rows"):
            large_classification(server, args.rows)
    return 0


def _coco_bars(times: dict[str, float]) -> None:
    peer = times.get("hotcoco")
    if peer is None:
        return
    for name, bar in (("grpc columnar cold", 1.0), ("rest json cold", 2.0)):
        ratio = times[name] / peer
        print(f"bar {name}: {ratio:.2f}x hotcoco (<= {bar}: {'holds' if ratio <= bar else 'FAILS'})")


if __name__ == "__main__":
    sys.exit(main())
