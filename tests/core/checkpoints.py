"""Shared checks of the core's cancellation checkpoints (used by each family's test_cancellation).

* :func:`assert_stops_when_cancelled` runs a computation under a token that another thread cancels at
  the computation's second checkpoint, and checks it stops at the next one (``Cancelled`` raised, no
  further checkpoint), where a full run passes more checkpoints.
* :func:`assert_stops_at_deadline` checks a token whose deadline has passed stops a run at once.
* :func:`count_checkpoints` runs a computation under a never-cancelled token and counts checkpoints.
* :func:`assert_same` compares two results field by field (arrays exactly, NaN equal to NaN).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

from curation.core import Cancelled, CancelToken, cancellable


class CountingToken(CancelToken):
    """A never-cancelled token that counts the checkpoints passed."""

    def __init__(self, deadline: float | None = None) -> None:
        super().__init__(deadline)
        self.calls = 0

    def check(self) -> None:
        self.calls += 1
        super().check()


class CancelledByAnotherThread(CountingToken):
    """At checkpoint ``at`` it asks another thread to cancel it and waits until that thread has,
    so the cancel deterministically lands between two checkpoints of the computation."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at
        self._ask = threading.Event()
        self._done = threading.Event()
        self._canceller = threading.Thread(target=self._cancel_when_asked, daemon=True)
        self._canceller.start()

    def _cancel_when_asked(self) -> None:
        if self._ask.wait(30):
            self.cancel("caller left")
            self._done.set()

    def check(self) -> None:
        if self.calls + 1 == self.at:
            self._ask.set()
            assert self._done.wait(30), "the cancelling thread did not run"
        super().check()

    def stop(self) -> None:
        """Release the cancelling thread when the computation never reached checkpoint ``at``."""
        self._ask.set()
        self._canceller.join(30)


def count_checkpoints(run: Callable[[], Any]) -> tuple[Any, int]:
    """``run()``'s result under a never-cancelled token, and how many checkpoints it passed."""
    token = CountingToken()
    with cancellable(token):
        result = run()
    return result, token.calls


def assert_stops_when_cancelled(run: Callable[[], Any]) -> None:
    """A run cancelled from another thread at its second checkpoint raises ``Cancelled`` at that very
    checkpoint, while an uncancelled run passes more than two."""
    _, full = count_checkpoints(run)
    assert full > 2, f"only {full} checkpoints in a mid-size run"
    token = CancelledByAnotherThread(at=2)
    try:
        with cancellable(token), pytest.raises(Cancelled, match="caller left"):
            run()
    finally:
        token.stop()
    assert token.calls == 2, "the computation went on past a checkpoint after it was cancelled"


def assert_stops_at_deadline(run: Callable[[], Any]) -> None:
    """A token whose deadline has passed stops the run at its first checkpoint."""
    token = CountingToken(deadline=time.monotonic() - 1.0)
    with cancellable(token), pytest.raises(Cancelled, match="deadline"):
        run()
    assert token.calls == 1


def assert_same(a: Any, b: Any, where: str = "result") -> None:
    """``a`` and ``b`` hold the same values: dataclasses, mappings and sequences element by element,
    arrays with ``np.array_equal`` (same dtype and shape, NaN equal to NaN), floats exactly."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, where
        nan = a.dtype.kind in "fc"
        assert np.array_equal(a, b, equal_nan=nan), where
    elif isinstance(a, Mapping):
        assert isinstance(b, Mapping) and list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), where
    else:
        assert a == b, where
