"""One tenant's large requests cannot starve another's small ones (issue 12), against a real server.

``python -m curation`` runs with one compute process of two worker threads, so every call meets in the
same process, and with a per-request memory budget of 16 GiB, so A's requests are not *heavy* by the
admission's memory rule (which already keeps heavy computations off the last worker, whatever the
tenant): the per-tenant cap on heavy work (``CURATION_TENANT_HEAVY_CONCURRENCY``, default workers - 1 = 1)
is what keeps a thread free. Tenant A sends several large classifications at once, and once the server
holds all of them, tenant B's small requests (each over the size the serving process answers itself, so
they go to the same compute process) must all be answered while every one of A's is still running;
without the cap two of A's computations hold both threads and B's first request waits for one of them.
Ordering only, no clock: the latency figures are ``bench/tenants.py``'s.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from bench._server import Running, running_server
from bench._traffic import GrpcCaller, Payload, RestCaller, classification_payload, classification_request

from curation.rest import protojson
from curation.v1 import classification_pb2 as pb

A_REQUESTS, A_ROWS, CLASSES = 3, 300_000, 10
B_REQUESTS, B_ROWS = 10, 2_000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    env = {
        "CURATION_COMPUTE_PROCESSES": "1",
        "CURATION_WORKERS": "2",
        "CURATION_MAX_REQUEST_MEMORY_BYTES": str(16 << 30),
    }
    with running_server(env) as running:
        yield running


@pytest.fixture(scope="module")
def large() -> Payload:
    return classification_payload(A_ROWS, CLASSES)


def _variant(body: bytes, i: int) -> bytes:
    """``body`` with its first asset ID renamed (same length): a distinct request, as cheap as a copy."""
    return body.replace(b"asset-00000000", f"variant-{i:06d}".encode(), 1)


def _in_flight(server: Running, protocol: str) -> int:
    text = httpx.get(f"{server.http}/metrics", timeout=10).text
    match = re.search(rf'^curation_requests_in_flight{{protocol="{protocol}"}} (\S+)$', text, re.M)
    return int(float(match[1])) if match else 0


def _decoder(protocol: str) -> Callable[[bytes], pb.ScoreClassificationResponse]:
    if protocol == "grpc":
        return pb.ScoreClassificationResponse.FromString
    return lambda body: protojson.CODEC.decode(body, pb.ScoreClassificationResponse)


@pytest.mark.parametrize("protocol", ["grpc", "rest"])
def test_small_requests_of_one_tenant_answer_while_another_tenants_large_ones_run(
    server: Running, large: Payload, protocol: str
) -> None:
    decode = _decoder(protocol)

    def caller() -> GrpcCaller | RestCaller:
        return GrpcCaller(server.grpc) if protocol == "grpc" else RestCaller(server.http_port)

    # Distinct bodies (identical ones in flight would be computed once), apart from the other protocol's.
    source = large.proto if protocol == "grpc" else large.json
    bodies = [_variant(source, i + (100 if protocol == "rest" else 0)) for i in range(A_REQUESTS)]
    a_answers: list[pb.ScoreClassificationResponse] = []
    a_errors: list[BaseException] = []
    lock = threading.Lock()

    def send_large(index: int) -> None:
        client = caller()
        try:
            answer = decode(client.call("ScoreClassification", bodies[index], namespace=f"a-{protocol}"))
            with lock:
                a_answers.append(answer)
        except BaseException as exc:  # reported by the main thread
            with lock:
                a_errors.append(exc)
        finally:
            client.close()

    base = _in_flight(server, protocol)
    threads = [threading.Thread(target=send_large, args=(i,)) for i in range(A_REQUESTS)]
    for thread in threads:
        thread.start()
    while _in_flight(server, protocol) < base + A_REQUESTS:  # every one of A's calls is in the server
        assert not a_errors and not a_answers, (a_errors, len(a_answers))
        time.sleep(0.02)

    small = caller()
    b_answers = []
    for i in range(B_REQUESTS):
        message = classification_request(B_ROWS, 3, seed=i + (100 if protocol == "rest" else 0))
        body = message.SerializeToString() if protocol == "grpc" else protojson.dumps(message)
        b_answers.append(decode(small.call("ScoreClassification", body, namespace=f"b-{protocol}")))
    with lock:
        a_done_when_b_done = len(a_answers) + len(a_errors)
    small.close()
    for thread in threads:
        thread.join()

    assert not a_errors, a_errors
    assert [b.summary.num_assets for b in b_answers] == [B_ROWS] * B_REQUESTS
    assert all(not b.cache.cached for b in b_answers)  # computed in the compute process, not from a cache
    assert a_done_when_b_done == 0  # all of B's answered while every one of A's was still running
    assert [a.summary.num_assets for a in a_answers] == [A_ROWS] * A_REQUESTS
