"""Why each asset was picked, in plain words: the strategy, what its score means and, under the adaptive
default, the regime it detected (``SelectedAsset.reason``)."""

from __future__ import annotations

import math

from curation.core.sampling import DefaultChoice, Strategy

__all__ = ["pick_reason", "regime_note"]

_MEASURE = {
    "margin": "margin uncertainty (1 - gap between the two most probable classes)",
    "least_confidence": "least confidence (1 - top probability)",
    "entropy": "entropy of the class probabilities",
}


def pick_reason(strategy: Strategy | None, score: float, distance: float) -> str:
    """One pick's reason from its strategy (None = the random fill of a shortfall) and score."""
    if strategy is None:
        return "random fill: the strategies found fewer candidates than their quotas"
    kind = strategy.kind
    if kind == "uncertainty":
        return f"{_MEASURE.get(strategy.measure, strategy.measure)} {score:.4g}"
    if kind == "typicality":
        return f"typicality {score:.4g}: the most typical asset of the least covered cluster"
    if kind == "diversity":
        if math.isfinite(distance):
            return f"k-center: {distance:.4g} from the nearest labeled or selected asset"
        return "k-center: the first center (nothing labeled or selected yet)"
    if kind == "random":
        return f"random: seeded draw {score:.4g}"
    if kind == "stratified":
        return "stratified: equal or proportional share of its stratum, random within it"
    if kind == "lf_targeted":
        return f"weak label in a target class, confidence {score:.4g}"
    if kind == "rarity":
        return f"rarity: its class was {score:.4g} assets below its target count"
    if kind == "hardness":
        return f"hardness {score:.4g}"
    if kind == "detection":
        return f"image uncertainty from its boxes ({strategy.box_aggregation.replace('_', ' ')}) {score:.4g}"
    return f"{strategy.label} score {score:.4g}"


def regime_note(choice: DefaultChoice) -> str:
    """The suffix every pick of the adaptive default carries: the regime and the figure that decided it."""
    if choice.kappa is None:
        return f"; default regime {choice.regime}: {choice.reason}"
    source = "your held-out accuracy" if choice.source == "caller" else f"probe on {choice.labeled} labels"
    return f"; default regime {choice.regime}: model kappa {choice.kappa:.2f} ({source})"
