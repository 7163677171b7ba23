"""The soak's client processes: one loop per kind of traffic, each tallying what happened to its calls.

Outcomes of a call: ``ok``; ``rejected`` (``overloaded`` 429 or ``unavailable`` 503: retried with
exponential back-off and jitter, as the README advises); ``lost`` (data stored earlier in the cycle — an
embeddings collection, a fitted model — is gone, and a Redis fault touched the cycle: FLUSHALL, a kill,
writes skipped while the breaker was open; the cycle starts over); ``failed`` (anything else: an
unexpected error, which makes the soak fail).
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from bench._traffic import (
    RETRYABLE,
    GrpcCaller,
    Payload,
    RestCaller,
    apply_request,
    classification_payload,
    detection_request,
    fit_request,
    payload,
    put_embeddings_request,
    select_request,
    small_classification_request,
)
from curation.v1 import embeddings_pb2 as emb_pb
from curation.v1 import labeling_pb2 as lf_pb
from curation_client import CurationClientError, resolve

__all__ = ["CLEAR", "FAULT", "KINDS", "SMALL", "Shared", "Sizes", "Tally", "run_worker"]

KINDS = ("small-grpc", "small-rest", "large", "detection", "labeling", "embeddings")
PROTOCOLS = ("rest", "grpc")
# The label of the README-size requests in the tally ("ScoreClassification(small) grpc").
SMALL = "(small)"
FAULT, CLEAR = " during a fault", " outside faults"


@dataclass(frozen=True)
class Shared:
    """What the soak's processes share: clients report ``ready`` once their requests are built, start on
    ``go`` and stop at ``deadline``; ``fault_until`` is when the last fault's influence ends (monotonic
    seconds, huge while one is under way); each client puts its ``Tally`` on ``out``."""

    ready: Any
    go: Any
    deadline: Any
    fault_until: Any
    out: Any


@dataclass(frozen=True)
class Sizes:
    rows: int = 1_000_000
    classes: int = 10
    images: int = 5_000
    # 20 LFs over 400k texts: within the default per-request budget (1M is estimated at 4.6 GB, refused).
    apply_rows: int = 400_000
    fit_rows: int = 1_000_000
    functions: int = 20
    vectors: int = 50_000
    dimension: int = 128
    budget: int = 200


@dataclass
class Tally:
    """What one client process saw; sent back to the soak's main process when it is done."""

    kind: str
    ok: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    lost: Counter[str] = field(default_factory=Counter)
    # (monotonic time, call, error kind, message, whether a Redis fault was in effect)
    failures: list[tuple[float, str, str, str, bool]] = field(default_factory=list)
    # Seconds per successful call, by call name ("ScoreClassification rest", ...).
    seconds: dict[str, list[float]] = field(default_factory=dict)
    crashed: str = ""


class Client:
    """Both protocols, the shared fault clock and the tally of one client process."""

    def __init__(self, kind: str, ports: tuple[int, int], shared: Shared) -> None:
        self.tally = Tally(kind)
        self.rest = RestCaller(ports[0])
        self.grpc = GrpcCaller(f"127.0.0.1:{ports[1]}")
        self.shared = shared
        self.deadline = 0.0
        self.started = False

    def start(self) -> None:
        """Requests are built: say so, wait for the common start, learn the deadline."""
        self.shared.ready.put(self.tally.kind)
        self.started = True
        self.shared.go.wait()
        self.deadline = float(self.shared.deadline.value)

    def faulted_since(self, since: float) -> bool:
        return bool(self.shared.fault_until.value >= since)

    def running(self) -> bool:
        return time.monotonic() < self.deadline

    def call(
        self,
        p: Payload,
        protocol: str,
        *,
        namespace: str,
        timeout: float,
        since: float | None = None,
        label: str = "",
    ) -> Message | None:
        """Send ``p``; its decoded answer, or None when it did not succeed (tallied). With ``since`` (the
        start of a cycle that stored data), a missing stored item is ``lost`` if a fault touched the cycle."""
        name = f"{p.method}{label} {protocol}"
        backoff = 0.05
        while True:
            started, began = time.perf_counter(), time.monotonic()
            try:
                if protocol == "rest":
                    raw = self.rest.call(p.method, p.json, namespace=namespace, timeout=timeout)
                    answer: Message = json_format.Parse(
                        raw, resolve(p.method).response_type(), ignore_unknown_fields=True
                    )
                else:
                    raw = self.grpc.call(p.method, p.proto, namespace=namespace, timeout=timeout)
                    answer = resolve(p.method).response_type.FromString(raw)
            except CurationClientError as exc:
                if exc.kind in RETRYABLE and time.monotonic() < self.deadline + 60:
                    self.tally.rejected[f"{name} {exc.kind}"] += 1
                    time.sleep(backoff * (1 + random.random()))
                    backoff = min(backoff * 2, 2.0)
                    continue
                self.failed(name, exc, since)
                return None
            took = time.perf_counter() - started
            self.tally.ok[name] += 1
            self.tally.seconds.setdefault(name, []).append(took)
            if label == SMALL:  # apart: the small calls that a Redis fault touched, and the others
                touched = self.faulted_since(began)
                self.tally.seconds.setdefault(f"{name}{FAULT if touched else CLEAR}", []).append(took)
            return answer

    def failed(self, name: str, exc: CurationClientError, since: float | None) -> None:
        now = time.monotonic()
        missing = exc.kind == "not_found" or (
            exc.kind == "invalid_argument" and "no embedding stored" in exc.message
        )
        if since is not None and missing and self.faulted_since(since):
            self.tally.lost[f"{name} {exc.kind}"] += 1
            return
        in_fault = self.faulted_since(now - 1.0)
        self.tally.failures.append((now, name, exc.kind, f"{exc.field} {exc.message}"[:300], in_fault))

    def close(self) -> None:
        self.rest.close()
        self.grpc.close()


