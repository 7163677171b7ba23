"""Giving freed memory back to the system after large requests.

glibc keeps what a process freed in its arenas; after a request of hundreds of megabytes the process's
RSS would stay at that request's peak. Both the serving process (which holds request and answer bytes)
and the compute processes trim after a call whose body was large.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

__all__ = ["TRIM_AFTER_BYTES", "trimmer"]

# After a call whose body was at least this large, free memory goes back to the system.
TRIM_AFTER_BYTES = 8 * 1024 * 1024


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
