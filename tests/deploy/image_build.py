"""The image's kernel steps reproduced without a Docker engine: a fresh virtualenv, ``pip install
--no-deps .`` and ``curation-warm`` into the directory the Dockerfile ships, with the Dockerfile's own values.

The dependencies are not downloaded again: a ``.pth`` file points the new venv at the shared venv's
site-packages (after its own, so the package installed here wins). The source path of the installed
package differs from the image's ``/opt/venv/...``, but it is the same path at build and at run time, as
in the image -- numba keys its cache directory by that path and each entry by the source's content hash.
Used by ``tests/deploy/test_kernel_cache.py`` and ``bench/cold_start.py``.
"""

from __future__ import annotations

import json
import os
import re
import site
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"

__all__ = ["Image", "clean_env", "dockerfile_kernel_settings", "reproduce"]


def dockerfile_kernel_settings(text: str | None = None) -> dict[str, str]:
    """What the Dockerfile sets for the kernels: the builder's ``NUMBA_CPU_NAME`` and the cache directory
    its ``curation-warm`` writes (``cpu``, ``shipped``), and the runtime's ``CURATION_KERNEL_CACHE``,
    ``NUMBA_CACHE_DIR`` and ``NUMBA_CPU_NAME`` (``runtime_*``)."""
    text = DOCKERFILE.read_text() if text is None else text
    _, builder, runtime = re.split(r"^FROM ", text, maxsplit=2, flags=re.MULTILINE)
    warm = re.search(r"NUMBA_CACHE_DIR=(\S+) curation-warm(?!\s+--check)", builder)
    out = {
        "cpu": _env(builder, "NUMBA_CPU_NAME"),
        "shipped": warm.group(1) if warm else "",
        "runtime_shipped": _env(runtime, "CURATION_KERNEL_CACHE"),
        "runtime_cache": _env(runtime, "NUMBA_CACHE_DIR"),
        "runtime_cpu": _env(runtime, "NUMBA_CPU_NAME"),
    }
    return out


def _env(stage: str, name: str) -> str:
    found = re.findall(rf"^ENV\b[^\n]*(?:\\\n[^\n]*)*?\b{name}=(\S+)", stage, flags=re.MULTILINE)
    return found[-1].strip('"') if found else ""


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without what would make another tree's code or cache win (PYTHONPATH, numba's)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("NUMBA_")}
    env.pop("CURATION_KERNEL_CACHE", None)
    env.update(extra)
    return env


@dataclass(frozen=True)
class Image:
    """A reproduced image: its venv, the shipped kernel directory, the CPU name, the warm step's report."""

    venv: Path
    shipped: Path
    cpu: str
    warm_report: dict[str, Any]

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def runtime_env(self, cache_dir: Path, **extra: str) -> dict[str, str]:
        """The runtime stage's kernel environment, with ``cache_dir`` as the writable emptyDir."""
        base = {"CURATION_KERNEL_CACHE": str(self.shipped), "NUMBA_CACHE_DIR": str(cache_dir)}
        return clean_env(**{**base, "NUMBA_CPU_NAME": self.cpu, **extra})


def reproduce(into: Path) -> Image:
    """Build the venv the image's builder stage builds (kernel steps included) under ``into``."""
    settings = dockerfile_kernel_settings()
    venv = into / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = Path(
        sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)})  # the new venv's
    )
    (purelib / "_shared_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    env = clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1")
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet"]
    flags = ["--no-deps", "--no-build-isolation", "--no-cache-dir"]
    subprocess.run([*pip, *flags, str(ROOT)], check=True, env=env, cwd=into)
    shipped = venv / settings["shipped"].removeprefix("/opt/venv/")
    warm = subprocess.run(
        [str(venv / "bin" / "curation-warm")],
        check=True,
        capture_output=True,
        text=True,
        env=clean_env(NUMBA_CACHE_DIR=str(shipped), NUMBA_CPU_NAME=settings["cpu"]),
        cwd=into,
    )
    return Image(venv, shipped, settings["cpu"], json.loads(warm.stdout))
