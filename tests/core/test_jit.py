"""numba's on-disk cache finds a writable home before numba is first imported."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = """
import os, sys
os.environ.pop("NUMBA_CACHE_DIR", None)
os.access = lambda *args, **kwargs: False  # the package directory is read-only, as in the container
import curation.core._common.jit  # noqa: F401
import numba
print(os.environ.get("NUMBA_CACHE_DIR", ""))
print(numba.config.CACHE_DIR)
print("numba" in sys.modules)
"""


def _probe(env: dict[str, str], probe: str = PROBE) -> list[str]:
    """What a fresh interpreter reports after importing the set-up and numba."""
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.splitlines()


def test_a_read_only_package_puts_the_cache_under_the_temporary_directory(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env.pop("NUMBA_CACHE_DIR", None)
    variable, numba_dir, loaded = _probe(env)
    assert variable == numba_dir == os.path.join(str(tmp_path), "curation-numba")
    assert loaded == "True"


def test_an_explicit_cache_directory_is_kept() -> None:
    chosen = os.path.join(tempfile.gettempdir(), "explicit-numba-cache")
    env = {**os.environ, "NUMBA_CACHE_DIR": chosen}
    variable, numba_dir, _ = _probe(env, PROBE.replace('os.environ.pop("NUMBA_CACHE_DIR", None)\n', ""))
    assert variable == numba_dir == chosen
