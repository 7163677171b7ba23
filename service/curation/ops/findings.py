"""Findings become ``curation.v1.Warning`` messages here, and only here."""

from __future__ import annotations

from collections.abc import Iterable

from curation.core import Finding
from curation.v1 import common_pb2

__all__ = ["to_warning", "to_warnings", "warning"]


def warning(code: str, message: str, field: str = "") -> common_pb2.Warning:
    """A warning the seam itself reports (about the request rather than the data)."""
    return common_pb2.Warning(code=code, message=message, field=field)


def to_warning(finding: Finding) -> common_pb2.Warning:
    """The warning of a core ``Finding``."""
    return warning(finding.code, finding.message, finding.field)


def to_warnings(findings: Iterable[Finding]) -> list[common_pb2.Warning]:
    """The warnings of core findings, in order."""
    return [to_warning(f) for f in findings]
