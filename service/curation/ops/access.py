"""The seam's entry for both adapters: who calls, in which namespace, and may they.

An adapter reads a call's raw ``authorization`` value and ``x-curation-namespace`` header into a
:class:`Caller` and asks :meth:`Access.admit` for the call's :class:`Context` before it reads the body:
authentication (``curation.auth``), the namespace rule, and the operation's scope
(``OperationSpec.scope``) are checked here, once, for every route and method alike, in the serving
process, before a byte of the body is read or handed to a compute process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from curation import audit
from curation.auth import Authenticator, Principal, Scope
from curation.errors import NotFound, PermissionDenied, Unauthenticated
from curation.ops.operation_spec import Context, OperationSpec

AnySpec = OperationSpec[Any, Any, Any]

__all__ = ["Access", "Caller"]


@dataclass(frozen=True, slots=True)
class Caller:
    """What an adapter read off a call, unchecked. ``authorization`` is never printed."""

    authorization: str | None = field(default=None, repr=False)
    namespace: str | None = None
    request_id: str = ""
    deadline: float | None = None


class Access:
    """Admits calls to the operations of ``specs`` for the callers ``authenticator`` recognises."""

    def __init__(
        self, authenticator: Authenticator, specs: Mapping[str, OperationSpec[Any, Any, Any]]
    ) -> None:
        self.authenticator = authenticator
        self.specs = specs

    async def principal(self, caller: Caller) -> Principal:
        """Who ``caller`` is, acting in the namespace the rule picks (noted in the call's audit record)."""
        record = audit.current()
        try:
            principal = await self.authenticator.principal(caller.authorization, caller.namespace)
        except Unauthenticated as exc:
            if record is not None:
                record.auth_failure = exc.reason
            raise
        if record is not None:
            record.tenant, record.key_id = principal.tenant, principal.key_id
        return principal

    async def admit(self, name: str, caller: Caller) -> Context:
        """The context of a call to operation ``name``: ``Unauthenticated`` without a valid credential,
        ``PermissionDenied`` without the operation's scope or for a namespace not granted."""
        principal = await self.principal(caller)
        spec = self.specs.get(name)
        if spec is None:
            raise NotFound(f"unknown operation {name}")
        require(principal, spec.scope)
        return Context(
            namespace=principal.tenant,
            request_id=caller.request_id,
            deadline=caller.deadline,
            principal=principal,
        )


def require(principal: Principal, scope: Scope) -> None:
    """``PermissionDenied`` naming ``scope`` unless ``principal`` holds it."""
    if scope not in principal.scopes:
        raise PermissionDenied(f"the credential lacks the scope {scope.value!r}")