def _small(c: Client, protocol: str) -> None:
    """README-size classification requests back to back; 200 variants, so some answers are cached."""
    payloads = [payload("ScoreClassification", small_classification_request(i)) for i in range(200)]
    c.start()
    i = 0
    while c.running():
        c.call(payloads[i % len(payloads)], protocol, namespace="soak-small", timeout=30, label=SMALL)
        i += 1
        time.sleep(0.005)


def _large(c: Client, s: Sizes) -> None:
    """1M-row classifications alternating REST / gRPC; three namespaces, so repeats can hit the cache."""
    p = classification_payload(s.rows, s.classes)
    c.start()
    i = 0
    while c.running():
        c.call(p, PROTOCOLS[i % 2], namespace=f"soak-large-{i % 3}", timeout=600)
        i += 1


def _detection(c: Client, s: Sizes) -> None:
    p = payload("ScoreDetection", detection_request(s.images))
    c.start()
    i = 0
    while c.running():
        c.call(p, PROTOCOLS[i % 2], namespace=f"soak-det-{i % 3}", timeout=600)
        i += 1


def _labeling(c: Client, s: Sizes) -> None:
    """A large LF apply, then a label-model fit and a predict by the fitted model's ID."""
    apply = payload("ApplyLabelingFunctions", apply_request(s.apply_rows))
    fit_req = fit_request(s.fit_rows, s.functions, 3)
    fit = payload("FitLabelModel", fit_req)
    c.start()
    i = 0
    while c.running():
        protocol, namespace = PROTOCOLS[i % 2], f"soak-lf-{i % 3}"
        c.call(apply, protocol, namespace=namespace, timeout=600)
        since = time.monotonic()
        fitted = c.call(fit, protocol, namespace=namespace, timeout=600)
        if isinstance(fitted, lf_pb.FitLabelModelResponse):
            predict = payload(
                "PredictLabelModel",
                lf_pb.PredictLabelModelRequest(model_id=fitted.model_id, label_matrix=fit_req.label_matrix),
            )
            c.call(predict, PROTOCOLS[(i + 1) % 2], namespace=namespace, timeout=600, since=since)
        i += 1


def _embeddings(c: Client, s: Sizes) -> None:
    """Put a collection, select from it, read some vectors back, delete them and the collection."""
    c.start()
    i = 0
    while c.running():
        protocol, collection = PROTOCOLS[i % 2], f"soak-{os.getpid()}-{i}"
        since = time.monotonic()
        put = c.call(
            payload("PutEmbeddings", put_embeddings_request(collection, s.vectors, s.dimension, seed=i)),
            protocol,
            namespace="soak-emb",
            timeout=120,
        )
        if put is None:  # nothing was stored (the failure is tallied): pause, then a new cycle
            time.sleep(0.5)
            i += 1
            continue
        c.call(
            payload("Select", select_request(collection, s.vectors, s.budget, seed=i)),
            protocol,
            namespace="soak-emb",
            timeout=300,
            since=since,
        )
        ids = [f"e-{j}" for j in range(0, s.vectors, max(1, s.vectors // 1000))]
        got = c.call(
            payload("GetEmbeddings", emb_pb.GetEmbeddingsRequest(collection=collection, asset_ids=ids)),
            protocol,
            namespace="soak-emb",
            timeout=120,
            since=since,
        )
        if isinstance(got, emb_pb.GetEmbeddingsResponse) and got.missing_ids:
            if c.faulted_since(since):
                c.tally.lost[f"GetEmbeddings {protocol} missing ids"] += 1
            else:
                c.tally.failures.append(
                    (time.monotonic(), f"GetEmbeddings {protocol}", "missing_ids",
                     f"{len(got.missing_ids)} of {len(ids)} stored vectors missing without a fault", False)
                )  # fmt: skip
        delete = emb_pb.DeleteEmbeddingsRequest(
            collection=collection, asset_ids=[f"e-{j}" for j in range(s.vectors)], delete_collection=True
        )
        c.call(payload("DeleteEmbeddings", delete), protocol, namespace="soak-emb", timeout=120, since=since)
        i += 1


def run_worker(kind: str, ports: tuple[int, int], sizes: Sizes, shared: Shared) -> None:
    """One client process of the soak: its traffic until the shared deadline, then its tally onto
    ``shared.out``."""
    c = Client(kind, ports, shared)
    try:
        if kind.startswith("small-"):
            _small(c, kind.removeprefix("small-"))
        elif kind == "large":
            _large(c, sizes)
        elif kind == "detection":
            _detection(c, sizes)
        elif kind == "labeling":
            _labeling(c, sizes)
        elif kind == "embeddings":
            _embeddings(c, sizes)
        else:
            raise ValueError(f"unknown traffic kind {kind!r}")
    except Exception as exc:  # reported as a failure of the soak, not lost with the process
        c.tally.crashed = f"{type(exc).__name__}: {exc}"
        if not c.started:  # the soak waits for every client to be ready: do not leave it waiting
            shared.ready.put(kind)
    finally:
        c.close()
        shared.out.put(c.tally)
