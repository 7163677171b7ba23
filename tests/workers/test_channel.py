"""Framed messages over a duplex pipe (``curation.workers.channel``): headers and frames of any size,
empty ones included, arrive whole and in order; a pipe closed mid-frame is the other end gone."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading

import pytest

from curation.workers.channel import Channel


def _pair() -> tuple[Channel, Channel]:
    a, b = multiprocessing.Pipe(duplex=True)
    return Channel(a), Channel(b)


def test_frames_of_every_size_arrive_whole_and_in_order() -> None:
    left, right = _pair()
    big = os.urandom(3 * 1024 * 1024 + 7)  # far over the socket's buffer: the reader must wait for it all
    messages = [
        (("call", 1), [big, b"", b"x"]),
        (("done", 2), []),
        (("reply", 3, True, "frame"), [big[:100]]),
    ]

    def send() -> None:
        for header, frames in messages:
            left.send(header, frames)

    sender = threading.Thread(target=send)
    sender.start()
    received = [right.recv() for _ in messages]
    sender.join()
    assert received == [(header, frames) for header, frames in messages]
    assert all(type(frame) is bytes for _, frames in received for frame in frames)
    left.close()
    right.close()


def test_a_pipe_closed_inside_a_frame_is_the_other_end_gone() -> None:
    left, right = _pair()
    left.conn.send_bytes(pickle.dumps(("call", 1, (10,))))  # a header announcing a 10-byte frame...
    assert left._sock is not None
    left._sock.sendall(b"abc")  # ... of which 3 bytes come before the pipe closes
    left.close()
    with pytest.raises((EOFError, OSError)):
        right.recv()
    right.close()
