"""OIDC/JWT bearer tokens verified locally against a JWKS (PyJWT with ``cryptography``).

Rules, each a refusal (``Unauthenticated``; its reason goes to the audit log, never to the caller):

- the header's ``alg`` must be one of the configured algorithms, which may only be asymmetric ones
  (``none`` and HS* are refused at start-up even if configured: an HMAC "verified" with a public key is
  the classic algorithm-confusion forgery);
- the signing key is the JWKS key named by ``kid`` (a JWKS of one key also serves a token without
  ``kid``); a key whose own ``alg`` differs from the header's is not used;
- ``exp``, ``nbf``, ``iss`` and ``aud`` must be present, and are checked with a bounded leeway;
- ``sub`` names the caller, the tenant claim its tenant (a namespace name), the scope claim its scopes
  (space separated, or a list).

The JWKS comes from a file (reloaded when it changes) or a URL: fetched with a timeout and a size cap,
kept for ``JWKS_TTL_SECONDS``, and fetched again early for a ``kid`` it does not hold (key rotation) at
most once per ``UNKNOWN_KID_REFETCH_SECONDS``, so tokens with made-up kids cannot hammer the issuer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import jwt

from curation.auth.principal import Principal, parse_scopes
from curation.auth.watched_file import WatchedFile
from curation.contract import is_valid_name
from curation.errors import Unauthenticated

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "JWKS_TTL_SECONDS",
    "MAX_JWKS_BYTES",
    "MAX_LEEWAY_SECONDS",
    "Jwks",
    "JwtRules",
    "JwtVerifier",
    "check_algorithms",
]

log = logging.getLogger("curation.auth")

ASYMMETRIC_ALGORITHMS: Final = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
MAX_LEEWAY_SECONDS: Final = 300
JWKS_TTL_SECONDS: Final = 300.0
UNKNOWN_KID_REFETCH_SECONDS: Final = 60.0
JWKS_FETCH_TIMEOUT_SECONDS: Final = 5.0
MAX_JWKS_BYTES: Final = 1024 * 1024
# A token longer than this is refused unread.
MAX_TOKEN_CHARS: Final = 16 * 1024

Keys = Mapping[str | None, jwt.PyJWK]


def check_algorithms(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` if every one is an asymmetric JWS algorithm; ``ValueError`` otherwise."""
    bad = [name for name in names if name not in ASYMMETRIC_ALGORITHMS]
    if bad or not names:
        raise ValueError(
            f"CURATION_JWT_ALGORITHMS: {bad or 'empty'} refused; allowed: {sorted(ASYMMETRIC_ALGORITHMS)} "
            "(never none or HS*)"
        )
    return names


@dataclass(frozen=True, slots=True)
class JwtRules:
    """What a token must satisfy besides its signature (from the settings)."""

    issuer: str
    audience: str
    algorithms: tuple[str, ...]
    tenant_claim: str = "tenant"
    scope_claim: str = "scope"
    leeway_seconds: int = 30

    def __post_init__(self) -> None:
        check_algorithms(self.algorithms)
        if not self.issuer or not self.audience:
            raise ValueError("a JWKS needs CURATION_JWT_ISSUER and CURATION_JWT_AUDIENCE (both are checked)")
        if not 0 <= self.leeway_seconds <= MAX_LEEWAY_SECONDS:
            raise ValueError(f"CURATION_JWT_LEEWAY_SECONDS must be 0..{MAX_LEEWAY_SECONDS}")


def parse_jwks(raw: bytes, source: str) -> dict[str | None, jwt.PyJWK]:
    """The signing keys of a JWKS document by ``kid`` (keys PyJWT cannot use are skipped)."""
    try:
        doc = json.loads(raw)
        keys = doc["keys"]
        if not isinstance(keys, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"JWKS {source}: expected a JSON object with a list 'keys'") from None
    found: dict[str | None, jwt.PyJWK] = {}
    for i, data in enumerate(keys):
        if not isinstance(data, dict) or data.get("use", "sig") != "sig":
            continue
        try:
            found[data.get("kid")] = jwt.PyJWK(data)
        except jwt.PyJWTError as exc:
            log.warning("skipped a JWKS key", extra={"source": source, "index": i, "error": str(exc)})
    return found


def _read_file(path: str) -> dict[str | None, jwt.PyJWK]:
    with open(path, "rb") as f:
        raw = f.read(MAX_JWKS_BYTES + 1)
    if len(raw) > MAX_JWKS_BYTES:
        raise ValueError(f"JWKS {path}: larger than {MAX_JWKS_BYTES} bytes")
    return parse_jwks(raw, path)


