"""Peak memory and time of decoding big requests: curation.rest.protojson vs json_format.Parse, and gRPC.

Each case is a large request (classification with an n x k score matrix, columnar detection with many
boxes, an embeddings put with many vectors) written once as a JSON body and as protobuf bytes. Every
measurement runs in a fresh subprocess that reads the body, resets the RSS high-water mark
(``/proc/self/clear_refs``) and decodes once: it reports the RSS high-water above the RSS before decoding
(real memory: protobuf's and C libraries' allocations included) and, in a second subprocess,
tracemalloc's peak (the Python heap and numpy only). Printed per case: body size, peak / body bytes and
seconds, ours vs the peer, and the ratios. The gRPC rows decode the protobuf bytes and convert them to
numpy as the ops layer does; the response rows print a large message with ``protojson.dumps``.

    python -m bench.request_memory                # 1,000,000 classification rows
    python -m bench.request_memory --rows 200000
    python -m bench.request_memory --smoke        # 20,000 rows (CI)
    python -m bench.request_memory --payloads     # memory per serialized byte of decoded payloads

``--payloads`` measures what ``curation.ops.recent`` charges per serialized byte: evaluations computed
by the ops layer from these requests, serialized, then decoded three times in a fresh process; RSS
growth (after ``malloc_trim``) per serialized byte.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from google.protobuf import json_format
from google.protobuf.message import Message

from curation.rest import protojson
from curation.v1 import classification_pb2, detection_pb2, embeddings_pb2

HERE = Path(__file__).resolve().parent


def classification(rows: int, k: int = 4, seed: int = 0) -> Message:
    """n rows of single-label truth, predictions, an n x k float32 score matrix and one metadata column."""
    rng = np.random.default_rng(seed)
    req = classification_pb2.ScoreClassificationRequest(
        class_names=[f"class_{i}" for i in range(k)],
        task=classification_pb2.CLASSIFICATION_TASK_SINGLE_LABEL,
        score_type=classification_pb2.SCORE_TYPE_PROBABILITY,
        slice_by=["region"],
    )
    req.asset_ids.extend([f"asset-{i:08d}" for i in range(rows)])
    req.y_true.extend(rng.integers(0, k, rows).tolist())
    req.y_pred.extend(rng.integers(0, k, rows).tolist())
    scores = rng.dirichlet(np.ones(k), rows).astype(np.float32)
    req.scores.extend(scores.ravel().tolist())
    regions = np.array(["north", "south", "east", "west"])[rng.integers(0, 4, rows)]
    req.metadata.add(key="region").values.extend(regions.tolist())
    return req


def _boxes(rng: np.random.Generator, n: int) -> list[float]:
    xy = rng.uniform(0, 600, (n, 2))
    wh = rng.uniform(4, 200, (n, 2))
    return np.round(np.hstack([xy, wh]), 2).ravel().tolist()


def detection(rows: int, seed: int = 0) -> Message:
    """Columnar detection: rows/4 assets, rows/4 ground-truth boxes and rows/4 predictions (x, y, w, h)."""
    rng = np.random.default_rng(seed)
    assets, objects, k = max(1, rows // 40), max(1, rows // 4), 20
    req = detection_pb2.ScoreDetectionRequest(category_names=[f"cat{i}" for i in range(k)])
    req.asset_ids.extend([f"img-{i:07d}" for i in range(assets)])
    req.gt_asset.extend(rng.integers(0, assets, objects).tolist())
    req.gt_category.extend(rng.integers(0, k, objects).tolist())
    req.gt_boxes.extend(_boxes(rng, objects))
    req.pred_asset.extend(rng.integers(0, assets, objects).tolist())
    req.pred_category.extend(rng.integers(0, k, objects).tolist())
    req.pred_boxes.extend(_boxes(rng, objects))
    req.pred_scores.extend(rng.random(objects).tolist())
    return req


def embeddings(rows: int, seed: int = 0, dimension: int = 256) -> Message:
    """An embeddings put of rows/50 vectors (float32, base64 in JSON)."""
    rng = np.random.default_rng(seed)
    n = max(1, rows // 50)
    vectors = rng.standard_normal((n, dimension)).astype("<f4")
    return embeddings_pb2.PutEmbeddingsRequest(
        collection="bench",
        dimension=dimension,
        dtype=embeddings_pb2.EMBEDDING_DTYPE_FLOAT32,
        asset_ids=[f"asset-{i:08d}" for i in range(n)],
        vectors=vectors.tobytes(),
    )


def detection_response(rows: int, seed: int = 0) -> Message:
    """A detection answer with its full arrays (precision T x R x K x A x M) as ``include_arrays`` gives."""
    rng = np.random.default_rng(seed)
    shape = [10, 101, max(1, rows // 12_000), 4, 3]
    size = int(np.prod(shape))
    response = detection_pb2.ScoreDetectionResponse()
    arrays = response.arrays
    arrays.precision_shape.extend(shape)
    arrays.precision.extend(rng.random(size).tolist())
    arrays.recall.extend(rng.random(size // 101).tolist())
    arrays.scores.extend(rng.random(size).tolist())
    return response


BUILDERS: dict[str, Callable[[int], Message]] = {
    "classification": classification,
    "detection": detection,
    "embeddings": embeddings,
}
RESPONSES: dict[str, Callable[[int], Message]] = {
    "classification (dump)": classification,
    "detection response (dump)": detection_response,
}
TYPES: dict[str, type[Message]] = {
    "classification": classification_pb2.ScoreClassificationRequest,
    "classification (dump)": classification_pb2.ScoreClassificationRequest,
    "detection": detection_pb2.ScoreDetectionRequest,
    "detection response (dump)": detection_pb2.ScoreDetectionResponse,
    "embeddings": embeddings_pb2.PutEmbeddingsRequest,
}


def _grpc_convert(message: Message) -> Any:
    """What the ops layer does next with a parsed request: its numpy arrays."""
    if isinstance(message, classification_pb2.ScoreClassificationRequest):
        from curation.ops.classification.request import check_request

        return check_request(message)
    if isinstance(message, detection_pb2.ScoreDetectionRequest):
        return [np.asarray(getattr(message, f)) for f in ("gt_boxes", "pred_boxes", "pred_scores")]
    assert isinstance(message, embeddings_pb2.PutEmbeddingsRequest)
    return np.frombuffer(message.vectors, dtype="<f4")


def _decoder(kind: str, message_type: type[Message]) -> Callable[[bytes], Any]:
    if kind == "ours":
        return lambda raw: protojson.parse(raw, message_type)
    if kind == "json_format":
        return lambda raw: json_format.Parse(raw, message_type())
    if kind == "grpc":
        return lambda raw: _grpc_convert(message_type.FromString(raw))
    if kind == "dump":
        return lambda raw: protojson.dumps(message_type.FromString(raw))
    raise ValueError(kind)


def _evaluation(case: str, rows: int) -> Message:
    """The cached payload the ops layer computes for the ``case`` request."""
    from curation.ops import classification as classification_ops
    from curation.ops import detection as detection_ops

    if case == "classification":
        request = classification(rows)
        assert isinstance(request, classification_pb2.ScoreClassificationRequest)
        return classification_ops.evaluate(request)
    request = detection(rows)
    assert isinstance(request, detection_pb2.ScoreDetectionRequest)
    return detection_ops.evaluate(request)


def payload_child(case: str, rows: int) -> None:
    """RSS per serialized byte of three decoded copies of the case's evaluation (one JSON line)."""
    payload = _evaluation(case, rows)
    raw, kind = payload.SerializeToString(), type(payload)
    del payload
    libc = ctypes.CDLL("libc.so.6")

    def settled() -> int:
        gc.collect()
        libc.malloc_trim(0)
        return _rss_kib("VmRSS") * 1024

    before = settled()
    held = [kind.FromString(raw) for _ in range(3)]
    grown = settled() - before
    print(json.dumps({"type": kind.DESCRIPTOR.full_name, "bytes": len(raw), "factor": grown / 3 / len(raw)}))
    del held


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(case: str, kind: str, path: str, trace: bool) -> None:
    """Measure one decode in this (fresh) process and print one JSON line."""
    decode = _decoder(kind, TYPES[case])
    raw = Path(path).read_bytes()
    # dump decodes the message from protobuf bytes first; that part is not the dump's cost.
    if kind == "dump":
        message = TYPES[case].FromString(raw)

        def run() -> Any:
            return protojson.dumps(message)

    else:

        def run() -> Any:
            return decode(raw)

    gc.collect()
    if trace:
        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        out = run()
        peak = tracemalloc.get_traced_memory()[1] - base
        print(json.dumps({"traced": peak}))
        del out
        return
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = _rss_kib("VmRSS")
    began = time.perf_counter()
    out = run()
    seconds = time.perf_counter() - began
    peak = (_rss_kib("VmHWM") - before) * 1024
    print(json.dumps({"rss": peak, "seconds": seconds}))
    del out


