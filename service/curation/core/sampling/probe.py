"""How learnable the task is from what a selection request shows: a linear probe on the labeled embeddings.

The adaptive default (:mod:`curation.core.sampling.adaptive`) needs to know whether the model is already
good enough for its uncertainty to point at informative assets. The service never sees the caller's model,
only its probabilities, the embeddings and the labels of the labeled assets; a linear probe on those
embeddings is the standard measure of how much a representation supports the task.

The probe is one-vs-rest ridge regression on the centred embeddings (an intercept through centring), whose
leave-one-out predictions have a closed form (Allen, 1974; Rifkin & Lippert, 2007): with the hat matrix
``H = X (X'X + lam I)^-1 X'`` the held-out fit of row ``i`` is ``(f_i - h_ii y_i) / (1 - h_ii)`` (exact for
the fit on the centred data; the centring itself reads every row, a negligible difference). The accuracy
of the argmax of the held-out fits is an out-of-sample estimate from the labeled set alone. It is computed
in the dual (an ``n x n`` kernel), ``O(n^2 d + n^3)`` for ``n`` labeled rows, capped at
:data:`MAX_PROBE_ROWS` rows chosen by the seeded tie key.

``lam`` is :data:`RIDGE` times the mean squared norm of the centred rows, so the probe does not depend on
the embeddings' scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curation.core._common.arrays import F32Array, IntArray, U64Array

__all__ = ["MAX_PROBE_ROWS", "RIDGE", "ProbeEstimate", "probe_accuracy"]

# Labeled rows the probe reads at most (the smallest tie keys): n^2 d + n^3 flops, under a second here.
MAX_PROBE_ROWS = 1_000
# The ridge penalty relative to the mean squared row norm.
RIDGE = 1.0


@dataclass(frozen=True, slots=True)
class ProbeEstimate:
    """Leave-one-out accuracy of the probe on ``rows`` labeled rows; ``chance`` is the accuracy of always
    answering the most frequent label; ``kappa`` rescales accuracy so 0 is chance and 1 perfect."""

    accuracy: float
    chance: float
    rows: int
    classes: int

    @property
    def kappa(self) -> float:
        if self.chance >= 1.0:
            return 0.0
        return (self.accuracy - self.chance) / (1.0 - self.chance)


def probe_accuracy(embeddings: F32Array, labels: IntArray, keys: U64Array) -> ProbeEstimate | None:
    """The probe's leave-one-out accuracy on rows with ``labels >= 0`` (None when fewer than two classes
    or three rows are labeled).

    >>> x = np.array([[0.0, 0], [0, 1], [5, 5], [5, 6]], np.float32)
    >>> est = probe_accuracy(x, np.array([0, 0, 1, 1]), np.arange(4, dtype=np.uint64))
    >>> est.accuracy, est.chance
    (1.0, 0.5)
    """
    rows = np.flatnonzero(labels >= 0)
    if rows.size > MAX_PROBE_ROWS:
        rows = rows[np.argsort(keys[rows], kind="stable")[:MAX_PROBE_ROWS]]
    y = labels[rows]
    classes, codes = np.unique(y, return_inverse=True)
    if rows.size < 3 or classes.size < 2:
        return None
    x = embeddings[rows].astype(np.float64)
    x -= x.mean(axis=0)
    gram = x @ x.T
    lam = RIDGE * max(float(np.trace(gram)) / rows.size, 1e-12)
    hat = gram @ np.linalg.inv(gram + lam * np.eye(rows.size))
    target = np.eye(classes.size)[codes]
    target -= target.mean(axis=0)
    fit = hat @ target
    h = np.clip(np.diag(hat), None, 1.0 - 1e-9)[:, None]
    held_out = (fit - h * target) / (1.0 - h)
    accuracy = float(np.mean(np.argmax(held_out, axis=1) == codes))
    chance = float(np.bincount(codes).max() / rows.size)
    return ProbeEstimate(accuracy, chance, int(rows.size), int(classes.size))
