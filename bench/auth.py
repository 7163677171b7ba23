"""The cost of authentication per request: the README's small classification request, cached, end to
end from a client in another process (``bench._load``), with no credential (a server without
authentication), an API key and JWTs (RS256 and ES256) against a server that requires them, on both
protocols. Prints p50 / p99 and each p50's ratio to no authentication.

What a credential costs the serving process: an API key is one SHA-256 and a constant-time compare
(plus a stat of the keys file once a second); a JWT is a base64/JSON decode and one signature
verification against a cached JWKS key (an RSA-2048 verify is cheap, a P-256 ECDSA verify costs more).

``--smoke``: a few dozen requests per row (CI: it runs, it does not measure).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from tests.auth.credentials import AUDIENCE, ISSUER, Issuer, KeysFile

from bench._load import SMALL_PATH, SMALL_ROUTE, LoadResult, run_load
from bench._server import running_server


def _row(name: str, result: LoadResult, floor: LoadResult | None) -> str:
    p50, p99 = result.quantile(0.5) * 1e3, result.quantile(0.99) * 1e3
    ratio = f"{result.quantile(0.5) / floor.quantile(0.5):8.3f}x" if floor else "        -"
    bad = f"  ({result.errors} errors)" if result.errors else ""
    return f"  {name:<14}{p50:9.3f}{p99:9.3f}{ratio:>11}{bad}"


def _load(protocol: str, port: int, requests: int, authorization: str | None) -> LoadResult:
    path = SMALL_PATH if protocol == "grpc" else SMALL_ROUTE
    # One caller in one process: the latency of one request at a time, not a saturated server's.
    return run_load(
        protocol, port=port, path=path, concurrency=1, per_caller=requests, cold=False, processes=1,
        authorization=authorization,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few dozen requests per row (CI)")
    parser.add_argument("--requests", type=int, default=3000, help="requests per row")
    args = parser.parse_args(argv)
    requests = 40 if args.smoke else args.requests
    base = {"CURATION_COMPUTE_PROCESSES": "1", "CURATION_WORKERS": "2"}
    with tempfile.TemporaryDirectory() as tmp:
        keys = KeysFile(Path(tmp) / "keys.json")
        key = keys.add("bench", "default", ["read"])
        keys.write()
        issuer = Issuer()
        (Path(tmp) / "jwks.json").write_text(json.dumps(issuer.jwks()))
        ttl = 24 * 3600
        credentials = {
            "api key": key,
            "jwt RS256": issuer.token(kid="rsa1", tenant="default", scope="read", exp=int(time.time()) + ttl),
            "jwt ES256": issuer.token(kid="ec1", tenant="default", scope="read", exp=int(time.time()) + ttl),
        }
        authenticated = {
            **base,
            "CURATION_API_KEYS_FILE": str(keys.path),
            "CURATION_JWKS_FILE": str(Path(tmp) / "jwks.json"),
            "CURATION_JWT_ISSUER": ISSUER,
            "CURATION_JWT_AUDIENCE": AUDIENCE,
        }
        floors: dict[str, LoadResult] = {}
        with running_server(base) as server:
            for protocol in ("grpc", "rest"):
                port = server.grpc_port if protocol == "grpc" else server.http_port
                _load(protocol, port, max(20, requests // 10), None)  # warm: the answer is cached
                floors[protocol] = _load(protocol, port, requests, None)
        failed = False
        with running_server(authenticated) as server:
            for protocol in ("grpc", "rest"):
                port = server.grpc_port if protocol == "grpc" else server.http_port
                print(
                    f"\n{protocol}, {requests} cached requests per row:{'p50 ms':>10}{'p99 ms':>9}{'p50 ratio':>11}"
                )
                print(_row("no auth", floors[protocol], None))
                for name, credential in credentials.items():
                    _load(protocol, port, max(20, requests // 10), f"Bearer {credential}")  # warm
                    result = _load(protocol, port, requests, f"Bearer {credential}")
                    print(_row(name, result, floors[protocol]))
                    failed |= result.errors > 0
    return 1 if failed else 0


def _now() -> int:
    import time

    return int(time.time())


if __name__ == "__main__":
    sys.exit(main())
