"""``curation-warm`` (``python -m curation.warm``): compile every numba kernel ahead of the first start.

A process that finds no compiled kernel in numba's on-disk cache spends about 15 s of CPU compiling them
before it reports SERVING. This runs every operation family's warm-up hook (each kernel with the
argument types requests use, the same hooks a server runs at start) once where the service is
installed -- ``make install``, the image's builder stage -- so that every later start loads them from the
cache in a fraction of a second. The cache goes where numba puts it: ``NUMBA_CACHE_DIR`` when set (the
image ships that directory, see ``curation.core._common.jit``), else beside the sources.

``--check`` exits 1 when anything had to be compiled, i.e. the cache was not warm for this CPU (the
image's build runs it in the runtime stage, against the shipped cache). Prints one JSON document: the
cache directory, the CPU numba compiles for, and per kernel its signatures, how many of them were
loaded from the cache and how many compiled.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from typing import Any

import llvmlite.binding as llvm
import numba
from numba.core.dispatcher import Dispatcher

from curation.ops.registry import all_specs

__all__ = ["Kernel", "kernels", "main", "warm"]


@dataclass(frozen=True)
class Kernel:
    """What one kernel's dispatcher did in this process."""

    name: str
    signatures: int
    loaded: int
    compiled: int


def kernels() -> dict[str, Dispatcher]:
    """Every numba kernel defined in the imported modules of ``curation.core``, by qualified name."""
    found: dict[str, Dispatcher] = {}
    for name, module in sorted(sys.modules.items()):
        if not name.startswith("curation.core.") or module is None:
            continue
        for value in vars(module).values():
            if isinstance(value, Dispatcher) and value.py_func.__module__ == name:
                found[f"{name}.{value.py_func.__qualname__}"] = value
    return found


def warm() -> list[Kernel]:
    """Run every operation's warm-up hook once; what each kernel loaded and compiled."""
    for hook in dict.fromkeys(spec.warm_up for spec in all_specs() if spec.warm_up is not None):
        hook()
    return [
        Kernel(
            name,
            len(d.signatures),
            sum(d.stats.cache_hits.values()),
            sum(d.stats.cache_misses.values()),
        )
        for name, d in kernels().items()
    ]


def _cpu() -> str:
    """The CPU name numba compiles for (part of every cache entry's key)."""
    name = getattr(numba.config, "CPU_NAME", None)  # numba's config attributes are set at run time
    return str(name) if name else str(llvm.get_host_cpu_name())


def main(argv: list[str] | None = None) -> int:
    """Warm, print the report; 1 under ``--check`` when a kernel had to be compiled."""
    parser = argparse.ArgumentParser(prog="curation-warm", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail when anything had to be compiled")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report = warm()
    compiled = sum(k.compiled for k in report)
    doc: dict[str, Any] = {
        "cache_dir": getattr(numba.config, "CACHE_DIR", "") or "beside the sources (__pycache__)",
        "cpu": _cpu(),
        "seconds": round(time.perf_counter() - started, 3),
        "kernels": len(report),
        "loaded": sum(k.loaded for k in report),
        "compiled": compiled,
        "per_kernel": {
            k.name: {"signatures": k.signatures, "loaded": k.loaded, "compiled": k.compiled} for k in report
        },
    }
    print(json.dumps(doc))
    if args.check and compiled:
        print(f"curation-warm: {compiled} kernel signature(s) were not in the cache", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
