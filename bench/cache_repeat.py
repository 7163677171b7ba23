"""Repeat a 1-million-row classification request through REST and gRPC: cold vs cached.

The cached answer must be at least 20x faster than the cold one on both protocols. Each protocol runs in
its own namespace so its first request is really cold. Times are end to end from a client on loopback;
the request is serialized once up front (building it is the caller's cost, not the service's).

    python -m bench.cache_repeat            # 1,000,000 rows, 10 classes, probabilities, one slice key
    python -m bench.cache_repeat --smoke    # 20,000 rows
"""

from __future__ import annotations

import argparse
import http.client
import json
import time
import uuid

import grpc
from google.protobuf import json_format

from bench._server import running_server
from bench._traffic import classification_request
from curation.contract import NAMESPACE_HEADER
from curation.v1 import classification_pb2 as pb

METHOD = "/curation.v1.DiagnosticsService/ScoreClassification"
ROUTE = "/v1/diagnostics/classification:score"


def timed(fn: object, repeats: int) -> tuple[float, float]:
    """(cold seconds, best cached seconds over ``repeats``)."""
    assert callable(fn)
    t0 = time.perf_counter()
    first = fn()
    cold = time.perf_counter() - t0
    assert not first, "the first request of a fresh namespace must be computed"
    hot = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        cached = fn()
        hot.append(time.perf_counter() - t0)
        assert cached, "a repeat must be answered from the cache"
    return cold, min(hot)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rows, args.repeats = 20_000, 2
    req = classification_request(args.rows, args.classes)
    body_proto = req.SerializeToString()
    body_json = json.dumps(json_format.MessageToDict(req, preserving_proto_field_name=True)).encode()
    print(
        f"request: {args.rows:,} rows x {args.classes} classes; proto {len(body_proto) / 1e6:.1f} MB, "
        f"JSON {len(body_json) / 1e6:.1f} MB"
    )
    with running_server() as server:
        channel = grpc.insecure_channel(
            server.grpc,
            options=[("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)],
        )
        call: grpc.UnaryUnaryMultiCallable[bytes, pb.ScoreClassificationResponse] = channel.unary_unary(
            METHOD, request_serializer=None, response_deserializer=pb.ScoreClassificationResponse.FromString
        )
        grpc_ns = "bench-grpc-" + uuid.uuid4().hex[:8]
        rest_ns = "bench-rest-" + uuid.uuid4().hex[:8]

        def over_grpc() -> bool:
            resp = call(body_proto, metadata=((NAMESPACE_HEADER, grpc_ns),), timeout=600)
            return bool(resp.cache.cached)

        # The stdlib client sends the body in one write (httpx's chunked writes add ~0.8 s of client time
        # at 150 MB, which is the client's cost, not the service's).
        client = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=600)

        def over_rest() -> bool:
            client.request(
                "POST",
                ROUTE,
                body=body_json,
                headers={"content-type": "application/json", NAMESPACE_HEADER: rest_ns},
            )
            r = client.getresponse()
            payload = r.read()
            assert r.status == 200, payload[:500]
            return bool(json.loads(payload)["cache"]["cached"])

        results = {}
        for name, fn in (("grpc", over_grpc), ("rest", over_rest)):
            cold, hot = timed(fn, args.repeats)
            results[name] = (cold, hot)
            print(
                f"{name:>4}: cold {cold:8.3f} s  cached {hot:8.4f} s  ratio {cold / hot:7.1f}x (bar >= 20x)"
            )
        channel.close()
        client.close()
    worst = min(c / h for c, h in results.values())
    print(f"worst ratio {worst:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
