"""Framed messages over a ``multiprocessing`` pipe: a small pickled header plus raw byte frames.

Large bodies (a request, an answer, a cache value) travel as frames of their own, their sizes in the
header: the sender writes them straight from the ``bytes`` object and the receiving thread reads each
into one ``bytes`` object of its size (``recv`` with ``MSG_WAITALL`` on the duplex pipe's socket), so
neither end copies or pickles them. ``Connection.recv_bytes`` instead read a 10 MB frame in pipe-sized
chunks into a growing buffer (a fresh 10 MB allocation per chunk, then copies). Both ends are this
package's own processes, so the headers are trusted.
"""

from __future__ import annotations

import os
import pickle
import socket
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
        self._sock = _socket_of(conn)

    def send(self, header: Header, frames: Sequence[bytes] = ()) -> None:
        """Send ``header`` and its frames as one message (atomically with respect to other senders)."""
        sizes = tuple(len(frame) for frame in frames)
        data = pickle.dumps((*header, sizes), protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self.conn.send_bytes(data)
            for frame in frames:
                if self._sock is None:
                    self.conn.send_bytes(frame)
                elif frame:
                    self._sock.sendall(frame)

    def recv(self) -> tuple[Header, list[bytes]]:
        """The next message; ``EOFError`` / ``OSError`` when the other end is gone."""
        *header, sizes = pickle.loads(self.conn.recv_bytes())
        if self._sock is None:
            return tuple(header), [self.conn.recv_bytes() for _ in sizes]
        return tuple(header), [self._frame(size) for size in sizes]

    def _frame(self, size: int) -> bytes:
        """``size`` bytes from the socket, read into one object (a short read only on a signal)."""
        assert self._sock is not None
        data = self._sock.recv(size, socket.MSG_WAITALL)
        if len(data) == size:
            return data
        parts = [data]
        got = len(data)
        while got < size:
            part = self._sock.recv(size - got, socket.MSG_WAITALL)
            if not part:
                raise EOFError("the other end closed the pipe inside a frame")
            parts.append(part)
            got += len(part)
        return b"".join(parts)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self.conn.close()

    def __del__(self) -> None:
        # As ``Connection`` does: a channel dropped unclosed (its process died) closes its descriptor.
        if self._sock is not None:
            self._sock.close()


def _socket_of(conn: Connection) -> socket.socket | None:
    """A socket over (a duplicate of) ``conn``'s descriptor when it is a stream socket (a duplex
    ``multiprocessing.Pipe`` on POSIX), else None (frames then use the connection's own framing)."""
    try:
        fd = os.dup(conn.fileno())
    except OSError:
        return None
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        os.close(fd)
        return None
    if sock.family != socket.AF_UNIX or sock.type != socket.SOCK_STREAM:
        sock.detach()
        os.close(fd)
        return None
    return sock


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
