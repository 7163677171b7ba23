"""Repository habits that tooling relies on: the pre-commit hooks run what `make check` runs."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _check_recipe() -> list[str]:
    """The commands of the Makefile's ``check`` target, with ``$(VENV)`` spelled out."""
    text = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^check:[^\n]*\n((?:\t[^\n]*\n)+)", text, re.M)
    assert recipe is not None, "the Makefile has no check target"
    return [line.strip().replace("$(VENV)", ".venv") for line in recipe.group(1).splitlines()]


def test_pre_commit_runs_the_checks_of_make_check() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    entries = [hook["entry"] for repo in config["repos"] for hook in repo["hooks"]]
    check = _check_recipe()
    for command in check:
        if command.startswith("cd clients/python"):
            assert any("cd clients/python" in e and "mypy" in e for e in entries), command
        else:
            assert any(e.startswith(command) or command.startswith(e) for e in entries), command
    prerequisites = re.search(r"^check:(.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert prerequisites is not None and "lint-proto" in prerequisites.group(1)
    assert any(e.endswith("make --no-print-directory -o install-dev lint-proto") for e in entries)  # buf lint


def test_the_readme_and_contributing_name_the_two_commands() -> None:
    for name in ("README.md", "CONTRIBUTING.md"):
        text = (ROOT / name).read_text()
        assert "make serve" in text and "make test" in text, name
