"""UNAVAILABLE (503) retried on idempotent RPCs: by gRPC from the service config the client builds from
the protos' ``idempotency_level``, and by the REST clients with the same policy and the server's
``Retry-After``; and the metadata every call carries (namespace, bearer token, the client's and the
call's metadata, the request ID)."""

from __future__ import annotations

import dataclasses
import json
import time

import grpc
import pytest

from curation_client import (
    AsyncCurationClient,
    AsyncRestCurationClient,
    CurationClient,
    CurationClientError,
    RestCurationClient,
    RetryPolicy,
)
from curation_client._base import CallOptions
from curation_client._surface import RPCS, SCORE_CLASSIFICATION
from curation_client.v1 import classification_pb2 as pb

from .peers import Script, grpc_peer, http_peer

REQUEST = pb.ScoreClassificationRequest(class_names=["a"])
FAST = RetryPolicy(max_attempts=4, initial_backoff=0.01, max_backoff=0.05)
SENT = {
    "x-curation-namespace": "team-a",
    "authorization": "Bearer s3cret",
    "x-team": "vision",
    "x-call": "one",
    "x-request-id": "rid-1",
}


def _sent(metadata: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in metadata.items() if k in SENT}


def test_the_service_config_retries_the_idempotent_rpcs_only() -> None:
    config = json.loads(FAST.service_config(RPCS))
    (entry,) = config["methodConfig"]
    named = {(n["service"], n["method"]) for n in entry["name"]}
    assert named == {(rpc.service, rpc.name) for rpc in RPCS if rpc.idempotent}
    assert entry["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]
    assert entry["retryPolicy"]["maxAttempts"] == 4
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=6)


def test_grpc_retries_unavailable_and_sends_the_metadata() -> None:
    script = Script(failures=2)
    with (
        grpc_peer(script) as target,
        CurationClient(
            target, namespace="team-a", bearer_token="s3cret", metadata=[("x-team", "vision")], retry=FAST
        ) as client,
    ):
        answer = client.score_classification(REQUEST, metadata=[("x-call", "one")], request_id="rid-1")
    assert isinstance(answer, pb.ScoreClassificationResponse)
    assert [name for name, _ in script.calls] == [SCORE_CLASSIFICATION.path] * 3
    assert all(_sent(metadata) == SENT for _, metadata in script.calls)


def test_grpc_gives_up_after_the_policy_or_without_one() -> None:
    script = Script(failures=100)
    with grpc_peer(script) as target:
        with CurationClient(target, retry=FAST) as client, pytest.raises(CurationClientError) as raised:
            client.score_classification(REQUEST)
        assert (raised.value.kind, raised.value.status) == ("unavailable", grpc.StatusCode.UNAVAILABLE)
        assert len(script.calls) == 4
        script.calls.clear()
        with CurationClient(target, retry=None) as client, pytest.raises(CurationClientError):
            client.score_classification(REQUEST)
        assert len(script.calls) == 1


async def test_grpc_async_retries_too() -> None:
    script = Script(failures=1)
    with grpc_peer(script) as target:
        async with AsyncCurationClient(target, retry=FAST) as client:
            await client.score_classification(REQUEST)
    assert len(script.calls) == 2


def test_rest_retries_503_and_sends_the_headers() -> None:
    script = Script(failures=2)
    with (
        http_peer(script) as url,
        RestCurationClient(
            url, namespace="team-a", bearer_token="s3cret", metadata=[("x-team", "vision")], retry=FAST
        ) as client,
    ):
        answer = client.score_classification(REQUEST, metadata=[("x-call", "one")], request_id="rid-1")
    assert isinstance(answer, pb.ScoreClassificationResponse)
    assert [path for path, _ in script.calls] == [SCORE_CLASSIFICATION.http_path] * 3
    assert all(_sent(headers) == SENT for _, headers in script.calls)


def test_rest_honours_retry_after_within_the_deadline() -> None:
    script = Script(failures=1, retry_after="1")
    with http_peer(script) as url, RestCurationClient(url, retry=FAST) as client:
        started = time.monotonic()
        client.score_classification(REQUEST)
        assert time.monotonic() - started >= 1.0
        assert len(script.calls) == 2
        script.calls.clear()
        script.failures, script.retry_after = 1, "30"  # longer than the call's deadline: no retry
        with pytest.raises(CurationClientError) as raised:
            client.score_classification(REQUEST, timeout=2)
        assert (raised.value.kind, raised.value.status) == ("unavailable", 503)
        assert len(script.calls) == 1


def test_rest_does_not_retry_what_is_not_idempotent() -> None:
    script = Script(failures=100)
    not_idempotent = dataclasses.replace(SCORE_CLASSIFICATION, idempotent=False)
    with http_peer(script) as url, RestCurationClient(url, retry=FAST) as client:
        with pytest.raises(CurationClientError):
            client._invoke(not_idempotent, REQUEST, CallOptions())
        assert len(script.calls) == 1
        with pytest.raises(CurationClientError):
            client.score_classification(REQUEST)
        assert len(script.calls) == 1 + FAST.max_attempts


async def test_rest_async_retries_too() -> None:
    script = Script(failures=2)
    with http_peer(script) as url:
        async with AsyncRestCurationClient(url, retry=FAST) as client:
            await client.score_classification(REQUEST)
    assert len(script.calls) == 3


def test_rest_retries_a_refused_connection_then_says_unavailable() -> None:
    with http_peer(Script()) as url:
        pass  # closed: nothing listens there now
    with RestCurationClient(url, retry=FAST) as client, pytest.raises(CurationClientError) as raised:
        client.score_classification(REQUEST)
    assert (raised.value.kind, raised.value.status) == ("unavailable", 503)
