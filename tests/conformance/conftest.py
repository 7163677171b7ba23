"""Conformance suites: the concrete cases of the peers' own test suites, run through the service.

Every test function in a suite module is one case of the peer's suite unless its name starts with
``test_suite_`` (a check of the suite itself). A module names its suite in ``SUITE`` and lists the cases
the service cannot express in ``INEXPRESSIBLE`` (case -> reason); the terminal summary prints, per suite,
cases tried / equal / different / inexpressible, so the list that should shrink is in plain sight.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.conformance.calls import Seam, Served, seam_in_thread, served_server

_TALLY: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
_INEXPRESSIBLE: dict[str, int] = {}


def _suite_of(item: pytest.Item) -> str | None:
    module = getattr(item, "module", None)
    return getattr(module, "SUITE", None) if isinstance(module, ModuleType) else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        suite = _suite_of(item)
        if suite is not None and isinstance(module, ModuleType):
            _INEXPRESSIBLE[suite] = len(getattr(module, "INEXPRESSIBLE", {}))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    suite = _suite_of(item)
    if suite is None or item.name.startswith("test_suite_"):
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _TALLY[suite]["equal" if report.passed else "different"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _INEXPRESSIBLE:
        return
    terminalreporter.section("conformance")
    for suite in sorted(_INEXPRESSIBLE):
        equal, different = _TALLY[suite]["equal"], _TALLY[suite]["different"]
        inexpressible = _INEXPRESSIBLE[suite]
        tried = equal + different + inexpressible
        terminalreporter.write_line(
            f"{suite}: tried {tried}, equal {equal}, different {different}, inexpressible {inexpressible}"
        )


@pytest.fixture(scope="session")
def seam() -> Iterator[Seam]:
    """The ops seam of an in-process runtime (computing in threads), callable from sync tests."""
    with seam_in_thread() as s:
        yield s


@pytest.fixture(scope="session")
def served() -> Iterator[Served]:
    """A real ``python -m curation`` (one compute process) and a gRPC channel and HTTP client to it."""
    with served_server() as s:
        yield s
