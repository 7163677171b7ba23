"""Framed messages over a ``multiprocessing`` pipe: a small pickled header plus raw byte frames.

Large bodies (a request, an answer, a cache value) travel as frames of their own: ``send_bytes`` writes
them straight from the ``bytes`` object and the receiving thread reads them without the serving
process's event loop ever copying or pickling them. Both ends are this package's own processes, so the
headers are trusted.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["Channel", "Header", "pack", "unpack"]

# ("call", id, ...), ("done", id), ... : the first element names the message, the last is the frame count.
Header = tuple[Any, ...]


class Channel:
    """One end of a duplex pipe; ``send`` may be called from several threads, ``recv`` from one."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._lock = threading.Lock()

    def send(self, header: Header, frames: Sequence[bytes] = ()) -> None:
        """Send ``header`` and its frames as one message (atomically with respect to other senders)."""
        data = pickle.dumps((*header, len(frames)), protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self.conn.send_bytes(data)
            for frame in frames:
                self.conn.send_bytes(frame)

    def recv(self) -> tuple[Header, list[bytes]]:
        """The next message; ``EOFError`` / ``OSError`` when the other end is gone."""
        *header, count = pickle.loads(self.conn.recv_bytes())
        frames = [self.conn.recv_bytes() for _ in range(count)]
        return tuple(header), frames

    def close(self) -> None:
        self.conn.close()


def pack(value: Any) -> tuple[Any, list[bytes]]:
    """A reply value as (header part, frames): bytes and lists of optional bytes travel as frames."""
    if isinstance(value, bytes):
        return "frame", [value]
    if isinstance(value, list) and all(v is None or isinstance(v, bytes) for v in value):
        return ("list", [v is not None for v in value]), [v for v in value if v is not None]
    return value, []


def unpack(value: Any, frames: list[bytes]) -> Any:
    """The inverse of :func:`pack`."""
    if value == "frame":
        return frames[0]
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "list":
        it = iter(frames)
        return [next(it) if present else None for present in value[1]]
    return value
