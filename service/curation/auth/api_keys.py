"""API keys: ``cur_<key_id>_<secret>``, kept only as SHA-256 hashes in a keys file.

The keys file (``CURATION_API_KEYS_FILE``, a mounted Secret in Kubernetes) is JSON::

    {"keys": [{"id": "k1", "hash": "sha256:<64 hex>", "tenant": "acme",
               "namespaces": ["acme-eval"], "scopes": ["read", "write"], "revoked": false}]}

``hash`` is the SHA-256 of the whole key string. A key is granted its ``tenant`` (where a call acts by
default) and every listed namespace. The file is reloaded when it changes (looked at once per second), so
adding, revoking (``"revoked": true``, or removing the entry) and rotating keys need no restart. Every
problem of the file names the entry it is in, never a key. A key is compared in constant time
(``hmac.compare_digest``) against the stored hash; the key itself is never kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from curation.auth.principal import Scope
from curation.contract import is_valid_name
from curation.errors import Unauthenticated

__all__ = ["KEY_PREFIX", "ApiKey", "KeyEntry", "load_keys", "new_key", "parse_key", "verify_key"]

KEY_PREFIX: Final = "cur_"
# Key IDs: no "_" (it separates the ID from the secret, whose base64url may hold "_").
_KEY_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_HASH = re.compile(r"sha256:([0-9a-f]{64})")
_FIELDS = frozenset({"id", "hash", "tenant", "namespaces", "scopes", "revoked"})
_SECRET_BYTES = 32
_SECRET_CHARS = 43  # 32 bytes in unpadded base64url


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One entry of the keys file."""

    id: str
    digest: bytes  # SHA-256 of the whole key
    tenant: str
    namespaces: frozenset[str]
    scopes: frozenset[Scope]
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as a caller sends it, split: ``key_id`` and the whole ``key`` (never printed)."""

    key_id: str
    key: str

    def __repr__(self) -> str:
        return f"ApiKey(key_id={self.key_id!r})"


def parse_key(credential: str) -> ApiKey | None:
    """``credential`` split into ID and key when it has the shape of an API key, else None."""
    if not credential.startswith(KEY_PREFIX):
        return None
    key_id, sep, secret = credential[len(KEY_PREFIX) :].partition("_")
    if not sep or _KEY_ID.fullmatch(key_id) is None or len(secret) != _SECRET_CHARS:
        return None
    return ApiKey(key_id, credential)


def new_key(key_id: str | None = None) -> str:
    """A fresh key: ``cur_<key_id>_<32 random bytes, base64url>`` (ID: 12 random hex digits if not given)."""
    key_id = secrets.token_hex(6) if key_id is None else key_id
    if _KEY_ID.fullmatch(key_id) is None:
        raise ValueError("a key ID is 1-64 letters, digits or '-'")
    secret = base64.urlsafe_b64encode(secrets.token_bytes(_SECRET_BYTES)).rstrip(b"=").decode()
    return f"{KEY_PREFIX}{key_id}_{secret}"


def key_hash(key: str) -> str:
    """The ``hash`` value of ``key`` in the keys file."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def verify_key(key: ApiKey, entries: Mapping[str, KeyEntry]) -> KeyEntry:
    """The entry ``key`` matches; ``Unauthenticated`` (its reason for the audit log only) otherwise."""
    digest = hashlib.sha256(key.key.encode()).digest()
    entry = entries.get(key.key_id)
    expected = entry.digest if entry is not None else bytes(32)
    matches = hmac.compare_digest(digest, expected)  # compared even for an unknown ID
    if entry is None:
        raise Unauthenticated("unknown key id")
    if not matches:
        raise Unauthenticated("wrong key")
    if entry.revoked:
        raise Unauthenticated("revoked key")
    return entry


def load_keys(path: str) -> dict[str, KeyEntry]:
    """The entries of the keys file at ``path`` by ID; ``ValueError`` naming the file and entry."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except json.JSONDecodeError as exc:
        raise ValueError(f"keys file {path}: not JSON (line {exc.lineno})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise ValueError(f'keys file {path}: expected {{"keys": [...]}}')
    entries: dict[str, KeyEntry] = {}
    for i, raw in enumerate(doc["keys"]):
        entry = _entry(raw, where=f"keys file {path}: keys[{i}]")
        if entry.id in entries:
            raise ValueError(f"keys file {path}: keys[{i}]: key id {entry.id!r} is listed twice")
        entries[entry.id] = entry
    return entries


def _entry(raw: Any, *, where: str) -> KeyEntry:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: an entry is an object")
    key_id = raw.get("id")
    if not isinstance(key_id, str) or _KEY_ID.fullmatch(key_id) is None:
        raise ValueError(f"{where}: id must be 1-64 letters, digits or '-'")
    where = f"{where} (id {key_id!r})"
    unknown = set(raw) - _FIELDS
    if unknown:
        raise ValueError(f"{where}: unknown fields {sorted(unknown)}")
    match = _HASH.fullmatch(raw.get("hash", "")) if isinstance(raw.get("hash"), str) else None
    if match is None:
        raise ValueError(f"{where}: hash must be 'sha256:' and 64 lower-case hex digits")
    tenant = raw.get("tenant")
    if not isinstance(tenant, str) or not is_valid_name(tenant):
        raise ValueError(f"{where}: tenant must be a namespace name")
    namespaces = raw.get("namespaces", [])
    if not isinstance(namespaces, list) or not all(
        isinstance(n, str) and is_valid_name(n) for n in namespaces
    ):
        raise ValueError(f"{where}: namespaces must be a list of namespace names")
    scopes = raw.get("scopes")
    known = {scope.value for scope in Scope}
    if not isinstance(scopes, list) or not scopes or not all(s in known for s in scopes):
        raise ValueError(f"{where}: scopes must be a non-empty list of {sorted(known)}")
    revoked = raw.get("revoked", False)
    if not isinstance(revoked, bool):
        raise ValueError(f"{where}: revoked must be true or false")
    return KeyEntry(
        id=key_id,
        digest=bytes.fromhex(match[1]),
        tenant=tenant,
        namespaces=frozenset(namespaces) | {tenant},
        scopes=frozenset(Scope(s) for s in scopes),
        revoked=revoked,
    )
