"""Signed cache envelopes: what the seam writes to the cache, and the only way it reads an entry back.

Every value the seam stores is a ``CacheEnvelope`` carrying an HMAC-SHA256 over the schema version, the
operation (with its algorithm version), the key digest, the storage key the entry was written under and
the payload, each length-prefixed. The key is a server secret shared by the replicas
(``CURATION_CACHE_SIGNING_KEYS="kid1:secret1,kid2:secret2"`` or the same text in the file
``CURATION_CACHE_SIGNING_KEYS_FILE``, a mounted Secret): the first key signs, every listed key verifies,
and the envelope names its key ID, so keys rotate by listing the new one first, then dropping the old.

Anyone who can write to Redis can write a well-formed envelope; without the secret they cannot sign
it, so it is a miss (recomputed, then overwritten), never an answer. Binding the storage key as well
means a genuine entry copied under another key (another body alias, another namespace) is rejected too.
Without configured keys the process signs with a random key of its own: correct, but entries written
by other replicas or before a restart are misses.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from google.protobuf.message import DecodeError

from curation.internal.v1 import cache_pb2

__all__ = ["SCHEMA_VERSION", "Envelopes", "Rejected", "RejectReason", "SigningKeys", "load_signing_keys"]

# Version of the envelope layout itself; each operation has its own algorithm version besides.
SCHEMA_VERSION: Final = 1
MIN_SECRET_BYTES: Final = 16
_KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")

# Why an entry was rejected, as /metrics counts it.
RejectReason = Literal["corrupt", "mismatch", "unsigned", "unknown_key", "bad_signature"]


class Rejected(Exception):
    """An entry that must not be served; ``reason`` says why."""

    def __init__(self, reason: RejectReason) -> None:
        super().__init__(reason)
        self.reason: RejectReason = reason


@dataclass(frozen=True, slots=True)
class SigningKeys:
    """Key ID -> secret, in order: the first signs. ``ephemeral``: a random key of this process only."""

    keys: tuple[tuple[str, bytes], ...] = field(repr=False)
    ephemeral: bool = False

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("at least one signing key is needed")
        ids = [kid for kid, _ in self.keys]
        if len(set(ids)) != len(ids):
            raise ValueError("signing key IDs must be unique")

    @classmethod
    def parse(cls, text: str) -> SigningKeys:
        """``"kid1:secret1,kid2:secret2"`` (commas or newlines between keys; the secret may contain ``:``)."""
        keys: list[tuple[str, bytes]] = []
        for n, item in enumerate(part.strip() for part in re.split(r"[,\n]", text)):
            if not item:
                continue
            kid, sep, secret = item.partition(":")
            if not sep or _KEY_ID.fullmatch(kid) is None:
                raise ValueError(
                    f"signing key {n}: expected 'key-id:secret' with a key ID matching {_KEY_ID.pattern}"
                )
            if len(secret.encode()) < MIN_SECRET_BYTES:
                raise ValueError(
                    f"signing key {kid!r}: the secret must have at least {MIN_SECRET_BYTES} bytes"
                )
            keys.append((kid, secret.encode()))
        return cls(tuple(keys))

    @classmethod
    def random(cls) -> SigningKeys:
        """A fresh key for this process alone."""
        return cls(((f"process-{secrets.token_hex(4)}", secrets.token_bytes(32)),), ephemeral=True)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(kid for kid, _ in self.keys)


def load_signing_keys(inline: str, path: str) -> SigningKeys:
    """The configured keys (``path``'s text when set, else ``inline``), or a random one when neither is."""
    if path:
        return SigningKeys.parse(Path(path).read_text())
    if inline.strip():
        return SigningKeys.parse(inline)
    return SigningKeys.random()


class Envelopes:
    """Seals payloads into signed envelopes and opens them, verifying everything the lookup expects."""

    def __init__(self, keys: SigningKeys) -> None:
        self.keys = keys
        self._secrets = dict(keys.keys)
        self.signing_key_id, self._signing_secret = keys.keys[0]

    @staticmethod
    def _mac(secret: bytes, header: tuple[int, str, str, str], payload: bytes) -> bytes:
        """HMAC-SHA256 over (schema version, operation, key digest, storage key), length-prefixed, and
        the payload."""
        version, operation, key_digest, key = header
        h = hmac.new(secret, digestmod=hashlib.sha256)
        for part in (str(version).encode(), operation.encode(), key_digest.encode(), key.encode()):
            h.update(len(part).to_bytes(4, "big"))
            h.update(part)
        h.update(payload)
        return h.digest()

    def seal(self, *, operation: str, key_digest: str, key: str, payload: bytes) -> bytes:
        """The serialized envelope of ``payload``, stored under ``key``, signed with the first key."""
        return cache_pb2.CacheEnvelope(
            schema_version=SCHEMA_VERSION,
            operation=operation,
            key_digest=key_digest,
            payload=payload,
            key_id=self.signing_key_id,
            signature=self._mac(self._signing_secret, (SCHEMA_VERSION, operation, key_digest, key), payload),
        ).SerializeToString()

    def open(self, raw: bytes, *, operation: str, key_digest: str, key: str) -> bytes:
        """The payload of an envelope read under ``key`` for ``operation`` (and ``key_digest`` unless it is
        empty); raises ``Rejected`` for anything corrupt, stale, unsigned or signed by an unknown key."""
        try:
            envelope = cache_pb2.CacheEnvelope.FromString(raw)
        except DecodeError:
            raise Rejected("corrupt") from None
        if (
            envelope.schema_version != SCHEMA_VERSION
            or envelope.operation != operation
            or (key_digest and envelope.key_digest != key_digest)
        ):
            raise Rejected("mismatch")
        if not envelope.key_id or not envelope.signature:
            raise Rejected("unsigned")
        secret = self._secrets.get(envelope.key_id)
        if secret is None:
            raise Rejected("unknown_key")
        expected = self._mac(
            secret, (envelope.schema_version, envelope.operation, envelope.key_digest, key), envelope.payload
        )
        if not hmac.compare_digest(expected, envelope.signature):
            raise Rejected("bad_signature")
        return envelope.payload
