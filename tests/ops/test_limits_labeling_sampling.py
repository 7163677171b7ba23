"""Every labeling, sampling and embeddings operation at the documented maximum of each parameter, under a
hard memory limit: answered (or refused as over the per-request budget), never a MemoryError, a crash
or a hang; one past the maximum is refused with LimitExceeded naming the field.

The cases are in ``tests.ops.limits_cases``; each family runs in one child process (start-up is slow)
with ``RLIMIT_AS`` set, and every case is reported here on its own. Removing a maximum makes its
"+ 1" case answer (or fail otherwise) instead of naming the field, so this test fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.ops.limits_cases import ADDRESS_SPACE_LIMIT, CASE_BUDGET, FAMILIES, Case

ROOT = Path(__file__).resolve().parents[2]
# Threads of BLAS / OpenMP / numba each map their own stacks and arenas: one of each, as in a worker.
ONE_THREAD = {
    name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
}
_RESULTS: dict[str, dict[str, Any]] = {}


def run_family(family: str) -> dict[str, Any]:
    """The child's report for ``family``: its baseline address space and one result per case."""
    if family not in _RESULTS:
        env = {**os.environ, **ONE_THREAD, "PYTHONWARNINGS": "ignore"}
        child = subprocess.run(
            [sys.executable, "-m", "tests.ops.limits_cases", family],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1500,
            check=False,
        )
        lines = [json.loads(line) for line in child.stdout.splitlines() if line.startswith("{")]
        report: dict[str, Any] = {"returncode": child.returncode, "stderr": child.stderr[-2000:], "cases": {}}
        for line in lines:
            if "baseline" in line:
                report["baseline"] = line["baseline"]
            else:
                report["cases"][line["case"]] = line
        _RESULTS[family] = report
    return _RESULTS[family]


PARAMS = [
    pytest.param(family, case, id=f"{family}: {case.name}")
    for family, cases in FAMILIES.items()
    for case in cases()
]


@pytest.mark.parametrize(("family", "case"), PARAMS)
def test_parameter_at_and_over_its_maximum(family: str, case: Case) -> None:
    report = run_family(family)
    result = report["cases"].get(case.name)
    assert result is not None, (
        f"the child stopped before this case (exit {report['returncode']}): {report['stderr']}"
    )
    if case.refused:
        assert result["outcome"] == "limit_exceeded", result
        assert result["field"].startswith(case.refused), result
        assert "maximum" in result["message"], result
    else:
        over_budget = result["outcome"] == "limit_exceeded" and result["field"] == "request"
        assert result["outcome"] == "answered" or over_budget, result


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_the_memory_limit_leaves_one_request_budget(family: str) -> None:
    """The limit proves the point: the imported service plus one request's budget fits, nothing more."""
    report = run_family(family)
    assert report["returncode"] == 0, report["stderr"]
    assert report["baseline"] + CASE_BUDGET <= ADDRESS_SPACE_LIMIT
    assert report["baseline"] + 2 * CASE_BUDGET > ADDRESS_SPACE_LIMIT
