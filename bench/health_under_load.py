"""Health-probe latency while maximum-size requests are parsed and scored, on both protocols.

Starts the real server (``python -m curation``) as a subprocess; a probe process hits ``/healthz``,
``/readyz`` and gRPC health ``Check`` every ~10 ms while this process sends, one at a time, each heavy
request: a 1M-row classification with an n x k probability matrix (REST JSON, then gRPC), a large
detection evaluation and a large labeling-function apply (each on both protocols). Prints p50/p99/max of
every probe during an idle window and during each request, the request's duration, and whether the
issue's bar (p99 < 100 ms, max < 250 ms) is met. Exit status 1 when a request failed; a missed bar is
reported, not fatal (the health-under-load test holds the bound).

``--processes N`` passes ``CURATION_COMPUTE_PROCESSES=N`` (0 = compute in threads of the serving process);
``--compare`` runs the whole set with 0 and then 2.

    python -m bench.health_under_load                 # full size, the service's default processes
    python -m bench.health_under_load --compare       # the same with 0 and with 2 worker processes
    python -m bench.health_under_load --smoke         # tiny requests, a few seconds
"""

from __future__ import annotations

import argparse
import time
import uuid
from dataclasses import dataclass

from bench._probe import PROBES, Probes, probing
from bench._server import running_server
from bench._traffic import (
    GrpcCaller,
    Payload,
    RestCaller,
    apply_request,
    classification_payload,
    detection_request,
    payload,
)
from curation_client import CurationClientError

BAR_P99, BAR_MAX = 0.100, 0.250


@dataclass(frozen=True)
class Window:
    """One stretch of the run: a request (or the idle baseline) from ``start`` to ``end``."""

    load: str
    protocol: str
    start: float
    end: float
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.end - self.start


def build_loads(args: argparse.Namespace) -> list[tuple[str, Payload]]:
    """The heavy requests, each serialized once for both protocols."""
    loads = [
        (
            f"classification {args.rows:,} x {args.classes}",
            classification_payload(args.rows, args.classes),
        ),
        (f"detection {args.images:,} images", payload("ScoreDetection", detection_request(args.images))),
        (
            f"apply 20 LFs x {args.apply_rows:,}",
            payload("ApplyLabelingFunctions", apply_request(args.apply_rows)),
        ),
    ]
    for name, p in loads:
        print(f"{name}: {p.size}", flush=True)
    return loads


def run(
    loads: list[tuple[str, Payload]], processes: int, idle: float, repeats: int
) -> tuple[list[Window], Probes]:
    """Serve with ``processes`` compute processes; send every load on both protocols under the probes."""
    env = {"CURATION_COMPUTE_PROCESSES": str(processes)}
    windows: list[Window] = []
    with running_server(env, serving=True) as server, probing(server.http_port, server.grpc_port) as probes:
        grpc_caller, rest_caller = GrpcCaller(server.grpc), RestCaller(server.http_port)
        start = time.monotonic()
        time.sleep(idle)
        windows.append(Window("idle", "-", start, time.monotonic()))
        for name, p in loads:
            for protocol in ("rest", "grpc"):
                for _ in range(repeats):
                    namespace = "health-" + uuid.uuid4().hex[:12]  # never cached
                    start, error = time.monotonic(), ""
                    try:
                        if protocol == "rest":
                            rest_caller.call(p.method, p.json, namespace=namespace)
                        else:
                            grpc_caller.call(p.method, p.proto, namespace=namespace)
                    except CurationClientError as exc:
                        error = f"{exc.kind}: {exc.message[:120]}"
                    windows.append(Window(name, protocol, start, time.monotonic(), error))
                    print(f"  {name} over {protocol}: {windows[-1].seconds:.2f} s {error}", flush=True)
        grpc_caller.close()
        rest_caller.close()
    return windows, probes


def report(windows: list[Window], probes: Probes, processes: int) -> bool:
    """Print the table; whether every window met the bar."""
    print(f"\nCURATION_COMPUTE_PROCESSES={processes}  (probe latencies in ms; bar p99 < 100, max < 250)")
    print(f"{'load':<30} {'proto':<5} {'req s':>7}  {'probe':<11} {'n':>6} {'p50':>7} {'p99':>7} {'max':>7}")
    met = True
    for w in windows:
        for i, probe in enumerate(PROBES):
            s = probes.window(probe, w.start, w.end)
            ok = s.count > 0 and s.p99 < BAR_P99 and s.max < BAR_MAX and not s.failed
            met &= ok or w.load == "idle"
            head = f"{w.load:<30} {w.protocol:<5} {w.seconds:7.2f}" if i == 0 else f"{'':<30} {'':<5} {'':>7}"
            print(f"{head}  {probe:<11} {s.row()}{'' if ok else '  <- over the bar'}")
            for why in probes.failures(probe, w.start, w.end)[:3]:
                print(f"{'':<58}failed: {why}")
        if w.error:
            print(f"{'':<44}request failed: {w.error}")
    print(f"bar {'met' if met else 'missed'} with CURATION_COMPUTE_PROCESSES={processes}", flush=True)
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="classification rows")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--images", type=int, default=5_000, help="detection images (~47 objects each)")
    parser.add_argument(
        "--apply-rows",
        type=int,
        default=400_000,
        help="texts for the LF apply (1M x 20 LFs is over the budget)",
    )
    parser.add_argument("--repeats", type=int, default=1, help="times each request is sent per protocol")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds of probes with no load first")
    parser.add_argument(
        "--processes",
        type=int,
        default=-1,
        help="CURATION_COMPUTE_PROCESSES (default: the service's, one per CPU)",
    )
    parser.add_argument("--compare", action="store_true", help="run with 0 and with 2 processes")
    parser.add_argument("--smoke", action="store_true", help="tiny requests, a few seconds (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rows, args.images, args.apply_rows, args.idle = 5_000, 50, 5_000, 0.5
    loads = build_loads(args)
    failed = False
    summary = []
    for processes in [0, 2] if args.compare else [args.processes]:
        windows, probes = run(loads, processes, args.idle, args.repeats)
        summary.append((processes, report(windows, probes, processes)))
        failed |= any(w.error for w in windows)
    if args.compare:
        print("\n" + "  ".join(f"processes={p}: bar {'met' if m else 'missed'}" for p, m in summary))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
