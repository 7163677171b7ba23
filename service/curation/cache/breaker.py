"""A consecutive-failure circuit breaker, so a dead or hung Redis costs one timeout, not one per request.

Closed: every call goes through; ``threshold`` consecutive failures open it. Open: calls are skipped
(the cache answers a miss at once) until ``cooldown_seconds`` have passed. Half-open: exactly one trial
call goes through; its success closes the breaker, its failure opens it for another cool-down.
Single-threaded by design: it lives on the event loop with the Redis client it guards.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Literal

__all__ = ["BreakerState", "CircuitBreaker"]

log = logging.getLogger("curation.cache")

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures, for ``cooldown_seconds``; ``clock`` is monotonic."""

    def __init__(
        self,
        *,
        threshold: int,
        cooldown_seconds: float,
        name: str = "redis",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if threshold < 1:
            raise ValueError(f"threshold must be >= 1, got {threshold}")
        if cooldown_seconds < 0:
            raise ValueError(f"cooldown_seconds must be >= 0, got {cooldown_seconds}")
        self.threshold = threshold
        self.cooldown_seconds = cooldown_seconds
        self.name = name
        self._clock = clock
        self._state: BreakerState = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False
        self.times_opened = 0

    @property
    def state(self) -> BreakerState:
        """The state now (an open breaker whose cool-down has passed reports ``half_open``)."""
        if self._state == "open" and self._clock() - self._opened_at >= self.cooldown_seconds:
            return "half_open"
        return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def allow(self) -> bool:
        """Whether a call may go to the backend now; a ``True`` must be followed by one ``record_*``."""
        if self._state == "closed":
            return True
        if self._state == "open":
            if self._clock() - self._opened_at < self.cooldown_seconds:
                return False
            self._state = "half_open"
            self._trial_in_flight = False
        if self._trial_in_flight:
            return False
        self._trial_in_flight = True
        return True

    def record_success(self) -> None:
        """The backend answered: close (and say so once if it had been open)."""
        if self._state != "closed":
            log.info(
                "cache backend recovered, circuit closed",
                extra={"backend": self.name, "breaker": "closed"},
            )
        self._state = "closed"
        self._failures = 0
        self._trial_in_flight = False

    def record_failure(self, kind: str = "") -> None:
        """The backend failed: count it, and open on the threshold (or on a failed half-open trial)."""
        self._failures += 1
        self._trial_in_flight = False
        if self._state == "half_open" or (self._state == "closed" and self._failures >= self.threshold):
            self._open(kind)
        # Already open (a call that started before it opened failed late): the cool-down stands.

    def abandon(self) -> None:
        """A permitted call ended with neither answer nor failure (cancelled): free the trial slot."""
        self._trial_in_flight = False

    def _open(self, kind: str) -> None:
        self._state = "open"
        self._opened_at = self._clock()
        self.times_opened += 1
        log.warning(
            "cache backend failing, circuit open: skipping it for the cool-down",
            extra={
                "backend": self.name,
                "breaker": "open",
                "consecutive_failures": self._failures,
                "last_error": kind,
                "cooldown_seconds": self.cooldown_seconds,
            },
        )
