"""Fixtures for the cache tests: a fake clock, a recording observer, refused and silent Redis URLs.

The real redis-server fixture (``redis_server``) lives in tests/conftest.py, shared with the service tests.
"""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Iterator

import pytest


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeClock:
    """A monotonic clock that only moves when told to."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class RecordingObserver:
    """A CacheObserver that counts every event, for assertions."""

    def __init__(self) -> None:
        self.events: Counter[str] = Counter()

    def on_hit(self, backend: str) -> None:
        self.events[f"{backend}:hit"] += 1

    def on_miss(self, backend: str) -> None:
        self.events[f"{backend}:miss"] += 1

    def on_error(self, backend: str, kind: str) -> None:
        self.events[f"{backend}:error:{kind}"] += 1

    def on_store(self, backend: str) -> None:
        self.events[f"{backend}:store"] += 1

    def on_reject_oversize(self, backend: str) -> None:
        self.events[f"{backend}:oversize"] += 1

    def errors(self) -> int:
        return sum(n for k, n in self.events.items() if ":error:" in k)


@pytest.fixture
def observer() -> RecordingObserver:
    return RecordingObserver()


@pytest.fixture
def refused_url() -> str:
    """A Redis URL on a port where nothing listens (connections are refused at once)."""
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A Redis URL on a socket that listens but never accepts: TCP connects, nothing ever answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        yield f"redis://127.0.0.1:{s.getsockname()[1]}/0"
