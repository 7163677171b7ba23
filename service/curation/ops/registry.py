"""Every operation the service answers, collected from the family modules."""

from __future__ import annotations

from typing import Any

from curation.ops import admin, classification, detection, embeddings, labeling, sampling
from curation.ops.operation_spec import OperationSpec

__all__ = ["all_specs"]


def all_specs() -> list[OperationSpec[Any, Any, Any]]:
    """The operation records of every family, in a stable order."""
    return [
        *classification.SPECS,
        *detection.SPECS,
        *labeling.SPECS,
        *embeddings.SPECS,
        *sampling.SPECS,
        *admin.SPECS,
    ]
