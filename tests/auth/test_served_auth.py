"""Authentication and authorization against a real server, over both protocols.

One server (``python -m curation``, one compute process) with an API keys file, a JWKS of an RSA and an
EC key the tests generate, and ``CURATION_METRICS_AUTH=true``. Every bad credential gets the same
UNAUTHENTICATED / 401 answer; a valid one without the scope PERMISSION_DENIED / 403; the namespace header
acts only where granted; a key revoked by rewriting the file stops working without a restart. The last
test reads every line the server logged: no key or token in any of them, one audit line per call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import numpy as np
import pytest
from google.protobuf import json_format
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc

from curation.ops.registry import all_specs
from curation.rest.routes import rest_routes
from curation.v1 import classification_pb2 as cpb
from curation.v1 import detection_pb2 as dpb
from curation.v1 import embeddings_pb2 as epb
from tests.auth.credentials import AUDIENCE, ISSUER, Issuer, KeysFile
from tests.auth.server import RunningServer, running_server
from tests.wire_errors import WireError, grpc_error, rest_error

SCORE = "curation.v1.DiagnosticsService/ScoreClassification"
PUT = "curation.v1.EmbeddingService/PutEmbeddings"
GET = "curation.v1.EmbeddingService/GetEmbeddings"
STREAM = "curation.v1.DiagnosticsService/ScoreDetectionStream"
PATHS = {r.rpc: r.path for r in rest_routes(all_specs()) if not r.deprecated}
GENERIC = "missing or invalid credentials"
PROTOCOLS = ("grpc", "rest")


@dataclass
class Env:
    server: RunningServer
    keys: KeysFile
    issuer: Issuer
    channel: grpc.Channel
    http: httpx.Client
    # Every credential sent by any test, to look for in the log at the end.
    sent: set[str]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    root = tmp_path_factory.mktemp("auth")
    keys = KeysFile(root / "keys.json")
    keys.add("reader", "acme", ["read"])
    keys.add("writer", "acme", ["read", "write"], ["acme-eval"])
    keys.add("gone", "acme", ["read"])
    keys.add("globex", "globex", ["read", "write"])
    keys.write()
    issuer = Issuer()
    (root / "jwks.json").write_text(json.dumps(issuer.jwks()))
    settings = {
        "CURATION_API_KEYS_FILE": str(keys.path),
        "CURATION_JWKS_FILE": str(root / "jwks.json"),
        "CURATION_JWT_ISSUER": ISSUER,
        "CURATION_JWT_AUDIENCE": AUDIENCE,
        "CURATION_METRICS_AUTH": "true",
        "CURATION_COMPUTE_PROCESSES": "1",
    }
    with (
        running_server(settings) as server,
        grpc.insecure_channel(server.grpc_target) as channel,
        httpx.Client(base_url=server.base_url, timeout=30) as http,
    ):
        yield Env(server, keys, issuer, channel, http, set(keys.keys.values()))


@dataclass(frozen=True)
class Answer:
    response: Message | None
    error: WireError | None
    headers: dict[str, str]


def call(
    env: Env,
    protocol: str,
    rpc: str,
    request: Message,
    response_type: type[Message],
    *,
    credential: str | None = None,
    authorization: str | None = None,
    namespace: str | None = None,
) -> Answer:
    """One call; ``credential`` is sent as ``Bearer <credential>``, ``authorization`` as it is."""
    if credential is not None:
        env.sent.add(credential)
        authorization = f"Bearer {credential}"
    headers = {"x-curation-namespace": namespace} if namespace else {}
    if authorization is not None:
        headers["authorization"] = authorization
    if protocol == "grpc":
        stub = env.channel.unary_unary(
            f"/{rpc}",
            request_serializer=type(request).SerializeToString,
            response_deserializer=response_type.FromString,
        )
        try:
            return Answer(stub(request, metadata=tuple(headers.items()), timeout=60), None, {})
        except grpc.RpcError as error:
            return Answer(None, grpc_error(error), {})
    body = json.dumps(json_format.MessageToDict(request, preserving_proto_field_name=True))
    reply = env.http.post(PATHS[rpc], content=body, headers={"content-type": "application/json", **headers})
    if reply.status_code == 200:
        return Answer(json_format.Parse(reply.content, response_type()), None, dict(reply.headers))
    return Answer(None, rest_error(reply), dict(reply.headers))


def score(asset: str = "a1") -> cpb.ScoreClassificationRequest:
    return cpb.ScoreClassificationRequest(
        class_names=["cat", "dog", "bird"], asset_ids=[asset, "a2", "a3"], y_true=[0, 1, 2], y_pred=[0, 2, 2]
    )


def put(collection: str) -> epb.PutEmbeddingsRequest:
    vectors = np.arange(8, dtype=np.float32)
    return epb.PutEmbeddingsRequest(
        collection=collection, dimension=4, asset_ids=["x", "y"], vectors=vectors.tobytes()
    )


def expect_error(answer: Answer, kind: str, protocol: str) -> WireError:
    assert answer.error is not None, answer
    assert answer.error.kind == kind, answer.error
    if protocol == "rest" and kind == "unauthenticated":
        assert answer.headers["www-authenticate"] == "Bearer"
    return answer.error


def bad_credentials(env: Env) -> dict[str, str | None]:
    """Each way a credential can be wrong -> the authorization value sent."""
    issuer, now = env.issuer, int(time.time())
    wrong_secret = env.keys.keys["reader"][:-4] + (
        "AAAA" if not env.keys.keys["reader"].endswith("AAAA") else "BBBB"
    )
    return {
        "missing": None,
        "empty bearer": "Bearer",
        "basic scheme": "Basic dXNlcjpwYXNz",
        "garbage": "Bearer not-a-credential",
        "unknown key id": "Bearer cur_nobody_" + "A" * 43,
        "wrong secret": f"Bearer {wrong_secret}",
        "expired jwt": f"Bearer {issuer.token(exp=now - 120, nbf=now - 600)}",
        "not yet valid jwt": f"Bearer {issuer.token(nbf=now + 3600, exp=now + 7200)}",
        "wrong audience": f"Bearer {issuer.token(aud='another-service')}",
        "wrong issuer": f"Bearer {issuer.token(iss='https://evil.test')}",
        "no exp": f"Bearer {issuer.token(exp=None)}",
        "tampered signature": f"Bearer {issuer.tampered()}",
        "alg none": f"Bearer {issuer.unsigned()}",
        "hs256 with the public key": f"Bearer {issuer.hs256_with_public_key()}",
        "unknown kid": f"Bearer {issuer.token(kid='rotated-away')}",
        "other issuer's key": f"Bearer {Issuer().token()}",
    }


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_bad_credential_gets_the_same_unauthenticated(env: Env, protocol: str) -> None:
    for case, authorization in bad_credentials(env).items():
        if authorization:
            env.sent.add(authorization.removeprefix("Bearer ").strip() or authorization)
        answer = call(
            env, protocol, SCORE, score(), cpb.ScoreClassificationResponse, authorization=authorization
        )
        error = expect_error(answer, "unauthenticated", protocol)
        assert (error.code, error.message, error.field) == ("UNAUTHENTICATED", GENERIC, ""), case


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_write_needs_the_write_scope(env: Env, protocol: str) -> None:
    reader = env.keys.keys["reader"]
    answer = call(env, protocol, PUT, put(f"ro-{protocol}"), epb.PutEmbeddingsResponse, credential=reader)
    error = expect_error(answer, "permission_denied", protocol)
    assert error.code == "PERMISSION_DENIED" and "'write'" in error.message
    read = call(env, protocol, SCORE, score(), cpb.ScoreClassificationResponse, credential=reader)
    assert read.error is None


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_valid_key_rsa_and_ec_tokens_answer(env: Env, protocol: str) -> None:
    for credential in (env.keys.keys["writer"], env.issuer.token(kid="rsa1"), env.issuer.token(kid="ec1")):
        answer = call(env, protocol, SCORE, score(), cpb.ScoreClassificationResponse, credential=credential)
        assert answer.error is None and isinstance(answer.response, cpb.ScoreClassificationResponse)
        assert answer.response.summary.accuracy == pytest.approx(2 / 3)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_namespace_header_acts_only_where_granted(env: Env, protocol: str) -> None:
    writer, collection = env.keys.keys["writer"], f"eval-{protocol}"
    stored = call(
        env,
        protocol,
        PUT,
        put(collection),
        epb.PutEmbeddingsResponse,
        credential=writer,
        namespace="acme-eval",
    )
    assert stored.error is None, stored.error
    get = epb.GetEmbeddingsRequest(collection=collection, asset_ids=["x"])
    there = call(env, protocol, GET, get, epb.GetEmbeddingsResponse, credential=writer, namespace="acme-eval")
    assert there.error is None
    home = call(env, protocol, GET, get, epb.GetEmbeddingsResponse, credential=writer)  # tenant acme
    expect_error(home, "not_found", protocol)
    other = call(
        env,
        protocol,
        GET,
        get,
        epb.GetEmbeddingsResponse,
        credential=env.keys.keys["globex"],
        namespace="acme-eval",
    )
    assert expect_error(other, "permission_denied", protocol).message == "namespace not granted"
    token = env.issuer.token()  # granted its tenant only
    denied = call(env, protocol, GET, get, epb.GetEmbeddingsResponse, credential=token, namespace="acme-eval")
    assert expect_error(denied, "permission_denied", protocol).message == "namespace not granted"


def test_a_key_revoked_in_the_file_stops_working_without_a_restart(env: Env) -> None:
    gone = env.keys.keys["gone"]
    for protocol in PROTOCOLS:
        assert (
            call(env, protocol, SCORE, score(), cpb.ScoreClassificationResponse, credential=gone).error
            is None
        )
    env.keys.revoke("gone")
    deadline = time.monotonic() + 10
    while call(env, "grpc", SCORE, score(), cpb.ScoreClassificationResponse, credential=gone).error is None:
        assert time.monotonic() < deadline, "the revoked key still works"
        time.sleep(0.2)
    for protocol in PROTOCOLS:
        answer = call(env, protocol, SCORE, score(), cpb.ScoreClassificationResponse, credential=gone)
        assert expect_error(answer, "unauthenticated", protocol).message == GENERIC
    still = call(
        env, "rest", SCORE, score(), cpb.ScoreClassificationResponse, credential=env.keys.keys["reader"]
    )
    assert still.error is None  # the other keys of the rewritten file keep working


def test_a_stream_without_credentials_is_refused(env: Env) -> None:
    chunk = dpb.ScoreDetectionStreamRequest(chunk=dpb.ScoreDetectionRequest(asset_ids=["a"]))
    serialize = type(chunk).SerializeToString
    stub: grpc.StreamUnaryMultiCallable[Any, Any] = env.channel.stream_unary(
        f"/{STREAM}", request_serializer=serialize
    )
    with pytest.raises(grpc.RpcError) as info:
        stub(iter([chunk] * 3), timeout=30)
    error = grpc_error(info.value)
    assert (error.kind, error.message) == ("unauthenticated", GENERIC)


def test_probes_stay_open_and_metrics_need_a_credential(env: Env) -> None:
    assert env.http.get("/healthz").status_code == 200
    assert env.http.get("/readyz").status_code == 200
    health = health_pb2_grpc.HealthStub(env.channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    refused = env.http.get("/metrics")
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert rest_error(refused).message == GENERIC
    reader = env.keys.keys["reader"]
    allowed = env.http.get("/metrics", headers={"authorization": f"Bearer {reader}"})
    assert allowed.status_code == 200 and "curation_requests_total" in allowed.text


def test_the_python_client_sends_its_bearer_token(env: Env) -> None:
    from curation_client import CurationClient, CurationClientError, RestCurationClient
    from curation_client.v1 import classification_pb2 as client_pb

    request = client_pb.ScoreClassificationRequest.FromString(score("py").SerializeToString())

    token = env.issuer.token(kid="ec1")
    env.sent.add(token)
    with CurationClient(env.server.grpc_target, bearer_token=token) as client:
        assert client.score_classification(request).summary.accuracy == pytest.approx(2 / 3)
    with RestCurationClient(env.server.base_url, bearer_token=env.keys.keys["reader"]) as rest:
        assert rest.score_classification(request).summary.accuracy == pytest.approx(2 / 3)
    with RestCurationClient(env.server.base_url) as anonymous, pytest.raises(CurationClientError) as info:
        anonymous.score_classification(request)
    assert (info.value.kind, info.value.message, info.value.status) == ("unauthenticated", GENERIC, 401)


def test_no_credential_in_any_log_line_and_one_audit_line_per_call(env: Env) -> None:
    time.sleep(0.5)  # the last lines reach the reader
    lines = list(env.server.raw)
    secrets = {s for s in env.sent if len(s) > 12}
    secrets |= {key.split("_", 2)[2] for key in env.keys.keys.values()}  # the secret part alone
    secrets |= {
        s.rsplit(".", 1)[-1] for s in secrets if s.count(".") == 2 and not s.endswith(".")
    }  # signatures
    assert len(secrets) > 20
    leaking = [(s[:8], line[:200]) for line in lines for s in secrets if s and s in line]
    assert not leaking
    audit = [r for r in env.server.records() if r.get("logger") == "curation.audit"]
    assert {r["protocol"] for r in audit} == {"grpc", "rest"}
    fields = {"protocol", "operation", "outcome", "duration_ms"}
    assert all(fields <= set(r) for r in audit)
    ok = [r for r in audit if r["outcome"] == "OK" and r.get("key_id") == "writer"]
    assert {r["protocol"] for r in ok} == {"grpc", "rest"}
    assert all(r["tenant"] in ("acme", "acme-eval") and r["request_bytes"] > 0 for r in ok)
    assert any(r.get("response_bytes", 0) > 0 and len(str(r.get("digest", ""))) == 64 for r in ok)
    refused = [r for r in audit if r["outcome"] == "UNAUTHENTICATED"]
    assert {"expired token", "wrong audience", "algorithm not allowed", "bad signature", "revoked key"} <= {
        r.get("auth_failure") for r in refused
    }
    assert all("key_id" not in r for r in refused)
    assert any(r["outcome"] == "PERMISSION_DENIED" and r["key_id"] == "reader" for r in audit)
