"""The label-savings statistics: crossing of a target accuracy, saving, its bootstrap range, AULC.

- **needed**: the labels at which a curve first reaches a target, linearly interpolated between the two
  rounds around the crossing (the budget when it never does);
- **saving**: ``1 - needed / budget`` on the seed-averaged curve, the target being random's final
  accuracy on its seed-averaged curve; the range re-draws the seeds (paired across strategies) 1,000
  times and reports the 2.5th and 97.5th percentiles;
- **per-seed saving**: the same on each seed's own curve against that seed's random final accuracy;
- **AULC**: the mean accuracy over the label range (trapezoid), reported as a difference to random in
  accuracy points, with the paired standard error over seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Row", "aulc", "needed", "summarize"]

BOOTSTRAP = 1000


def needed(counts: np.ndarray, acc: np.ndarray, target: float) -> float:
    """Labels at which ``acc`` (over ``counts``) first reaches ``target``, interpolated."""
    hit = np.flatnonzero(acc >= target - 1e-12)
    if hit.size == 0:
        return float(counts[-1])
    i = int(hit[0])
    if i == 0:
        return float(counts[0])
    a0, a1 = acc[i - 1], acc[i]
    frac = (target - a0) / (a1 - a0) if a1 > a0 else 1.0
    return float(counts[i - 1] + frac * (counts[i] - counts[i - 1]))


def aulc(counts: np.ndarray, acc: np.ndarray) -> np.ndarray:
    """Mean accuracy over the label range per seed (rows of ``acc``)."""
    out: np.ndarray = np.trapezoid(acc, counts, axis=-1) / (counts[-1] - counts[0])
    return out


def _saving(counts: np.ndarray, acc: np.ndarray, rnd: np.ndarray) -> float:
    target = float(rnd[:, -1].mean())
    return 1.0 - needed(counts, acc.mean(axis=0), target) / float(counts[-1])


@dataclass(frozen=True)
class Row:
    """One strategy's figures in one setting."""

    name: str
    saving: float
    saving_low: float
    saving_high: float
    per_seed_mean: float
    per_seed_sd: float
    daulc_points: float
    daulc_se: float
    final: float


def summarize(name: str, counts: np.ndarray, acc: np.ndarray, rnd: np.ndarray, seed: int = 0) -> Row:
    """The figures of one strategy (``acc``: seeds x rounds) against random (``rnd``, same seeds)."""
    rng = np.random.default_rng(seed)
    s = acc.shape[0]
    draws = rng.integers(0, s, size=(BOOTSTRAP, s))
    boot = np.array([_saving(counts, acc[d], rnd[d]) for d in draws])
    per_seed = np.array(
        [1.0 - needed(counts, acc[i], float(rnd[i, -1])) / float(counts[-1]) for i in range(s)]
    )
    diff = (aulc(counts, acc) - aulc(counts, rnd)) * 100.0
    return Row(
        name=name,
        saving=_saving(counts, acc, rnd),
        saving_low=float(np.percentile(boot, 2.5)),
        saving_high=float(np.percentile(boot, 97.5)),
        per_seed_mean=float(per_seed.mean()),
        per_seed_sd=float(per_seed.std(ddof=1)) if s > 1 else 0.0,
        daulc_points=float(diff.mean()),
        daulc_se=float(diff.std(ddof=1) / np.sqrt(s)) if s > 1 else 0.0,
        final=float(acc[:, -1].mean()),
    )
