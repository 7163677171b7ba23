"""Compute processes forked by the entry point (``curation.wiring.prepare``): they answer as spawned ones
do, they end when the server dies (each closed the pipe ends it inherited), and a process with other
threads running spawns them instead."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import grpc

from curation.metrics import Metrics
from curation.store import MemoryStore
from curation.v1 import classification_pb2 as pb
from curation.v1 import diagnostics_pb2_grpc
from curation.wiring import CODECS
from curation.workers import ProcessPool, WorkerConfig
from curation.workers.pool import LOCAL_COMPUTE_BYTES
from tests.support import DictCache
from tests.workers.test_pool import KEYS, REGISTRY, SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def _read(stream: IO[str], out: queue.Queue[dict[str, Any]]) -> None:
    for line in stream:
        try:
            out.put(json.loads(line))
        except ValueError:
            continue


def _wait_for(lines: queue.Queue[dict[str, Any]], seen: list[dict[str, Any]], message: str) -> dict[str, Any]:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        doc = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        seen.append(doc)
        if doc.get("message") == message:
            return doc
    raise AssertionError(f"no {message!r} log line; last: {seen[-5:]}")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _request() -> pb.ScoreClassificationRequest:
    """A request large enough to go to a compute process (not computed in the serving process)."""
    rows = 1000
    req = pb.ScoreClassificationRequest(
        class_names=["a", "b", "c"],
        task=pb.CLASSIFICATION_TASK_SINGLE_LABEL,
        score_type=pb.SCORE_TYPE_PROBABILITY,
        asset_ids=[f"asset-{i:06d}" for i in range(rows)],
        y_true=[i % 3 for i in range(rows)],
    )
    req.scores.extend([0.5, 0.3, 0.2] * rows)
    assert req.ByteSize() >= LOCAL_COMPUTE_BYTES
    return req


def test_forked_compute_processes_answer_and_end_with_the_server() -> None:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(sys.path),
        CURATION_HOST="127.0.0.1",
        CURATION_HTTP_PORT="0",
        CURATION_GRPC_PORT="0",
        CURATION_COMPUTE_PROCESSES="2",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "curation"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    assert server.stderr is not None
    lines: queue.Queue[dict[str, Any]] = queue.Queue()
    threading.Thread(target=_read, args=(server.stderr, lines), daemon=True).start()
    seen: list[dict[str, Any]] = []
    pids: list[int] = []
    try:
        listening = _wait_for(lines, seen, "listening")
        _wait_for(lines, seen, "serving")
        started = [d for d in seen if d.get("message") == "compute process started"]
        assert [(d["index"], d["start_method"]) for d in started] == [(0, "fork"), (1, "fork")]
        assert [d["warm_up_hooks"] for d in seen if d.get("message") == "serving"] == [0]  # not run twice
        with grpc.insecure_channel(f"127.0.0.1:{listening['grpc_port']}") as channel:
            stub = diagnostics_pb2_grpc.DiagnosticsServiceStub(channel)
            answer = stub.ScoreClassification(_request(), timeout=60)
        assert answer.summary.num_assets == 1000
        pids.extend(int(d["pid"]) for d in started)
        assert all(_alive(pid) for pid in pids)
        server.send_signal(signal.SIGKILL)  # no shutdown: only the closed pipes tell the processes
        server.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in pids), "a forked compute process outlived the server"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        for pid in filter(_alive, pids):  # what a failure left behind holds the log pipe open
            os.kill(pid, signal.SIGKILL)
        server.stderr.close()


def test_a_process_with_other_threads_does_not_fork() -> None:
    config = WorkerConfig(SETTINGS, 2, signing_keys=KEYS, codecs=CODECS, registry=REGISTRY)
    pool = ProcessPool(config, DictCache(), MemoryStore(max_bytes=1 << 20), Metrics())
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not pool.fork()
    finally:
        release.set()
        other.join()
    assert pool.pids == []