def _fetch(url: str) -> dict[str | None, jwt.PyJWK]:
    """The JWKS at ``url`` (blocking: run it in a thread)."""
    request = urllib.request.Request(url, headers={"accept": "application/json"})
    with urllib.request.urlopen(request, timeout=JWKS_FETCH_TIMEOUT_SECONDS) as response:
        raw = response.read(MAX_JWKS_BYTES + 1)
    if len(raw) > MAX_JWKS_BYTES:
        raise ValueError(f"JWKS {url}: larger than {MAX_JWKS_BYTES} bytes")
    return parse_jwks(raw, url)


class Jwks:
    """The verification keys, from a file or a URL (module docstring)."""

    def __init__(self, *, file: str = "", url: str = "", clock: Callable[[], float] = time.monotonic) -> None:
        if bool(file) == bool(url):
            raise ValueError("set one of CURATION_JWKS_FILE or CURATION_JWKS_URL")
        if url and not (
            url.startswith("https://") or url.startswith(("http://127.0.0.1", "http://localhost"))
        ):
            raise ValueError("CURATION_JWKS_URL must be https:// (plain http only on loopback)")
        self._file = WatchedFile(file, _read_file, clock=clock) if file else None
        self._url = url
        self._clock = clock
        self._keys: Keys = {}
        self._fetched = -float("inf")  # when the URL was last fetched (successfully or not)
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> jwt.PyJWK | None:
        """The key named ``kid`` (None: the only key), fetching the URL's set when due."""
        if self._file is not None:
            return _pick(self._file.current(), kid)
        now = self._clock()
        if now - self._fetched >= JWKS_TTL_SECONDS:
            await self._refresh(now - self._fetched)
        found = _pick(self._keys, kid)
        if found is None and self._clock() - self._fetched >= UNKNOWN_KID_REFETCH_SECONDS:
            await self._refresh(UNKNOWN_KID_REFETCH_SECONDS)
            found = _pick(self._keys, kid)
        return found

    async def _refresh(self, age: float) -> None:
        async with self._lock:
            if self._clock() - self._fetched < min(age, UNKNOWN_KID_REFETCH_SECONDS):
                return  # another call fetched it meanwhile
            self._fetched = self._clock()
            try:
                self._keys = await asyncio.to_thread(_fetch, self._url)
            except (OSError, ValueError) as exc:  # keep the keys we had; tried again when due
                log.error("JWKS fetch failed", extra={"url": self._url, "error": str(exc)})


def _pick(keys: Keys, kid: str | None) -> jwt.PyJWK | None:
    if kid is None and len(keys) == 1:
        return next(iter(keys.values()))
    return keys.get(kid) if kid is not None else None


class JwtVerifier:
    """Tokens to principals (the namespace chosen later, by the authenticator)."""

    def __init__(self, jwks: Jwks, rules: JwtRules) -> None:
        self.jwks = jwks
        self.rules = rules

    async def verify(self, token: str) -> Principal:
        """The caller ``token`` proves, or ``Unauthenticated``."""
        if len(token) > MAX_TOKEN_CHARS:
            raise Unauthenticated("token too long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("malformed token") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.rules.algorithms:
            raise Unauthenticated("algorithm not allowed")
        if kid is not None and not isinstance(kid, str):
            raise Unauthenticated("malformed token")
        key = await self.jwks.key(kid)
        if key is None:
            raise Unauthenticated("unknown kid")
        if key.algorithm_name != alg:
            raise Unauthenticated("key is not for this algorithm")
        claims = self._decode(token, key, alg)
        return self._principal(claims)

    def _decode(self, token: str, key: jwt.PyJWK, alg: str) -> dict[str, Any]:
        rules = self.rules
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=rules.audience,
                issuer=rules.issuer,
                leeway=rules.leeway_seconds,
                options={"require": ["exp", "nbf", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("expired token") from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("token not yet valid") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("wrong audience") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated("wrong issuer") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("bad signature") from None
        except (jwt.PyJWTError, ValueError, TypeError):
            raise Unauthenticated("invalid token") from None
        return claims

    def _principal(self, claims: dict[str, Any]) -> Principal:
        tenant, sub = claims.get(self.rules.tenant_claim), claims.get("sub")
        if not isinstance(tenant, str) or not is_valid_name(tenant):
            raise Unauthenticated("no valid tenant claim")
        if not isinstance(sub, str) or not sub:
            raise Unauthenticated("no subject")
        raw = claims.get(self.rules.scope_claim, "")
        names = raw.split() if isinstance(raw, str) else raw if isinstance(raw, list) else []
        scopes = parse_scopes([n for n in names if isinstance(n, str)])
        return Principal(tenant=tenant, key_id=sub[:256], scopes=scopes, namespaces=frozenset({tenant}))
