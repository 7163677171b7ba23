"""The audit log: one structured line per RPC call on logger ``curation.audit``.

Each adapter makes a record current when a call arrives (:func:`begin`) and writes it when the call ends
(:func:`emit`, then :func:`end`); the seam's entry (``curation.ops.access``) fills who called, the
adapters the sizes and the body digest. A line holds the protocol, operation, tenant, key ID (never the
key or token), the request body's SHA-256 when known (what byte-identical repeats are answered by),
request and response sizes in bytes, the outcome (the ``google.rpc.Code`` name, the same on both
protocols; REST adds the HTTP status), why authentication failed if it did (``auth_failure``: for
operators only, never sent) and the duration. Never a body, a header value or a credential.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar, Token
from dataclasses import asdict, dataclass
from typing import Final

__all__ = ["AuditRecord", "begin", "current", "emit", "end", "http_outcome"]

audit_log = logging.getLogger("curation.audit")

_RECORD: ContextVar[AuditRecord | None] = ContextVar("curation_audit", default=None)

# google/rpc/code.proto's HTTP mapping, read backwards (499: the client closed the request).
_HTTP_OUTCOME: Final = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    413: "RESOURCE_EXHAUSTED",
    415: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


@dataclass(slots=True)
class AuditRecord:
    """What one call's audit line says (filled while the call runs)."""

    protocol: str
    operation: str
    tenant: str = ""
    key_id: str = ""
    digest: str = ""
    request_bytes: int = 0
    response_bytes: int = 0
    auth_failure: str = ""


def http_outcome(status: int) -> str:
    """The ``google.rpc.Code`` name of an HTTP status."""
    if 200 <= status < 300:
        return "OK"
    return _HTTP_OUTCOME.get(status, "UNKNOWN")


def current() -> AuditRecord | None:
    """The record of the call being served, if it is audited."""
    return _RECORD.get()


def begin(record: AuditRecord | None) -> Token[AuditRecord | None]:
    """Make ``record`` (None: not audited) the current call's (until :func:`end` with the token returned)."""
    return _RECORD.set(record)


def end(token: Token[AuditRecord | None]) -> None:
    _RECORD.reset(token)


def emit(record: AuditRecord, outcome: str, seconds: float, *, http_status: int | None = None) -> None:
    """Write ``record``'s line."""
    fields = {k: v for k, v in asdict(record).items() if v not in ("", None)}
    fields["outcome"] = outcome
    if http_status is not None:
        fields["http_status"] = http_status
    fields["duration_ms"] = round(seconds * 1000, 3)
    audit_log.info("audit", extra=fields)
