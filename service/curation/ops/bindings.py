"""Identifiers handed to a caller, bound to its tenant with the server secret (page tokens, model IDs).

A page token or a fitted model's ID names something the tenant that received it owns. Each carries an
HMAC-SHA256 over (purpose, tenant, the identifier's parts), each length-prefixed, keyed with a key
derived from the cache signing keys (``curation.ops.envelopes.SigningKeys``: the one server secret,
shared by the replicas and rotated the same way): the MAC names its key ID, the first key signs and
every listed key verifies. A token copied to another tenant, altered or made up does not verify, and
the caller gets what it gets for an identifier that never existed: ``NotFound``, with the same message,
so an answer never tells whether another tenant has something.

The derived key (HMAC of the secret with a fixed label) keeps these MACs apart from the envelopes' MACs
made with the same secret, and the purpose keeps a page token's MAC from passing as a model ID's.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from curation.ops.envelopes import SigningKeys

__all__ = ["TenantBindings"]

_LABEL: Final = b"curation tenant-bound identifiers v1"


class TenantBindings:
    """Signs and verifies (purpose, tenant, parts) with keys derived from ``keys``."""

    def __init__(self, keys: SigningKeys) -> None:
        derived = [(kid, hmac.new(secret, _LABEL, hashlib.sha256).digest()) for kid, secret in keys.keys]
        self._keys = dict(derived)
        self.signing_key_id, self._signing_key = derived[0]

    @staticmethod
    def _mac(key: bytes, purpose: str, tenant: str, parts: tuple[bytes, ...]) -> bytes:
        h = hmac.new(key, digestmod=hashlib.sha256)
        for part in (purpose.encode(), tenant.encode(), *parts):
            h.update(len(part).to_bytes(4, "big"))
            h.update(part)
        return h.digest()

    def sign(self, purpose: str, tenant: str, *parts: bytes) -> tuple[str, bytes]:
        """(key ID, MAC) binding ``parts`` to ``tenant`` for ``purpose``, with the first key."""
        return self.signing_key_id, self._mac(self._signing_key, purpose, tenant, parts)

    def verify(self, key_id: str, mac: bytes, purpose: str, tenant: str, *parts: bytes) -> bool:
        """Whether ``mac`` (made with ``key_id``) binds ``parts`` to ``tenant`` for ``purpose``; always
        one HMAC and a constant-time comparison, whatever is wrong (a dummy key for an unknown ID)."""
        key = self._keys.get(key_id)
        expected = self._mac(key if key is not None else self._signing_key, purpose, tenant, parts)
        return hmac.compare_digest(expected, mac) and key is not None
