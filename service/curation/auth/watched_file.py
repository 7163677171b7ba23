"""A file read again when it changes, looked at no more than once per interval (keys files, JWKS files).

Kubernetes updates a mounted Secret by swapping a symlink: ``os.stat`` follows it, so the new target's
inode and mtime show the change. A file that fails to load (half written, say) keeps the last good
contents and is tried again at the next look.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["WatchedFile"]

T = TypeVar("T")

log = logging.getLogger("curation.auth")


class WatchedFile(Generic[T]):
    """``current()`` is ``load(path)``'s result, reloaded when the file's inode, size or mtime changed
    (looked at, at most, once every ``interval`` seconds of ``clock``). The first load raises."""

    def __init__(
        self,
        path: str,
        load: Callable[[str], T],
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._load = load
        self._interval = interval
        self._clock = clock
        self._signature = self._stat()
        self._value = load(path)
        self._checked = clock()

    def _stat(self) -> tuple[int, int, int]:
        st = os.stat(self.path)
        return st.st_ino, st.st_size, st.st_mtime_ns

    def current(self) -> T:
        now = self._clock()
        if now - self._checked >= self._interval:
            self._checked = now
            self._reload()
        return self._value

    def _reload(self) -> None:
        try:
            signature = self._stat()
            if signature == self._signature:
                return
            self._value = self._load(self.path)
        except (OSError, ValueError) as exc:
            # The message names the file and the entry, never a secret (loaders do not print values).
            log.error("kept the previous contents of a file that failed to reload", extra={"error": str(exc)})
            return
        self._signature = signature
        log.info("reloaded", extra={"file": self.path})
