"""Health stays prompt while a maximum-size request is parsed and scored, on either protocol (issue 9).

The real server runs as a subprocess with two compute processes (``CURATION_COMPUTE_PROCESSES=2``); a
probe process hits ``/healthz``, ``/readyz`` and gRPC health every ~10 ms while a large classification
(an n x k probability matrix) goes through REST JSON or gRPC. The bounds are generous (p99 < 0.5 s,
max < 1.5 s, where the issue's bar is 0.1 s / 0.25 s): they catch a serving process that stalls for
the length of a parse or a computation, not a slow machine. The precise figures, at 1M rows and for
detection and labeling requests too, are ``bench/health_under_load.py``'s.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from bench._probe import PROBES, probing
from bench._server import Running, running_server
from bench._traffic import GrpcCaller, Payload, RestCaller, classification_payload
from google.protobuf import json_format

from curation.v1 import classification_pb2 as pb

# Large enough that parsing and scoring it take seconds; small enough that the test stays under a minute.
ROWS, CLASSES = 500_000, 10
P99_BOUND, MAX_BOUND = 0.5, 1.5

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    with running_server({"CURATION_COMPUTE_PROCESSES": "2"}, serving=True) as running:
        yield running


@pytest.fixture(scope="module")
def big() -> Payload:
    return classification_payload(ROWS, CLASSES)


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
def test_health_answers_promptly_while_a_maximum_size_request_runs(
    server: Running, big: Payload, protocol: str
) -> None:
    namespace = f"health-under-load-{protocol}"
    with probing(server.http_port, server.grpc_port) as probes:
        start = time.monotonic()
        if protocol == "rest":
            rest = RestCaller(server.http_port)
            answer = pb.ScoreClassificationResponse()
            json_format.Parse(rest.call(big.method, big.json, namespace=namespace), answer)
            rest.close()
        else:
            caller = GrpcCaller(server.grpc)
            answer = pb.ScoreClassificationResponse.FromString(
                caller.call(big.method, big.proto, namespace=namespace)
            )
            caller.close()
        end = time.monotonic()
    assert answer.summary.num_assets == ROWS
    assert not answer.cache.cached  # the server really parsed and scored it
    seen = {probe: probes.window(probe, start, end) for probe in PROBES}
    figures = f"{protocol} request {end - start:.1f} s; " + "; ".join(
        f"{p} n={s.count} p50={s.p50 * 1e3:.1f} p99={s.p99 * 1e3:.1f} max={s.max * 1e3:.1f} ms"
        f" failed={s.failed}"
        for p, s in seen.items()
    )
    print(figures)
    assert all(s.count >= 10 for s in seen.values()), figures  # the probes ran during the request
    failures = {p: probes.failures(p, start, end) for p in PROBES}
    assert not any(failures.values()), (figures, failures)
    assert all(s.p99 < P99_BOUND for s in seen.values()), figures
    assert all(s.max < MAX_BOUND for s in seen.values()), figures
