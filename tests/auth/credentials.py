"""Credentials the tests make themselves: RSA and EC signing keys with their JWKS, tokens (good and every
kind of bad), and API keys with the keys file that lists their hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from curation.auth.api_keys import key_hash, new_key

__all__ = ["AUDIENCE", "ISSUER", "Issuer", "KeysFile", "b64url"]

ISSUER = "https://issuer.test"
AUDIENCE = "curation"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _segment(doc: dict[str, Any]) -> str:
    return b64url(json.dumps(doc, separators=(",", ":")).encode())


@dataclass
class Issuer:
    """An identity provider: an RSA key (kid ``rsa1``, RS256) and an EC P-256 key (``ec1``, ES256)."""

    rsa_key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    ec_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def jwks(self) -> dict[str, Any]:
        rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa_key.public_key()))
        ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec_key.public_key()))
        rsa_jwk.update(kid="rsa1", alg="RS256", use="sig")
        ec_jwk.update(kid="ec1", alg="ES256", use="sig")
        return {"keys": [rsa_jwk, ec_jwk]}

    def claims(self, tenant: str = "acme", scope: str = "read write", **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        doc: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-7"}
        doc.update(tenant=tenant, scope=scope)
        doc.update(iat=now, nbf=now - 5, exp=now + 600)
        doc.update(changes)
        return {k: v for k, v in doc.items() if v is not None}

    def token(self, *, kid: str = "rsa1", **claims: Any) -> str:
        key, alg = (self.rsa_key, "RS256") if kid != "ec1" else (self.ec_key, "ES256")
        return jwt.encode(self.claims(**claims), key, algorithm=alg, headers={"kid": kid})

    def public_pem(self) -> bytes:
        return self.rsa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def unsigned(self) -> str:
        """An ``alg: none`` token with valid claims."""
        return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(self.claims())}."

    def hs256_with_public_key(self) -> str:
        """Algorithm confusion: HS256 "signed" with the RSA public key as the HMAC secret."""
        signing = f"{_segment({'alg': 'HS256', 'typ': 'JWT', 'kid': 'rsa1'})}.{_segment(self.claims())}"
        mac = hmac.new(self.public_pem(), signing.encode(), hashlib.sha256).digest()
        return f"{signing}.{b64url(mac)}"

    def tampered(self) -> str:
        """A valid token whose payload was changed after signing (another tenant)."""
        header, _, signature = self.token().split(".")
        return f"{header}.{_segment(self.claims(tenant='victim'))}.{signature}"


@dataclass
class KeysFile:
    """A keys file and the keys (in clear, for the tests only) whose hashes it lists."""

    path: Path
    keys: dict[str, str] = field(default_factory=dict)
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, name: str, tenant: str, scopes: list[str], namespaces: list[str] | None = None) -> str:
        key = new_key(name)
        self.keys[name] = key
        self.entries[name] = {
            "id": name,
            "hash": key_hash(key),
            "tenant": tenant,
            "namespaces": namespaces or [],
            "scopes": scopes,
            "revoked": False,
        }
        return key

    def write(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"keys": list(self.entries.values())}))
        tmp.replace(self.path)  # atomically, as a Secret update is

    def revoke(self, name: str) -> None:
        self.entries[name]["revoked"] = True
        self.write()