def measure(case: str, kind: str, path: Path) -> dict[str, float]:
    """RSS peak and seconds (one subprocess), tracemalloc peak (another)."""
    out: dict[str, float] = {}
    for trace in (False, True):
        cmd = [sys.executable, "-m", "bench.request_memory", "--child", case, kind, str(path)]
        done = subprocess.run(
            cmd + (["--trace"] if trace else []),
            cwd=HERE.parent,
            check=True,
            capture_output=True,
            text=True,
        )
        out.update(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


def _row(label: str, size: int, m: dict[str, float]) -> str:
    return (
        f"  {label:<12} peak RSS {m['rss'] / 1e6:8.1f} MB ({m['rss'] / size:5.2f} x body)"
        f"  traced {m['traced'] / 1e6:8.1f} MB ({m['traced'] / size:5.2f} x)  {m['seconds']:7.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--cases", nargs="*", default=None, help="only these cases")
    parser.add_argument("--child", nargs=3, metavar=("CASE", "KIND", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--payloads", action="store_true", help="memory per serialized byte of payloads")
    parser.add_argument("--payload-child", nargs=2, metavar=("CASE", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.payload_child:
        payload_child(args.payload_child[0], int(args.payload_child[1]))
        return
    if args.child:
        case, kind, path = args.child
        child(case, kind, path, args.trace)
        return
    rows = 20_000 if args.smoke else args.rows
    if args.payloads or args.smoke:
        for case in ("classification", "detection"):
            n = rows if args.smoke else min(rows, 200_000)
            cmd = [sys.executable, "-m", "bench.request_memory", "--payload-child", case, str(n)]
            done = subprocess.run(cmd, cwd=HERE.parent, check=True, capture_output=True, text=True)
            m = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"payload {m['type']} ({n} rows): {m['bytes'] / 1e6:.1f} MB serialized, decoded x{m['factor']:.2f}"
            )
        if args.payloads:
            return
    print(f"rows={rows}; peaks are above the RSS / traced memory before decoding, per byte of the body")
    with tempfile.TemporaryDirectory() as tmp:
        for case, build in {**BUILDERS, **RESPONSES}.items():
            if args.cases and case not in args.cases:
                continue
            message = build(rows)
            binary = Path(tmp, "body.pb")
            binary.write_bytes(message.SerializeToString())
            if case in RESPONSES:
                text = protojson.dumps(message)
                assert json_format.Parse(text, TYPES[case]()) == message
                ours = measure(case, "dump", binary)
                print(f"{case}: JSON {len(text) / 1e6:.1f} MB, message {message.ByteSize() / 1e6:.1f} MB")
                print(_row("dumps", len(text), ours))
                continue
            body = Path(tmp, "body.json")
            text = protojson.dumps(message)
            body.write_bytes(text)
            assert protojson.parse(text, TYPES[case]) == message
            del message
            ours = measure(case, "ours", body)
            peer = measure(case, "json_format", body)
            grpc = measure(case, "grpc", binary)
            print(
                f"{case}: JSON body {len(text) / 1e6:.1f} MB, protobuf {binary.stat().st_size / 1e6:.1f} MB"
            )
            print(_row("protojson", len(text), ours))
            print(_row("json_format", len(text), peer))
            print(
                f"  {'':<12} ours / json_format: peak RSS x{ours['rss'] / max(peer['rss'], 1):.2f}"
                f"  time x{ours['seconds'] / peer['seconds']:.2f}"
            )
            print(_row("grpc", binary.stat().st_size, grpc).replace("body", "pb  "))


if __name__ == "__main__":
    main()
