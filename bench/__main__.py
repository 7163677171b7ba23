"""Run every benchmark script in this folder, each in its own process.

``python -m bench --smoke`` is what CI runs: a tiny run of each script so none of them can rot.
Without ``--smoke`` the scripts run at full size (minutes; not for CI).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts() -> list[Path]:
    """Every benchmark script: the modules of this folder except the package's own files."""
    return sorted(p for p in HERE.glob("*.py") if not p.name.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny runs, seconds each (CI)")
    parser.add_argument("names", nargs="*", help="run only these scripts (file stems)")
    args = parser.parse_args(argv)
    failed = []
    for script in scripts():
        if args.names and script.stem not in args.names:
            continue
        cmd = [sys.executable, "-m", f"bench.{script.stem}"] + (["--smoke"] if args.smoke else [])
        print(f"== {' '.join(cmd[1:])}", flush=True)
        started = time.perf_counter()
        code = subprocess.call(cmd, cwd=HERE.parent)
        print(f"== {script.stem}: exit {code} after {time.perf_counter() - started:.1f} s", flush=True)
        if code != 0:
            failed.append(script.stem)
    if failed:
        print(f"failed: {', '.join(failed)}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
