"""The service's default selection (no strategies named) on a large pool: in process and end to end.

A gaussian-mixture pool of ``n`` x 128 float32 embeddings with 10-class probabilities, 1,000 labeled
assets and planted near-copies of the most uncertain rows (each copy takes its source's probabilities,
so both rank at the top); budget 1,000. Select with no strategies runs the adaptive default, measured in
its two regimes: ``uncertainty`` (the request states a held-out accuracy of 0.9 in ``accuracy_history``:
margin with redundancy removal over the candidates) and ``cold_start`` (no labels and no accuracy:
typicality over a k-means clustering of the pool, cached per pool).

1. In process: ``evaluate_select`` (the ops path, as a worker runs it) -- seconds, peak RSS, planted pairs
   both picked (must be 0) and the recall of planted pairs (both members in one near-duplicate group,
   from the core's candidate groups).
2. The peer, our previous behaviour: the whole-pool near-duplicate search (every row searched), at 200,000
   rows against the candidate path on the same data; the ratio at equal size.
3. End to end through ``python -m curation`` in another process: the embeddings put into a collection
   (chunked by the put request's limit), then Select naming the collection, over gRPC and REST, cold and
   cached -- seconds and the server's peak RSS.

    python -m bench.sampling_default_scale           # 1,000,000 x 128 (and the 200,000-row comparison)
    python -m bench.sampling_default_scale --smoke   # 20,000 x 128
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from bench._server import Running, running_server
from bench._traffic import GrpcCaller, RestCaller
from curation.core.sampling import candidate_groups as cg
from curation.core.sampling import tie_keys
from curation.ops.embedding_limits import MAX_IDS_PER_REQUEST
from curation.ops.sampling.select import DEFAULT_DEDUP, evaluate_select
from curation.ops.sampling.vectors import PoolVectors
from curation.rest import protojson
from curation.v1 import embeddings_pb2 as epb
from curation.v1 import sampling_pb2 as pb

D, K, LABELED, BUDGET, PLANTED = 128, 10, 1_000, 1_000, 200
T = TypeVar("T")


@dataclass(frozen=True)
class Data:
    ids: list[str]
    x: np.ndarray
    p: np.ndarray
    labeled: np.ndarray
    pairs: np.ndarray  # planted (source, copy) rows


def make(n: int, seed: int = 0) -> Data:
    """The pool: 1 cluster per 500 rows, probabilities from a noisy linear model, planted copies."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(max(2, n // 500), D)).astype(np.float32)
    x = centers[rng.integers(0, len(centers), n)]
    x += 0.8 * rng.standard_normal(size=(n, D), dtype=np.float32)
    logits = (x[:, :K] * 1.5 + rng.standard_normal(size=(n, K), dtype=np.float32)).astype(np.float64)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    top2 = np.sort(p, axis=1)[:, -2:]
    by_unc = np.argsort(top2[:, 1] - top2[:, 0], kind="stable")
    src = by_unc[:PLANTED]
    dst = rng.choice(by_unc[PLANTED:], PLANTED, replace=False)
    x[dst] = x[src] + 0.005 * rng.standard_normal(size=(PLANTED, D), dtype=np.float32)
    p[dst] = p[src]
    rest = np.setdiff1d(np.arange(n), np.r_[src, dst])
    labeled = rng.choice(rest, LABELED, replace=False)
    return Data([f"asset-{i:07d}" for i in range(n)], x, p, labeled, np.stack([src, dst], 1))


REGIMES = {"uncertainty": [0.9], "cold_start": []}


def request(data: Data, *, collection: str = "", regime: str = "uncertainty") -> pb.SelectRequest:
    """Select with no strategies (the default) in ``regime`` (see REGIMES: the accuracy it states), inline
    embeddings unless a collection is named."""
    r = pb.SelectRequest(
        asset_ids=data.ids,
        num_classes=K,
        scores=data.p.astype(np.float32).ravel().tolist(),
        labeled_ids=[data.ids[i] for i in data.labeled],
        budget=BUDGET,
        seed=7,
        accuracy_history=REGIMES[regime],
    )
    if collection:
        r.collection = collection
    return r


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    began = time.perf_counter()
    out = fn()
    return time.perf_counter() - began, out


def both_picked(data: Data, picked_ids: list[str]) -> int:
    index = {a: i for i, a in enumerate(data.ids)}
    rows = np.zeros(len(data.ids), bool)
    rows[[index[a] for a in picked_ids]] = True
    return int((rows[data.pairs[:, 0]] & rows[data.pairs[:, 1]]).sum())


def in_process(data: Data, req: pb.SelectRequest, label: str) -> float:
    """evaluate_select over inline embeddings: seconds, and the pairs both picked."""
    took, result = timed(lambda: evaluate_select(req, PoolVectors(data.x, None, b""), []))
    picked = [s.asset_id for s in result.selected]
    print(
        f"{label:<44}{took:8.2f} s  regime {result.regime.regime}, picks {len(picked):,},"
        f" threshold {result.dedup_threshold:.4f},"
        f" groups {result.duplicate_groups}, planted pairs both picked {both_picked(data, picked)},"
        f" peak RSS {rss_mib():,.0f} MiB",
        flush=True,
    )
    return took


def recall(data: Data) -> float:
    """Planted pairs grouped together by the candidate path (with the default options)."""
    from curation.core.sampling import Dedup, Pool, Strategy, cosine_knn

    n = len(data.ids)
    lab = np.zeros(n, bool)
    lab[data.labeled] = True
    pool = Pool(np.array(data.ids), lab, np.zeros(n, bool), scores=data.p, embeddings=data.x)
    keys = tie_keys(pool.asset_ids, 7)
    mix = [Strategy("uncertainty", measure="margin")]
    dedup = Dedup(DEFAULT_DEDUP.threshold, relative=DEFAULT_DEDUP.relative, k=DEFAULT_DEDUP.neighbors or 10)
    res = cg.candidate_duplicate_groups(pool, mix, BUDGET, keys, dedup, weak=None, knn=cosine_knn)
    return float(np.mean(res.labels[data.pairs[:, 0]] == res.labels[data.pairs[:, 1]]))


