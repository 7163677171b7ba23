"""numba, imported once its on-disk cache has a writable home (seeded from a shipped cache when one is named).

Kernels compile with ``cache=True``. numba reads ``NUMBA_CACHE_DIR`` when it is imported; when that is
unset and the package directory is read-only (a container with a read-only root file system), the cache
goes to ``$TMPDIR/curation-numba``. Every kernel module imports numba from here, never directly, so the
set-up happens before numba's first import whichever family loads first.

``CURATION_KERNEL_CACHE`` names a directory of kernels compiled ahead (``curation-warm --into DIR`` at
image build time). numba cannot load from a directory it cannot write (its locators skip one that fails a
write test, and a cache miss writes), so the shipped files are copied into the writable cache directory,
each file that is not there yet, atomically (compute processes import this concurrently): about 2 MB, a
few milliseconds. numba keys each entry by the source's content hash, the bytecode, the signature and the
CPU (name + features): a shipped cache only hits where the image sets the same ``NUMBA_CPU_NAME`` as the
build did (``generic`` in ours, see the Dockerfile); anything else misses and compiles, as before.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

__all__ = ["KERNEL_CACHE_ENV", "numba", "seed_cache"]

KERNEL_CACHE_ENV = "CURATION_KERNEL_CACHE"


def _ensure_cache_dir() -> None:
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    here = os.path.dirname(os.path.abspath(__file__))
    if os.environ.get(KERNEL_CACHE_ENV) or not os.access(here, os.W_OK):
        os.environ["NUMBA_CACHE_DIR"] = os.path.join(tempfile.gettempdir(), "curation-numba")
        if "numba" in sys.modules:  # imported earlier by someone else: make it read the variable again
            sys.modules["numba"].core.config.reload_config()


def seed_cache(shipped: str, into: str) -> int:
    """Copy every file of ``shipped`` missing from ``into`` (same relative paths); the number copied.

    Each file is written under a temporary name and renamed, so a process reading ``into`` meanwhile
    sees a file whole or not at all. A missing ``shipped`` directory copies nothing.
    """
    copied = 0
    for top, _dirs, files in os.walk(shipped):
        target = os.path.join(into, os.path.relpath(top, shipped))
        for name in files:
            dest = os.path.join(target, name)
            if os.path.exists(dest):
                continue
            os.makedirs(target, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target, prefix=f".{name}.")
            os.close(fd)
            try:
                shutil.copyfile(os.path.join(top, name), tmp)
                os.replace(tmp, dest)
            except BaseException:
                os.unlink(tmp)
                raise
            copied += 1
    return copied


_ensure_cache_dir()
if os.environ.get(KERNEL_CACHE_ENV):
    seed_cache(os.environ[KERNEL_CACHE_ENV], os.environ["NUMBA_CACHE_DIR"])

import numba  # noqa: E402
