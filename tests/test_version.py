"""The version is written once (``curation.__version__``); everything that states it follows."""

from __future__ import annotations

import tomllib
from pathlib import Path

import curation
import curation_client

ROOT = Path(__file__).resolve().parents[1]


def test_the_packages_read_their_version_from_the_code() -> None:
    service = tomllib.loads((ROOT / "pyproject.toml").read_text())
    client = tomllib.loads((ROOT / "clients/python/pyproject.toml").read_text())
    assert "version" not in service["project"] and "version" in service["project"]["dynamic"]
    assert service["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "curation.__version__"}
    assert "version" not in client["project"] and "version" in client["project"]["dynamic"]
    assert client["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "curation_client.__version__"}


def test_the_client_and_the_chart_follow_the_service() -> None:
    assert curation_client.__version__ == curation.__version__
    assert f'appVersion: "{curation.__version__}"' in (ROOT / "helm/curation-service/Chart.yaml").read_text()


def test_the_changelog_names_the_version() -> None:
    assert f"## [{curation.__version__}]" in (ROOT / "CHANGELOG.md").read_text()
