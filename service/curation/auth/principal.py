"""Who a call acts for: the tenant it acts in, the credential's ID, its scopes and granted namespaces."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ALL_SCOPES", "Principal", "Scope", "parse_scopes"]


class Scope(StrEnum):
    """What a credential may do: read (score, analyze, select, get), write (put/delete embeddings, fit
    and delete label models), admin (flush a tenant's cache entries). Scopes do not imply each other."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


ALL_SCOPES = frozenset(Scope)


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one call."""

    tenant: str  # the namespace the call acts in (the chosen one: see curation.auth.authenticator)
    key_id: str  # API key ID or JWT ``sub``; "anonymous" when authentication is off
    scopes: frozenset[Scope]
    namespaces: frozenset[str]  # the namespaces the credential is granted


def parse_scopes(names: list[str] | tuple[str, ...]) -> frozenset[Scope]:
    """The known scopes among ``names`` (unknown names grant nothing)."""
    known = {scope.value: scope for scope in Scope}
    return frozenset(known[name] for name in names if name in known)
