"""Credentials to principals, and the namespace a call acts in.

A credential arrives as ``authorization: Bearer <credential>`` (gRPC metadata or HTTP header): an API key
(``cur_<id>_<secret>``, ``curation.auth.api_keys``) or a JWT (three dot-separated parts,
``curation.auth.jwt_tokens``). The namespace rule: the ``x-curation-namespace`` header when present and
granted to the credential; the credential's tenant when absent; ``PermissionDenied`` ("namespace not
granted") when it names another. With authentication off (no keys file, no JWKS) every call is the
``anonymous`` principal with every scope, in the namespace the header names.
"""

from __future__ import annotations

from dataclasses import replace

from curation.auth.api_keys import KeyEntry, load_keys, parse_key, verify_key
from curation.auth.jwt_tokens import Jwks, JwtRules, JwtVerifier
from curation.auth.principal import ALL_SCOPES, Principal
from curation.auth.watched_file import WatchedFile
from curation.contract import DEFAULT_NAMESPACE
from curation.errors import PermissionDenied, Unauthenticated
from curation.settings import Settings

__all__ = ["ANONYMOUS", "Authenticator"]

ANONYMOUS = "anonymous"
_SCHEME = "bearer"


class Authenticator:
    """Checks credentials against the keys file and/or the JWKS; ``configured`` is False when neither is
    set (then every call is anonymous)."""

    def __init__(
        self, keys: WatchedFile[dict[str, KeyEntry]] | None = None, jwt: JwtVerifier | None = None
    ) -> None:
        self._keys = keys
        self._jwt = jwt

    @classmethod
    def from_settings(cls, settings: Settings) -> Authenticator:
        """As configured; a bad keys file or JWT setting is a start-up error."""
        keys = WatchedFile(settings.api_keys_file, load_keys) if settings.api_keys_file else None
        verifier = None
        if settings.jwks_file or settings.jwks_url:
            rules = JwtRules(
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                algorithms=settings.jwt_algorithms,
                tenant_claim=settings.jwt_tenant_claim,
                scope_claim=settings.jwt_scope_claim,
                leeway_seconds=settings.jwt_leeway_seconds,
            )
            verifier = JwtVerifier(Jwks(file=settings.jwks_file, url=settings.jwks_url), rules)
        return cls(keys, verifier)

    @property
    def configured(self) -> bool:
        return self._keys is not None or self._jwt is not None

    async def principal(self, authorization: str | None, namespace: str | None) -> Principal:
        """Who calls with ``authorization`` (the raw header value), acting in the namespace chosen by the
        module's rule; ``Unauthenticated`` or ``PermissionDenied``."""
        if not self.configured:
            tenant = namespace or DEFAULT_NAMESPACE
            return Principal(tenant, ANONYMOUS, ALL_SCOPES, frozenset({tenant}))
        found = await self._authenticate(_bearer(authorization))
        if namespace is None or namespace == found.tenant:
            return found
        if namespace not in found.namespaces:
            raise PermissionDenied("namespace not granted")
        return replace(found, tenant=namespace)

    async def _authenticate(self, credential: str) -> Principal:
        key = parse_key(credential)
        if key is not None:
            if self._keys is None:
                raise Unauthenticated("API keys not configured")
            entry = verify_key(key, self._keys.current())
            return Principal(entry.tenant, entry.id, entry.scopes, entry.namespaces)
        if credential.count(".") == 2:
            if self._jwt is None:
                raise Unauthenticated("JWT not configured")
            return await self._jwt.verify(credential)
        raise Unauthenticated("malformed credential")


def _bearer(authorization: str | None) -> str:
    """The credential of an ``authorization`` value (``Bearer <credential>``)."""
    if not authorization:
        raise Unauthenticated("missing credential")
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != _SCHEME or not credential:
        raise Unauthenticated("not a bearer credential")
    return credential