def compare_old(n: int) -> None:
    """The whole-pool path (the previous behaviour) against the candidate path at ``n`` rows."""
    data = make(n, seed=1)
    req = request(data)
    req.embeddings = data.x.astype("<f4").tobytes()
    req.embedding_dimension = D
    new = in_process(data, req, f"candidate path, n={n:,}")
    saved = cg.CANDIDATE_DEDUP_MIN_ROWS
    cg.CANDIDATE_DEDUP_MIN_ROWS = n + 1
    try:
        old = in_process(data, req, f"whole-pool path (previous), n={n:,}")
    finally:
        cg.CANDIDATE_DEDUP_MIN_ROWS = saved
    print(f"{'ratio previous / candidate path':<44}{old / new:8.1f}x", flush=True)


def put_collection(server: Running, data: Data, collection: str) -> float:
    """The embeddings into ``collection`` over gRPC, in chunks of the put request's ID limit."""
    caller = GrpcCaller(server.grpc)
    began = time.perf_counter()
    try:
        for lo in range(0, len(data.ids), MAX_IDS_PER_REQUEST):
            hi = min(len(data.ids), lo + MAX_IDS_PER_REQUEST)
            put = epb.PutEmbeddingsRequest(
                collection=collection,
                dimension=D,
                asset_ids=data.ids[lo:hi],
                vectors=data.x[lo:hi].astype("<f4").tobytes(),
            )
            caller.call("PutEmbeddings", put.SerializeToString(), namespace="bench")
    finally:
        caller.close()
    return time.perf_counter() - began


def server_rss(server: Running) -> str:
    """The server process tree's peak RSS (from /proc: VmHWM of the server and its children)."""
    import subprocess

    pids = [str(server.pid)]
    out = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False)
    pids += out.stdout.split()
    parts = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                hwm = next(line for line in f if line.startswith("VmHWM"))
            parts.append(f"{pid}: {int(hwm.split()[1]) / 1024:,.0f} MiB")
        except (OSError, StopIteration):
            continue
    return ", ".join(parts)


def end_to_end(data: Data) -> None:
    """Put the embeddings, then Select naming the collection over gRPC and REST, cold and cached, in each
    regime of the default."""
    env = {"CURATION_STORE_MEMORY_BYTES": str(3 << 30), "CURATION_CACHE_MAX_ENTRY_BYTES": str(256 << 20)}
    with running_server(env) as server:
        collection = "pool-" + uuid.uuid4().hex[:8]
        print(f"{'put embeddings (gRPC, chunked)':<44}{put_collection(server, data, collection):8.2f} s")
        grpc_caller, rest_caller = GrpcCaller(server.grpc), RestCaller(server.http_port)
        try:
            for regime in REGIMES:
                req = request(data, collection=collection, regime=regime)
                print(
                    f"{regime}: request proto {len(req.SerializeToString()) / 1e6:.1f} MB,"
                    f" JSON {len(_json(req)) / 1e6:.1f} MB",
                    flush=True,
                )
                for protocol, caller in (("gRPC", grpc_caller), ("REST", rest_caller)):
                    for mode in ("cold", "cached"):
                        if mode == "cold":
                            req.budget += 1  # a new cache key, same pool (and the typicality's clusters)
                        payload = req.SerializeToString() if protocol == "gRPC" else _json(req)
                        took, reply = _call(caller, payload)
                        picked = _picked(protocol, reply)
                        print(
                            f"{regime + ', ' + protocol + ', ' + mode:<44}{took:8.2f} s  picks {len(picked):,},"
                            f" planted pairs both picked {both_picked(data, picked)}",
                            flush=True,
                        )
            print(f"server peak RSS: {server_rss(server)}", flush=True)
        finally:
            grpc_caller.close()
            rest_caller.close()


def _call(caller: GrpcCaller | RestCaller, body: bytes) -> tuple[float, bytes]:
    """Select with ``body``: seconds and the reply (built before the clock starts)."""
    began = time.perf_counter()
    reply = caller.call("Select", body, namespace="bench")
    return time.perf_counter() - began, reply


def _json(req: pb.SelectRequest) -> bytes:
    return json.dumps(protojson.to_dict(req)).encode()


def _picked(protocol: str, reply: bytes) -> list[str]:
    if protocol == "gRPC":
        return [s.asset_id for s in pb.SelectResponse.FromString(reply).selected]
    doc: dict[str, Any] = json.loads(reply)
    return [s["assetId"] if "assetId" in s else s["asset_id"] for s in doc.get("selected", [])]


def run(n: int, compare_at: int) -> None:
    began = time.perf_counter()
    data = make(n)
    print(
        f"pool {n:,} x {D}, {K} classes, {LABELED:,} labeled, budget {BUDGET:,}, {PLANTED} planted pairs"
        f" (built in {time.perf_counter() - began:.1f} s)",
        flush=True,
    )
    for regime in REGIMES:
        req = request(data, regime=regime)
        req.embeddings = data.x.astype("<f4").tobytes()
        req.embedding_dimension = D
        in_process(data, req, f"default ({regime}) in process, n={n:,}")
        del req
    print(f"{'planted pairs grouped (recall)':<44}{recall(data):8.4f}", flush=True)
    end_to_end(data)
    del data
    compare_old(compare_at)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        run(20_000, 20_000)
        return
    run(1_000_000, 200_000)


if __name__ == "__main__":
    main()
