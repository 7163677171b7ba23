"""Cold start (issue 10): process start to SERVING, and each family's first request against its steady state.

Each scenario starts a fresh ``curation-serve`` on free ports and times it from just before the process
starts until gRPC health says SERVING and ``/readyz`` answers 200 (tests/deploy/served.py), with the
default compute processes and with ``CURATION_COMPUTE_PROCESSES=0``:

* ``empty cache`` (the peer): an empty ``NUMBA_CACHE_DIR``, so every kernel compiles before SERVING, as
  every new pod did before; full run only;
* ``warm cache``: a cache directory after ``curation-warm`` ran into it (``make install``; the smoke run
  uses the checkout's own, beside the sources);
* ``image``: the Dockerfile's kernel steps reproduced in a temp venv (``pip install --no-deps .``,
  ``curation-warm`` for ``NUMBA_CPU_NAME=generic``; tests/deploy/image_build.py) and started with the
  runtime stage's environment: the shipped kernels copied into an empty cache directory. Full run only
  (the build compiles the kernels once, about 15 s of CPU).

Then, on the server just started, the first request of each family (classification, detection, labeling,
sampling) against the median of the next 10 identical ones, each in a namespace of its own so the result
cache never answers; ``first / steady`` should stay under 2.

    PYTHONPATH=service:clients/python:. python -m bench.cold_start [--smoke] [--repeat 3]

Measured (2 cores shared with other work, --repeat 3, medians; CPU to SERVING is the less noisy figure).
Before the fork at start (main at aa4df9a, load average about 5-6), start->SERVING with 2 compute
processes: 27.6 s empty cache, 3.81 s warm cache, 8.82 s image (CPU 31.8 / 3.51 / 4.31 s); with none
15.1 s, 5.50 s, 1.53 s (CPU 14.1 / 1.63 / 1.45 s); first/steady up to 2.20 (labeling, warm cache, 2
processes). Compute processes forked from the warm serving process (curation.wiring.prepare, load
average about 4): with 2 processes 23.5 s empty cache, 1.32 s warm cache, 1.26 s image (CPU 13.3 / 1.50
/ 1.42 s); with none 13.0 s, 1.32 s, 1.14 s (CPU 13.1 / 1.50 / 1.32 s); first/steady at most 1.45.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.deploy.image_build import clean_env, reproduce
from tests.deploy.served import serving

from bench._traffic import (
    GrpcCaller,
    Payload,
    classification_payload,
    detection_request,
    fit_request,
    payload,
    put_embeddings_request,
    select_request,
)

ROOT = Path(__file__).resolve().parent.parent
STEADY = 10


def _families(smoke: bool) -> dict[str, tuple[str, Payload]]:
    rows = 2_000 if smoke else 200_000
    return {
        "classification": ("ScoreClassification", classification_payload(rows, 10)),
        "detection": ("ScoreDetection", payload("ScoreDetection", detection_request(20 if smoke else 500))),
        "labeling": ("FitLabelModel", payload("FitLabelModel", fit_request(rows, 10, 3))),
        "sampling": ("Select", payload("Select", select_request("cold", 500 if smoke else 20_000, 50))),
    }


def _first_vs_steady(grpc_port: int, smoke: bool) -> dict[str, tuple[float, float]]:
    """Per family: the first request's seconds and the median of the next ``STEADY``."""
    caller = GrpcCaller(f"127.0.0.1:{grpc_port}")
    out: dict[str, tuple[float, float]] = {}
    try:
        families = _families(smoke)
        vectors = put_embeddings_request("cold", 500 if smoke else 20_000, 64).SerializeToString()
        for i in range(STEADY + 1):
            caller.call("PutEmbeddings", vectors, namespace=f"cold-{i}")
        for family, (method, body) in families.items():
            took = []
            for i in range(STEADY + 1):
                started = time.perf_counter()
                caller.call(method, body.proto, namespace=f"cold-{i}")
                took.append(time.perf_counter() - started)
            out[family] = (took[0], statistics.median(took[1:]))
    finally:
        caller.close()
    return out


def _run(
    name: str, argv: list[str], env_of: Callable[[Path], dict[str, str]], args: argparse.Namespace
) -> None:
    for processes in ("-1", "0"):
        starts, cpus = [], []
        ratios: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="curation-cold-") as scratch:
                env = {**env_of(Path(scratch)), "CURATION_COMPUTE_PROCESSES": processes}
                with serving(argv, env) as served:
                    starts.append(served.ready_seconds)
                    cpus.append(served.ready_cpu_seconds)
                    for family, (first, steady) in _first_vs_steady(served.grpc, args.smoke).items():
                        ratios.setdefault(family, []).append(first / steady)
        per_family = "  ".join(f"{f} {statistics.median(r):4.2f}" for f, r in ratios.items())
        print(
            f"{name:<12} processes {processes:>2}: start->SERVING median {statistics.median(starts):6.2f} s "
            f"(runs {', '.join(f'{s:.2f}' for s in starts)}), CPU {statistics.median(cpus):6.2f} s;  "
            f"first/steady: {per_family}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="warm cache only, one run, small requests (CI)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.smoke:
        args.repeat = 1
    here = [sys.executable, "-m", "curation"]
    path = os.pathsep.join(str(ROOT / p) for p in ("service", "clients/python"))
    with tempfile.TemporaryDirectory(prefix="curation-kernels-") as kernels:
        # The smoke run uses the checkout's own cache (beside the sources), warm once the tests have run.
        dev = clean_env(PYTHONPATH=path, **({} if args.smoke else {"NUMBA_CACHE_DIR": kernels}))
        if not args.smoke:
            _run("empty cache", here, lambda scratch: {**dev, "NUMBA_CACHE_DIR": str(scratch)}, args)
        started = time.perf_counter()
        warm = [sys.executable, "-m", "curation.warm"]
        subprocess.run(warm, env=dev, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        print(f"curation-warm: {time.perf_counter() - started:.1f} s", flush=True)
        _run("warm cache", here, lambda _: dev, args)
    if args.smoke:
        return
    with tempfile.TemporaryDirectory(prefix="curation-image-") as build:
        started = time.perf_counter()
        image = reproduce(Path(build))
        print(f"image build reproduced (venv + warm step): {time.perf_counter() - started:.1f} s", flush=True)
        _run(
            "image", [image.bin("curation-serve")], lambda scratch: image.runtime_env(scratch / "numba"), args
        )


if __name__ == "__main__":
    main()
