"""Cooperative cancellation: a checkpoint raises once its token is cancelled or past its deadline."""

from __future__ import annotations

import threading
import time

import pytest

from curation.core import Cancelled, CancelToken, cancellable, checkpoint, current_token


def test_without_a_token_a_checkpoint_does_nothing() -> None:
    assert current_token() is None
    checkpoint()


def test_a_cancelled_token_stops_the_next_checkpoint_with_its_first_reason() -> None:
    token = CancelToken()
    with cancellable(token):
        checkpoint()
        token.cancel("disconnected")
        token.cancel("shutdown")
        with pytest.raises(Cancelled, match="disconnected"):
            checkpoint()
    assert current_token() is None
    assert token.reason == "disconnected"


def test_a_passed_deadline_stops_a_checkpoint() -> None:
    token = CancelToken(deadline=time.monotonic() - 1)
    assert token.cancelled and token.reason == "deadline"
    with cancellable(token), pytest.raises(Cancelled, match="deadline"):
        checkpoint()


def test_a_token_is_per_thread_and_cancellable_from_another() -> None:
    token = CancelToken()
    seen: list[str] = []

    def loop() -> None:
        with cancellable(token):
            try:
                while True:
                    checkpoint()
                    time.sleep(0.001)
            except Cancelled as exc:
                seen.append(exc.reason)

    worker = threading.Thread(target=loop)
    worker.start()
    assert current_token() is None  # installed in the worker's context only
    token.cancel("caller left")
    worker.join(5)
    assert seen == ["caller left"]
