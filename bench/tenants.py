"""Fairness between tenants: tenant B's small-request latency alone and while tenant A floods the server
with large ones.

Starts the real server (``python -m curation``) with ``--processes`` compute processes of ``--workers``
threads; measures B's small classifications (``--b-rows`` rows, each distinct, so each is computed) one at
a time, first on an idle server, then while ``--a-clients`` threads of tenant A send ``--rows``-row
classifications back to back. Prints B's p50 / p99 in both windows and their ratio (loaded / idle), and how
many of A's requests finished meanwhile. The per-request memory budget is 16 GiB unless told otherwise, so
that A's requests are not heavy by the admission's memory rule and the tenant cap alone is measured, as in
``tests/test_tenant_fairness.py``. ``--compare`` runs it with the per-tenant heavy cap at its
default (workers - 1) and with it off (``CURATION_TENANT_HEAVY_CONCURRENCY=0``).

    python -m bench.tenants --compare          # 1M-row A requests, one compute process of 2 threads
    python -m bench.tenants --smoke            # tiny requests, seconds
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from bench._server import running_server
from bench._traffic import GrpcCaller, Payload, RestCaller, classification_payload, classification_request
from curation.rest import protojson


def _variant(body: bytes, i: int) -> bytes:
    """``body`` with its first asset ID renamed (same length): a new cache key for the price of a copy."""
    return body.replace(b"asset-00000000", f"variant-{i:06d}".encode(), 1)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _small_bodies(args: argparse.Namespace, offset: int) -> list[bytes]:
    bodies = []
    for i in range(args.b_requests):
        message = classification_request(args.b_rows, 3, seed=offset + i)
        bodies.append(message.SerializeToString() if args.protocol == "grpc" else protojson.dumps(message))
    return bodies


def _caller(args: argparse.Namespace, grpc_target: str, http_port: int) -> GrpcCaller | RestCaller:
    return GrpcCaller(grpc_target) if args.protocol == "grpc" else RestCaller(http_port)


def _measure_b(caller: GrpcCaller | RestCaller, bodies: list[bytes]) -> list[float]:
    seconds = []
    for body in bodies:
        started = time.perf_counter()
        caller.call("ScoreClassification", body, namespace="tenant-b")
        seconds.append(time.perf_counter() - started)
    return seconds


def run(args: argparse.Namespace, large: Payload, cap: str | None) -> None:
    env = {
        "CURATION_COMPUTE_PROCESSES": str(args.processes),
        "CURATION_WORKERS": str(args.workers),
        "CURATION_MAX_REQUEST_MEMORY_BYTES": str(args.request_memory_gib << 30),
    }
    if cap is not None:
        env["CURATION_TENANT_HEAVY_CONCURRENCY"] = cap
    label = f"heavy cap {'default (workers - 1)' if cap is None else cap}"
    with running_server(env) as server:
        small = _caller(args, server.grpc, server.http_port)
        _measure_b(small, _small_bodies(args, 10_000))  # warm-up: connections and kernels
        idle = _measure_b(small, _small_bodies(args, 20_000))
        source = large.proto if args.protocol == "grpc" else large.json
        stop = threading.Event()
        finished = [0]
        counter = iter(range(1_000_000))
        lock = threading.Lock()

        def flood() -> None:
            caller = _caller(args, server.grpc, server.http_port)
            while not stop.is_set():
                with lock:
                    body = _variant(source, next(counter))
                caller.call("ScoreClassification", body, namespace="tenant-a")
                with lock:
                    finished[0] += 1
            caller.close()

        threads = [threading.Thread(target=flood, daemon=True) for _ in range(args.a_clients)]
        for thread in threads:
            thread.start()
        time.sleep(args.settle)  # A's requests reach the compute processes
        loaded = _measure_b(small, _small_bodies(args, 30_000))
        done_during = finished[0]
        stop.set()
        for thread in threads:
            thread.join()
        small.close()
    p50_idle, p99_idle = statistics.median(idle), _quantile(idle, 0.99)
    p50_load, p99_load = statistics.median(loaded), _quantile(loaded, 0.99)
    print(
        f"{label}: B ({args.b_rows} rows, n={len(loaded)}) idle p50 {p50_idle * 1e3:.1f} ms p99 "
        f"{p99_idle * 1e3:.1f} ms | with A ({args.a_clients} x {args.rows:,} rows) p50 {p50_load * 1e3:.1f} ms "
        f"p99 {p99_load * 1e3:.1f} ms | ratio p50 {p50_load / p50_idle:.1f}x p99 {p99_load / p99_idle:.1f}x "
        f"| A finished meanwhile: {done_during}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny requests, a few seconds")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of each of A's requests")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--a-clients", type=int, default=3, help="A's concurrent senders")
    parser.add_argument("--b-rows", type=int, default=2_000)
    parser.add_argument("--b-requests", type=int, default=40)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--protocol", choices=["grpc", "rest"], default="grpc")
    parser.add_argument(
        "--request-memory-gib",
        type=int,
        default=16,
        help="CURATION_MAX_REQUEST_MEMORY_BYTES in GiB: at 16, A's requests are not heavy by the admission's\n"
        "memory rule (heavy = 1/16 of it), so the per-tenant cap is what keeps a worker free (3 is the default)",
    )
    parser.add_argument("--settle", type=float, default=2.0, help="seconds A runs before B is measured")
    parser.add_argument("--compare", action="store_true", help="with the default cap, then with none")
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.b_requests, args.b_rows, args.settle, args.a_clients = 20_000, 5, 500, 0.2, 2
    large = classification_payload(args.rows, args.classes)
    print(f"A's request: {large.size}", flush=True)
    run(args, large, None)
    if args.compare:
        run(args, large, "0")


if __name__ == "__main__":
    main()
