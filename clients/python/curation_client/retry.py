"""The retry policy of idempotent calls that failed UNAVAILABLE (HTTP 503), on both protocols.

gRPC retries by itself given a service config (``grpc.service_config``, one ``retryPolicy`` for the
RPCs whose ``idempotency_level`` is IDEMPOTENT or NO_SIDE_EFFECTS); the REST clients follow the same
policy with :meth:`RetryPolicy.rest_delay`, which also honours the server's ``Retry-After``. Backoff is
gRPC's: before retry ``n`` wait a random time in ``[0, min(initial * multiplier**(n-1), max)]``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from curation_client.rpc import Rpc

__all__ = ["DEFAULT_RETRY", "RetryPolicy", "retry_after_seconds"]

_UNAVAILABLE = 503
_GRPC_MAX_ATTEMPTS = 5  # gRPC lowers any larger maxAttempts to 5


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """At most ``max_attempts`` attempts of an idempotent call (the first included, 2 to 5); REST waits
    the server's ``Retry-After`` instead of the backoff when it sends one, up to ``max_retry_after``."""

    max_attempts: int = 4
    initial_backoff: float = 0.1
    max_backoff: float = 2.0
    backoff_multiplier: float = 2.0
    max_retry_after: float = 30.0

    def __post_init__(self) -> None:
        if not 2 <= self.max_attempts <= _GRPC_MAX_ATTEMPTS:
            raise ValueError(f"max_attempts must be 2 to {_GRPC_MAX_ATTEMPTS}, got {self.max_attempts}")
        if min(self.initial_backoff, self.max_backoff, self.max_retry_after) <= 0:
            raise ValueError("backoffs and max_retry_after must be positive")
        if self.backoff_multiplier < 1:
            raise ValueError("backoff_multiplier must be at least 1")

    def backoff(self, retry: int) -> float:
        """A wait before retry number ``retry`` (1 for the first retry)."""
        ceiling = min(self.initial_backoff * self.backoff_multiplier ** (retry - 1), self.max_backoff)
        return random.uniform(0, ceiling)

    def rest_delay(
        self, attempts: int, *, status: int | None, retry_after: str | None, remaining: float | None
    ) -> float | None:
        """How long to wait before retrying an idempotent REST call that made ``attempts`` attempts and
        got HTTP ``status`` (None: it could not connect), or None not to retry: only 503 or no
        connection, within ``max_attempts`` and the ``remaining`` time of the call's deadline."""
        if attempts >= self.max_attempts or (status is not None and status != _UNAVAILABLE):
            return None
        asked = retry_after_seconds(retry_after)
        delay = min(asked, self.max_retry_after) if asked is not None else self.backoff(attempts)
        return None if remaining is not None and delay >= remaining else delay

    def service_config(self, rpcs: Iterable[Rpc[Any, Any]]) -> str:
        """gRPC service config JSON: this policy for the idempotent ``rpcs``, UNAVAILABLE only."""
        names = [{"service": rpc.service, "method": rpc.name} for rpc in rpcs if rpc.idempotent]
        policy = {
            "maxAttempts": self.max_attempts,
            "initialBackoff": f"{self.initial_backoff:.9g}s",
            "maxBackoff": f"{self.max_backoff:.9g}s",
            "backoffMultiplier": self.backoff_multiplier,
            "retryableStatusCodes": ["UNAVAILABLE"],
        }
        return json.dumps({"methodConfig": [{"name": names, "retryPolicy": policy}]})


DEFAULT_RETRY = RetryPolicy()


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
