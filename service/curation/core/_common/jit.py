"""numba, imported once its on-disk cache has a writable home.

Kernels compile with ``cache=True``. numba reads ``NUMBA_CACHE_DIR`` when it is imported; when that is
unset and the package directory is read-only (a container with a read-only root file system), the cache
goes to ``$TMPDIR/curation-numba``. Every kernel module imports numba from here, never directly, so the
set-up happens before numba's first import whichever family loads first.
"""

from __future__ import annotations

import os
import sys
import tempfile

__all__ = ["numba"]


def _ensure_cache_dir() -> None:
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    here = os.path.dirname(os.path.abspath(__file__))
    if not os.access(here, os.W_OK):
        os.environ["NUMBA_CACHE_DIR"] = os.path.join(tempfile.gettempdir(), "curation-numba")
        if "numba" in sys.modules:  # imported earlier by someone else: make it read the variable again
            sys.modules["numba"].core.config.reload_config()


_ensure_cache_dir()

import numba  # noqa: E402
