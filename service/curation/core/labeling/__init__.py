"""Labeling functions and label models."""

from curation.core.labeling import _kernels

__all__ = ["warm_up"]


def warm_up() -> None:
    """Compile (or load from the disk cache) the label-model kernels."""
    _kernels.warm_up()
