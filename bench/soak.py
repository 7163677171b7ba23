"""Soak: mixed maximum-size traffic for minutes against the real server backed by a real Redis under faults.

The script starts its own redis-server (free port, AOF persistence so a restart keeps the data, maxmemory
with ``volatile-lru``), then the server (``python -m curation`` with ``REDIS_URL``), then client processes:
README-size classifications back to back on each protocol, 1M-row classifications (REST and gRPC in turn),
large detection evaluations, a large labeling-function apply followed by a label-model fit and a predict
by the fitted model's ID, and embeddings cycles (put a collection, select from it, read vectors back,
delete what was put). Meanwhile a fault thread injects Redis faults in turn — SIGSTOP/SIGCONT, ``DEBUG
SLEEP``, SIGKILL and restart, ``FLUSHALL``, ``CLIENT KILL`` — each type several times; it logs and
survives its own errors.

Printed: the faults, calls per kind (ok / rejected 429-503 and retried / stored data lost to a fault /
failed), p50/p99/max latency of the small requests per protocol, and the RSS of the server process (and
its children) sampled every second, as min/avg/max per minute. Exit status 1 on any unexpected failure.

    python -m bench.soak                      # 10 minutes at full size
    python -m bench.soak --seconds 150        # a shorter run
    python -m bench.soak --smoke              # ~20 s, small sizes (CI)
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench._probe import stats
from bench._redis import RedisServer
from bench._server import running_server
from bench._soak_traffic import CLEAR, FAULT, KINDS, SMALL, Shared, Sizes, Tally, run_worker

MIB = 1024 * 1024
FAULT_TYPES = ("pause", "debug_sleep", "kill_restart", "flushall", "client_kill")
# After a fault ends, its effects last a little longer: the cache's circuit breaker skips Redis for its
# cool-down (5 s by default) before it tries again.
FAULT_AFTERMATH = 8.0
_FOREVER = 1e18


# ---- RSS --------------------------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc."""
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (0 for processes gone meanwhile)."""
    tree, total, todo = _children(), 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(tree.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


# ---- faults -----------------------------------------------------------------------------------------------


@dataclass
class Faults:
    """Injects Redis faults in turn, one starting every ``every`` seconds until ``deadline``; never dies of
    its own errors (a failed fault is logged, Redis restarted if it is down, and the next one goes on)."""

    redis: RedisServer
    every: float
    deadline: float
    hold: float
    fault_until: Any
    log: list[tuple[float, str, str]] = field(default_factory=list)
    errors: int = 0

    def actions(self) -> dict[str, Callable[[], str]]:
        return {
            "pause": lambda: self.redis.pause(self.hold),
            "debug_sleep": lambda: self.redis.debug_sleep(self.hold),
            "kill_restart": lambda: self.redis.kill_restart(self.hold),
            "flushall": self.redis.flushall,
            "client_kill": self.redis.client_kill,
        }

    def run(self, started: float) -> None:
        actions = self.actions()
        i = 0
        while (at := started + (i + 1) * self.every) < self.deadline:
            time.sleep(max(0.0, at - time.monotonic()))
            name = FAULT_TYPES[i % len(FAULT_TYPES)]
            i += 1
            self.fault_until.value = _FOREVER
            began = time.monotonic() - started
            try:
                outcome = actions[name]()
            except Exception as exc:
                self.errors += 1
                outcome = f"fault failed ({type(exc).__name__}: {exc}); going on"
                self._revive()
            finally:
                self.fault_until.value = time.monotonic() + FAULT_AFTERMATH
            self.log.append((began, name, outcome))
            print(f"  +{self.log[-1][0]:6.1f} s  fault {name}: {outcome}", flush=True)

    def _revive(self) -> None:
        """After a failed fault, make sure Redis runs again (the next faults need it)."""
        try:
            process = self.redis.process
            if process is None or process.poll() is not None:
                self.redis.start()
        except Exception as exc:
            self.errors += 1
            print(f"  could not restart redis: {exc}", flush=True)


# ---- report -----------------------------------------------------------------------------------------------


def rss_table(samples: list[tuple[float, int]], bucket: float) -> list[str]:
    rows = [f"{'from s':>7} {'to s':>6} {'min MiB':>8} {'avg MiB':>8} {'max MiB':>8}"]
    if not samples:
        return rows
    t = np.array([s[0] for s in samples])
    rss = np.array([s[1] for s in samples]) / MIB
    for b in range(int(t.max() // bucket) + 1):
        sel = rss[(t >= b * bucket) & (t < (b + 1) * bucket)]
        if sel.size:
            rows.append(
                f"{b * bucket:7.0f} {(b + 1) * bucket:6.0f} {sel.min():8.0f} {sel.mean():8.0f} {sel.max():8.0f}"
            )
    return rows


def report(
    tallies: list[Tally], faults: Faults, rss: list[tuple[float, int]], bucket: float, started: float
) -> int:
    """Print everything; the number of unexpected failures (crashed clients count as failures)."""
    print(
        "\nfaults injected:",
        dict(Counter(name for _, name, _ in faults.log)),
        f"(fault errors: {faults.errors})",
    )
    ok, rejected, lost = Counter[str](), Counter[str](), Counter[str]()
    seconds: dict[str, list[float]] = {}
    failures: list[tuple[float, str, str, str, bool]] = []
    for t in tallies:
        ok.update(t.ok)
        rejected.update(t.rejected)
        lost.update(t.lost)
        failures.extend(t.failures)
        for name, values in t.seconds.items():
            seconds.setdefault(name, []).extend(values)
    failed_by = Counter(f"{name} {kind}" for _, name, kind, _, _ in failures)
    print(f"\n{'call':<34} {'ok':>7} {'p50 s':>7} {'max s':>7}")
    for name in sorted(ok):
        s = stats(seconds[name])
        print(f"{name:<34} {ok[name]:>7} {s.p50:7.3f} {s.max:7.3f}")
    for title, counter in (
        ("rejected and retried", rejected),
        ("lost to a fault", lost),
        ("FAILED", failed_by),
    ):
        print(
            f"{title}: {sum(counter.values())}" + "".join(f"\n  {k}: {v}" for k, v in sorted(counter.items()))
        )
    for when, name, kind, message, in_fault in sorted(failures)[:20]:
        print(
            f"  at +{when - started:.1f} s {name} {kind}{' (during a fault)' if in_fault else ''}: {message}"
        )
    crashed = [t for t in tallies if t.crashed]
    for t in crashed:
        print(f"client process {t.kind} crashed: {t.crashed}")
    print("\nsmall requests (README size), latency in ms:")
    print(f"{'protocol':<9} {'when':<16} {'n':>6} {'p50':>7} {'p99':>7} {'max':>7}")
    for protocol in ("grpc", "rest"):
        for part in ("", CLEAR, FAULT):
            s = stats(seconds.get(f"ScoreClassification{SMALL} {protocol}{part}", []))
            print(f"{protocol:<9} {part.strip() or 'all':<16} {s.row()}")
    print(f"\nRSS of the server process and its children, per {bucket:.0f} s:")
    print("\n".join(rss_table(rss, bucket)))
    return len(failures) + len(crashed)


# ---- main -------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--fault-rounds", type=int, default=3, help="times each fault type is injected")
    parser.add_argument(
        "--processes",
        type=int,
        default=-1,
        help="CURATION_COMPUTE_PROCESSES (default: the service's, one per CPU)",
    )
    parser.add_argument("--redis-maxmemory", default="1gb")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the large classifications")
    parser.add_argument("--smoke", action="store_true", help="~20 s at small sizes (CI)")
    args = parser.parse_args(argv)
    sizes = Sizes(rows=args.rows)
    hold, bucket = 2.0, 60.0
    if args.smoke:
        args.seconds, args.fault_rounds, hold, bucket = 20.0, 1, 1.0, 5.0
        sizes = Sizes(5_000, 10, 50, 5_000, 5_000, 20, 2_000, 32, 20)
    every = args.seconds / (len(FAULT_TYPES) * args.fault_rounds + 1)
    with tempfile.TemporaryDirectory(prefix="soak-redis-") as directory:
        redis = RedisServer(Path(directory), maxmemory=args.redis_maxmemory)
        redis.start()
        try:
            return soak(args, sizes, redis, every=every, hold=hold, bucket=bucket)
        finally:
            redis.stop()


def soak(
    args: argparse.Namespace, sizes: Sizes, redis: RedisServer, *, every: float, hold: float, bucket: float
) -> int:
    env = {"REDIS_URL": redis.url, "CURATION_COMPUTE_PROCESSES": str(args.processes)}
    ctx = mp.get_context("spawn")
    shared = Shared(ctx.Queue(), ctx.Event(), ctx.Value("d", 0.0), ctx.Value("d", 0.0), ctx.Queue())
    with running_server(env, serving=True) as server:
        print(f"soak: {args.seconds:.0f} s, redis {redis.url} (AOF), server pid {server.pid}, "
              f"CURATION_COMPUTE_PROCESSES={args.processes}, a fault every {every:.1f} s; {sizes}", flush=True)  # fmt: skip
        ports = (server.http_port, server.grpc_port)
        workers = [
            ctx.Process(target=run_worker, args=(kind, ports, sizes, shared), daemon=True) for kind in KINDS
        ]
        for w in workers:
            w.start()
        for _ in workers:  # the clients build their requests first (minutes at full size)
            shared.ready.get(timeout=1800)
        started = time.monotonic()
        deadline = shared.deadline.value = started + args.seconds
        shared.go.set()
        print("  clients ready, the clock starts", flush=True)
        faults = Faults(redis, every, deadline, hold, shared.fault_until)
        fault_thread = threading.Thread(target=faults.run, args=(started,), daemon=True)
        fault_thread.start()
        rss: list[tuple[float, int]] = []
        while time.monotonic() < deadline:
            now = time.monotonic() - started
            rss.append((now, tree_rss(server.pid)))
            if len(rss) % 30 == 0:
                print(f"  +{now:6.1f} s  server RSS {rss[-1][1] / MIB:.0f} MiB", flush=True)
            time.sleep(1.0)
        fault_thread.join()
        tallies: list[Tally] = []
        for _ in workers:  # clients finish the call they are in (a large one may take a while)
            try:
                tallies.append(shared.out.get(timeout=600))
            except queue.Empty:
                break
        for w in workers:
            w.join(timeout=10)
            if w.is_alive():
                w.kill()
        missing = len(workers) - len(tallies)
        time.sleep(2.0)
        print(f"\nserver RSS once every client has stopped: {tree_rss(server.pid) / MIB:.0f} MiB")
        print(f"redis at the end: {redis.dbsize()} keys, {redis.used_memory() / MIB:.0f} MiB used")
    failures = report(tallies, faults, rss, bucket, started) + missing
    if missing:
        print(f"{missing} client processes sent no tally")
    print(f"\nunexpected failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
