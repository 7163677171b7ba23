"""The default selection: decide per request which regime the task is in, and select for that regime.

Uncertainty sampling only helps once the model is good enough for its doubt to point at informative assets;
before that (few labels, or a task the representation barely supports) it is neutral or worse than random,
while typicality selection (TypiClust: the densest asset of each uncovered cluster) gains (Hacohen et al.,
2022; measured in ``bench/label_savings.py``). The default estimates how good the model is and picks:

- **cold start** -- typicality, when there are no model scores yet, too few labels to judge the model, or
  the estimated quality ``kappa`` is at most :data:`KAPPA_LOW`;
- **uncertainty** -- margin with in-batch redundancy removal, when ``kappa`` is at least
  :data:`KAPPA_HIGH`;
- **mixed** -- in between, typicality for a share falling linearly from 1 to 0 across the band and
  margin for the rest (both with redundancy removal).

``kappa`` is accuracy rescaled so 0 is chance (the most frequent label) and 1 is perfect: from the caller's
own held-out accuracy when the request gives it, otherwise from a linear probe's leave-one-out accuracy on
the labeled assets' embeddings (:mod:`curation.core.sampling.probe`). Without embeddings the default is
margin alone (neither typicality nor redundancy removal can run); without scores and embeddings, random.
A request with detections and no per-image scores is a detection task: the detection strategy (box
entropy, plus localization disagreement when the detector made several passes; measured in
``bench/label_savings_detection.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curation.core.sampling.probe import ProbeEstimate, probe_accuracy
from curation.core.sampling.records import Dedup, Pool, Strategy
from curation.core.sampling.scores import tie_keys

__all__ = ["DEFAULT_DEDUP", "KAPPA_HIGH", "KAPPA_LOW", "DefaultChoice", "choose_default"]

# The regime boundaries on kappa (see the module docstring and bench/label_savings.py: with 0.5 as the
# upper one, digits ran the mixture in its first round often enough to lose ~1.5 points of saving).
KAPPA_LOW = 0.35
KAPPA_HIGH = 0.45
# Labels of labeled assets needed (and at least one per class) before chance is their most frequent
# label's share rather than 1 / classes, when the caller states its accuracy.
MIN_LABELS_FOR_CHANCE = 10
# In-batch redundancy removal: cosine distance under half the median nearest-neighbour distance.
DEFAULT_DEDUP = Dedup(threshold=0.5, relative=True, k=10)

_MARGIN = Strategy("uncertainty", measure="margin", name="margin")
_TYPICALITY = Strategy("typicality", name="typicality")


@dataclass(frozen=True, slots=True)
class DefaultChoice:
    """The strategies and redundancy removal the default runs, the regime it detected and why.
    ``kappa`` / ``accuracy`` / ``chance`` are the quality estimate (None when there was none);
    ``source`` says where it came from (``"probe"``, ``"caller"`` or ``""``)."""

    strategies: tuple[Strategy, ...]
    dedup: Dedup | None
    regime: str
    reason: str
    accuracy: float | None = None
    chance: float | None = None
    kappa: float | None = None
    source: str = ""
    labeled: int = 0


def choose_default(
    pool: Pool, budget: int, seed: int, *, model_accuracy: float | None = None
) -> DefaultChoice:
    """The default's strategies for ``pool`` (see the module docstring).

    >>> pool = Pool(np.array(["a", "b"]), np.zeros(2, bool), np.zeros(2, bool))
    >>> choose_default(pool, 1, 0).regime
    'random'
    """
    if pool.scores is None and pool.detections is not None:
        return _detection(pool)
    if pool.embeddings is None:
        if pool.scores is None:
            return DefaultChoice(
                (Strategy("random"),), None, "random", "no model scores or embeddings to rank by"
            )
        return DefaultChoice((_MARGIN,), None, "uncertainty", "no embeddings: margin uncertainty alone")
    if pool.scores is None:
        return DefaultChoice((_TYPICALITY,), DEFAULT_DEDUP, "cold_start", "no model scores yet")
    quality = _quality(pool, seed, model_accuracy)
    if quality is None:
        return DefaultChoice(
            (_TYPICALITY,),
            DEFAULT_DEDUP,
            "cold_start",
            "too few labeled assets with labels to judge the model",
        )
    return _by_kappa(*quality)


def _detection(pool: Pool) -> DefaultChoice:
    """Detections without class scores per image: the detection strategy (box entropy, plus localization
    disagreement when several passes are given), with redundancy removal when there are embeddings."""
    assert pool.detections is not None
    passes = pool.detections.num_samples
    aggregation = "combined" if passes > 1 else "max_entropy"
    strategy = Strategy("detection", name="detection", box_aggregation=aggregation)
    what = f"{passes} passes: box entropy + localization disagreement" if passes > 1 else "max box entropy"
    dedup = DEFAULT_DEDUP if pool.embeddings is not None else None
    return DefaultChoice((strategy,), dedup, "detection", f"detections given ({what})")


def _quality(pool: Pool, seed: int, model_accuracy: float | None) -> tuple[float, float, str, int] | None:
    """(accuracy, chance, source, labeled rows) of the model, or None when it cannot be estimated."""
    labels = pool.labels if pool.labels is not None else np.full(pool.n, -1, dtype=np.int64)
    labels = np.where(pool.labeled, labels, -1)
    if model_accuracy is not None:
        known = labels[labels >= 0]
        k = pool.scores.shape[1] if pool.scores is not None else 0
        # The most frequent label's share once there are enough labels to tell, else uniform.
        enough = known.size >= max(MIN_LABELS_FOR_CHANCE, k)
        chance = float(np.bincount(known).max() / known.size) if enough else 1.0 / max(k, 1)
        return model_accuracy, chance, "caller", int(known.size)
    assert pool.embeddings is not None
    est: ProbeEstimate | None = probe_accuracy(pool.embeddings, labels, tie_keys(pool.asset_ids, seed))
    if est is None:
        return None
    return est.accuracy, est.chance, "probe", est.rows


def _by_kappa(accuracy: float, chance: float, source: str, labeled: int) -> DefaultChoice:
    """The regime for the model quality ``kappa`` (from accuracy and chance)."""
    kappa = (accuracy - chance) / (1.0 - chance) if chance < 1.0 else 0.0
    what = (
        "your held-out accuracy"
        if source == "caller"
        else (f"a linear probe's leave-one-out accuracy on the {labeled} labeled embeddings")
    )
    facts = f"{what} {accuracy:.3f} vs {chance:.3f} by chance (kappa {kappa:.2f})"
    common = {"accuracy": accuracy, "chance": chance, "kappa": kappa, "source": source, "labeled": labeled}
    if kappa <= KAPPA_LOW:
        reason = f"model not yet reliable: {facts} <= {KAPPA_LOW}"
        return DefaultChoice((_TYPICALITY,), DEFAULT_DEDUP, "cold_start", reason, **common)  # type: ignore[arg-type]
    if kappa >= KAPPA_HIGH:
        reason = f"model reliable: {facts} >= {KAPPA_HIGH}"
        return DefaultChoice((_MARGIN,), DEFAULT_DEDUP, "uncertainty", reason, **common)  # type: ignore[arg-type]
    share = (KAPPA_HIGH - kappa) / (KAPPA_HIGH - KAPPA_LOW)
    mix = (
        Strategy("typicality", fraction=share, name="typicality"),
        Strategy("uncertainty", fraction=1.0 - share, measure="margin", name="margin"),
    )
    reason = f"model partly reliable: {facts} between {KAPPA_LOW} and {KAPPA_HIGH}; typicality {share:.0%}"
    return DefaultChoice(mix, DEFAULT_DEDUP, "mixed", reason, **common)  # type: ignore[arg-type]
