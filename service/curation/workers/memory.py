"""Giving freed memory back to the system after large requests, once they stop coming.

glibc keeps what a process freed in its arenas; after a request of hundreds of megabytes the process's
RSS would stay at that request's peak. Both the serving process (which holds request and answer bytes)
and the compute processes trim after calls whose body was large, but not at once: the trim waits until
no large call has run for ``TRIM_QUIET_SECONDS``. Trimming after every call gave each next large call
fresh pages to fault in: a 10 MB COCO request's decode, key and evaluation took ~25 ms more (served
cold calls, best of 5: 0.145 -> 0.120 s without the per-call trim).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
from collections.abc import Callable

__all__ = ["TRIM_AFTER_BYTES", "TRIM_QUIET_SECONDS", "QuietTrim", "trimmer"]

# After a call whose body was at least this large, free memory goes back to the system...
TRIM_AFTER_BYTES = 8 * 1024 * 1024
# ... once no such call has been running for this long (a stream of them keeps its pages).
TRIM_QUIET_SECONDS = 1.0


def trimmer() -> Callable[[], None]:
    """``malloc_trim(0)`` where glibc offers it (ctypes releases the GIL for the call), else nothing."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    trim.argtypes = [ctypes.c_size_t]

    def release() -> None:
        trim(0)

    return release


class QuietTrim:
    """Trims (in a thread, off the event loop) once no large call has run for ``quiet`` seconds.

    ``begin`` and ``end`` bracket each large call, on the event loop's thread; the trim is scheduled at
    each ``end`` and skipped if a large call is running when it is due (that call's ``end`` schedules
    it again)."""

    def __init__(self, trim: Callable[[], None] | None = None, quiet: float = TRIM_QUIET_SECONDS) -> None:
        self._trim = trim or trimmer()
        self.quiet = quiet
        self.running = 0
        self._due: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Future[None]] = set()

    def begin(self) -> None:
        self.running += 1

    def end(self) -> None:
        self.running -= 1
        if self._due is not None:
            self._due.cancel()
        self._due = asyncio.get_running_loop().call_later(self.quiet, self._fire)

    def _fire(self) -> None:
        self._due = None
        if self.running:
            return
        with contextlib.suppress(RuntimeError):  # the loop is shutting its executor down: no trim
            task = asyncio.get_running_loop().run_in_executor(None, self._trim)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
