"""The options every classification report shares (sklearn's keyword arguments), in one value."""

from __future__ import annotations

import math
from dataclasses import dataclass

from curation.core._common.arrays import IntArray
from curation.core.classification._confusion_metrics import NORMALIZATIONS

__all__ = ["MetricOptions"]


@dataclass(frozen=True, slots=True)
class MetricOptions:
    """``beta``: also report F-beta (>= 0; +inf is recall). ``zero_division``: the value of a ratio with a
    zero denominator (0, 1 or NaN); ``warn``: sklearn's "warn" (0 and a finding). ``labels``: the class
    indices averaged over (None = every class). ``pos_label``: the positive class of the binary average
    (2 classes, single-label). ``normalize``: "true", "pred", "all" or None (confusion matrix)."""

    beta: float | None = None
    zero_division: float = 0.0
    warn: bool = True
    labels: IntArray | None = None
    pos_label: int = 1
    normalize: str | None = None

    def __post_init__(self) -> None:
        if self.beta is not None and not self.beta >= 0:
            raise ValueError(f"beta must be >= 0, got {self.beta}")
        if not (self.zero_division in (0.0, 1.0) or math.isnan(self.zero_division)):
            raise ValueError(f"zero_division must be 0, 1 or NaN, got {self.zero_division}")
        if self.normalize is not None and self.normalize not in NORMALIZATIONS:
            raise ValueError(f"normalize must be one of {NORMALIZATIONS}, got {self.normalize!r}")
