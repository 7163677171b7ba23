"""JWT rules that need no server: algorithms refused at start-up, bounded leeway, and a JWKS URL fetched
with a TTL, again for an unknown kid at most once a minute, within a size cap."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from curation.auth.jwt_tokens import MAX_JWKS_BYTES, Jwks, JwtRules, JwtVerifier
from curation.errors import Unauthenticated
from curation.settings import Settings
from tests.auth.credentials import AUDIENCE, ISSUER, Issuer


@pytest.mark.parametrize("algorithms", [("none",), ("HS256",), ("RS256", "HS512"), ()])
def test_none_and_hmac_algorithms_are_refused_even_when_configured(algorithms: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="refused"):
        JwtRules(ISSUER, AUDIENCE, algorithms)


def test_issuer_audience_and_leeway_are_required_and_bounded() -> None:
    with pytest.raises(ValueError, match="ISSUER"):
        JwtRules("", AUDIENCE, ("RS256",))
    with pytest.raises(ValueError, match="LEEWAY"):
        JwtRules(ISSUER, AUDIENCE, ("RS256",), leeway_seconds=301)


def test_settings_read_the_algorithms_and_bind_loopback_without_auth() -> None:
    settings = Settings.from_env({"CURATION_JWT_ALGORITHMS": "ES256, PS256"})
    assert settings.jwt_algorithms == ("ES256", "PS256")
    assert Settings.from_env({}).bind_host == "127.0.0.1"
    assert Settings.from_env({"CURATION_ALLOW_ANONYMOUS": "true"}).bind_host == "0.0.0.0"
    assert Settings.from_env({"CURATION_API_KEYS_FILE": "/k.json"}).bind_host == "0.0.0.0"
    assert Settings.from_env({"CURATION_HOST": "::1"}).bind_host == "::1"
    with pytest.raises(ValueError, match="true or false"):
        Settings.from_env({"CURATION_ALLOW_ANONYMOUS": "yes"})


class _Served:
    def __init__(self) -> None:
        self.doc: bytes = b""
        self.fetches = 0


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, _Served]]:
    served = _Served()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.fetches += 1
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(served.doc)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/jwks", served
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_a_jwks_url_is_cached_and_refetched_for_an_unknown_kid_once_a_minute(
    jwks_server: tuple[str, _Served],
) -> None:
    url, served = jwks_server
    old, new = Issuer(), Issuer()
    served.doc = json.dumps(old.jwks()).encode()
    now = [1000.0]
    verifier = JwtVerifier(
        Jwks(url=url, clock=lambda: now[0]), JwtRules(ISSUER, AUDIENCE, ("RS256", "ES256"))
    )
    assert (await verifier.verify(old.token())).tenant == "acme"
    assert (await verifier.verify(old.token(kid="ec1"))).key_id == "user-7"
    assert served.fetches == 1  # cached
    rotated = new.jwks()
    for key in rotated["keys"]:
        key["kid"] += "-v2"
    served.doc = json.dumps(rotated).encode()
    token = new.token(kid="rsa1-v2")  # signed by the new RSA key
    for _ in range(5):  # an unknown kid within the minute of the last fetch: not fetched again
        with pytest.raises(Unauthenticated) as info:
            await verifier.verify(token)
        assert info.value.reason == "unknown kid"
    assert served.fetches == 1
    now[0] += 61  # a minute later the unknown kid is fetched for, and found (rotation)
    assert (await verifier.verify(token)).tenant == "acme"
    assert served.fetches == 2
    for _ in range(5):  # made-up kids cannot hammer the issuer
        with pytest.raises(Unauthenticated):
            await verifier.verify(new.token(kid="made-up"))
    assert served.fetches == 2


async def test_a_jwks_over_the_size_cap_is_not_read(jwks_server: tuple[str, _Served]) -> None:
    url, served = jwks_server
    served.doc = b'{"keys": [' + b" " * MAX_JWKS_BYTES + b"]}"
    verifier = JwtVerifier(Jwks(url=url), JwtRules(ISSUER, AUDIENCE, ("RS256",)))
    with pytest.raises(Unauthenticated) as info:
        await verifier.verify(Issuer().token())
    assert info.value.reason == "unknown kid"


def test_a_jwks_url_must_be_https_off_loopback() -> None:
    with pytest.raises(ValueError, match="https"):
        Jwks(url="http://issuer.example/jwks")
