"""Cooperative cancellation: long core loops call :func:`checkpoint` between chunks of work.

The seam installs a :class:`CancelToken` for the computation it runs (:func:`cancellable`); the token is
cancelled when the caller's deadline passes, the caller disconnects or the process stops. ``checkpoint``
reads the token from a context variable, so core functions keep their signatures and stay pure: outside
the seam (tests, notebooks) no token is installed and ``checkpoint`` costs one lookup.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["CancelToken", "Cancelled", "cancellable", "checkpoint", "current_token"]


class Cancelled(Exception):
    """The computation was stopped at a checkpoint: its caller left, its deadline passed or the process
    is stopping. ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CancelToken:
    """A thread-safe flag plus an optional deadline (a ``time.monotonic()`` value)."""

    __slots__ = ("_event", "_reason", "deadline")

    def __init__(self, deadline: float | None = None) -> None:
        self._event = threading.Event()
        self._reason = ""
        self.deadline = deadline

    def cancel(self, reason: str) -> None:
        """Ask the computation to stop at its next checkpoint (the first reason given is kept)."""
        if not self._event.is_set():
            self._reason = reason
            self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or (self.deadline is not None and time.monotonic() >= self.deadline)

    @property
    def reason(self) -> str:
        if self._event.is_set():
            return self._reason
        return "deadline" if self.cancelled else ""

    def check(self) -> None:
        """Raise :class:`Cancelled` if the token is cancelled or its deadline has passed."""
        if self._event.is_set():
            raise Cancelled(self._reason)
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise Cancelled("deadline")


_TOKEN: ContextVar[CancelToken | None] = ContextVar("curation_cancel_token", default=None)


def current_token() -> CancelToken | None:
    """The token installed for the running computation, if any."""
    return _TOKEN.get()


def checkpoint() -> None:
    """Stop here (raise :class:`Cancelled`) if the running computation's token says so."""
    token = _TOKEN.get()
    if token is not None:
        token.check()


@contextmanager
def cancellable(token: CancelToken) -> Iterator[CancelToken]:
    """Install ``token`` for the code run inside (in this thread / context)."""
    reset = _TOKEN.set(token)
    try:
        yield token
    finally:
        _TOKEN.reset(reset)
