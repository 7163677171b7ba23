"""Every documented maximum of the diagnostics operations holds under a hard memory limit.

Each family's cases (tests/ops/limit_cases.py) run through the real seam in one subprocess whose
address space is capped at what it holds after start-up plus 3 GiB: a request at a maximum is answered
or refused with LimitExceeded (its estimate over the per-request budget), never a MemoryError or a
crash; one past a maximum is refused with LimitExceeded naming the field. Removing a maximum makes its
"over" case answer or run out of memory, and this test fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ops.limit_cases import CASES

ROOT = Path(__file__).resolve().parents[2]
Results = dict[str, dict[str, str]]


def _run_family(family: str) -> Results:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("service", "clients/python", ".")),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "tests.ops.limit_cases", family],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    results = {line["case"]: line for line in lines if "case" in line}
    results["__exit__"] = {"outcome": str(proc.returncode), "field": "", "message": proc.stderr[-2000:]}
    return results


_cache: dict[str, Results] = {}


def _results(family: str) -> Results:
    if family not in _cache:
        _cache[family] = _run_family(family)
    return _cache[family]


PARAMS = [(family, case.name) for family, cases in CASES.items() for case in cases]


@pytest.mark.parametrize(("family", "name"), PARAMS, ids=[f"{f}: {n}" for f, n in PARAMS])
def test_case_is_answered_or_refused_by_name(family: str, name: str) -> None:
    case = next(c for c in CASES[family] if c.name == name)
    results = _results(family)
    assert name in results, f"the {family} run stopped before this case: {results['__exit__']}"
    got = results[name]
    if case.field:
        assert (got["outcome"], got["field"]) == ("limit_exceeded", case.field), got
    else:
        assert got["outcome"] in {"answered", "limit_exceeded"}, got
        if got["outcome"] == "limit_exceeded":
            assert got["field"] == "request", got  # refused by the budget, not by a missing check


@pytest.mark.parametrize("family", list(CASES))
def test_run_ends_cleanly(family: str) -> None:
    assert _results(family)["__exit__"]["outcome"] == "0", _results(family)["__exit__"]["message"]
