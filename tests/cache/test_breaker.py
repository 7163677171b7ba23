"""CircuitBreaker: consecutive failures open it, the cool-down half-opens it, one trial decides."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from curation.cache import CircuitBreaker


def state_of(breaker: CircuitBreaker) -> str:
    """The breaker's state, read afresh (a property mypy would otherwise narrow between asserts)."""
    return breaker.state


def make(clock: Any, threshold: int = 3, cooldown: float = 5.0) -> CircuitBreaker:
    return CircuitBreaker(threshold=threshold, cooldown_seconds=cooldown, clock=clock)


def test_opens_after_consecutive_failures_only(clock: Any) -> None:
    breaker = make(clock)
    for _ in range(5):  # a success in between resets the count
        assert breaker.allow()
        breaker.record_failure("timeout")
        assert breaker.allow()
        breaker.record_failure("timeout")
        assert breaker.allow()
        breaker.record_success()
    assert state_of(breaker) == "closed"
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure("connection")
    assert state_of(breaker) == "open"
    assert not breaker.allow()
    assert breaker.times_opened == 1


def test_cool_down_then_one_trial(clock: Any) -> None:
    breaker = make(clock, threshold=1, cooldown=5.0)
    breaker.allow()
    breaker.record_failure()
    clock.advance(4.99)
    assert not breaker.allow()
    clock.advance(0.01)
    assert state_of(breaker) == "half_open"
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # only one at a time
    breaker.record_success()
    assert state_of(breaker) == "closed"
    assert breaker.consecutive_failures == 0
    assert all(breaker.allow() for _ in range(3))


def test_failed_trial_reopens_for_a_full_cool_down(clock: Any) -> None:
    breaker = make(clock, threshold=2, cooldown=1.0)
    for _ in range(2):
        breaker.allow()
        breaker.record_failure()
    clock.advance(1.0)
    assert breaker.allow()
    breaker.record_failure()  # one failure is enough in half-open
    assert state_of(breaker) == "open"
    assert breaker.times_opened == 2
    clock.advance(0.5)
    assert not breaker.allow()
    clock.advance(0.5)
    assert breaker.allow()


def test_abandoned_trial_frees_the_slot(clock: Any) -> None:
    breaker = make(clock, threshold=1, cooldown=1.0)
    breaker.allow()
    breaker.record_failure()
    clock.advance(1.0)
    assert breaker.allow()
    breaker.abandon()  # the trial's caller was cancelled: no verdict
    assert state_of(breaker) == "half_open"
    assert breaker.allow()


def test_logs_once_per_open_transition(clock: Any, caplog: pytest.LogCaptureFixture) -> None:
    breaker = make(clock, threshold=2, cooldown=1.0)
    with caplog.at_level(logging.INFO, logger="curation.cache"):
        for _ in range(20):
            if breaker.allow():
                breaker.record_failure("timeout")
        clock.advance(1.0)
        assert breaker.allow()
        breaker.record_success()
    opened = [r for r in caplog.records if "circuit open" in r.getMessage()]
    assert len(opened) == 1
    assert opened[0].levelno == logging.WARNING
    assert opened[0].__dict__["backend"] == "redis"
    assert opened[0].__dict__["last_error"] == "timeout"
    assert opened[0].__dict__["consecutive_failures"] == 2
    closed = [r for r in caplog.records if "circuit closed" in r.getMessage()]
    assert len(closed) == 1


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="threshold"):
        CircuitBreaker(threshold=0, cooldown_seconds=1)
    with pytest.raises(ValueError, match="cooldown"):
        CircuitBreaker(threshold=1, cooldown_seconds=-1)
