"""FitLabelModel's matrix-completion options: Snorkel's ``LabelModel.fit`` training settings, validated.

``seed`` is Snorkel's ``seed`` (``np.random.seed`` takes values below 2^32): the start of the fit is
``mu_init`` times numpy's first draw after seeding. ``max_iterations`` is its ``n_epochs``. The others
are ``lr``, ``l2``, ``prec_init`` (one value or one per function) and ``mu_eps``; sent to another model
they are refused rather than ignored.
"""

from __future__ import annotations

import numpy as np

from curation.core.labeling import ModelKind, SgdOptions
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.v1 import labeling_pb2 as pb

__all__ = ["SEED_LIMIT", "sgd_options"]

SEED_LIMIT = 2**32
_FIELDS = ("learning_rate", "l2", "prec_init", "mu_eps")


def _sent(request: pb.FitLabelModelRequest) -> list[str]:
    """The matrix-completion fields the request sets."""
    sent = [f for f in ("learning_rate", "mu_eps") if request.HasField(f)]
    if request.l2:
        sent.append("l2")
    if len(request.prec_init):
        sent.append("prec_init")
    return sent


def sgd_options(request: pb.FitLabelModelRequest, kind: ModelKind, m: int) -> SgdOptions | None:
    """Snorkel's training options of a matrix-completion fit (None for the other models, which refuse
    them); ``seed`` and epochs are set by the core from ``seed`` and ``max_iterations``."""
    if int(request.seed) >= SEED_LIMIT:
        raise InvalidArgument(f"must be below 2^32 (numpy's seed range), got {request.seed}", field="seed")
    sent = _sent(request)
    if kind != "matrix_completion":
        if sent:
            raise InvalidArgument("only matrix completion takes this option", field=sent[0])
        return None
    opts = SgdOptions()
    lr = request.learning_rate if request.HasField("learning_rate") else opts.lr
    if not (np.isfinite(lr) and lr > 0):
        raise InvalidArgument("must be a finite number > 0", field="learning_rate")
    if not (np.isfinite(request.l2) and request.l2 >= 0):
        raise InvalidArgument("must be a finite number >= 0", field="l2")
    prec = opts.prec_init
    if len(request.prec_init):
        if len(request.prec_init) != 1:
            v.check_length(len(request.prec_init), m, "prec_init", what="one value, or one per function")
        prec = tuple(v.finite_floats(request.prec_init, "prec_init", dtype=np.float64).tolist())
    mu_eps = request.mu_eps if request.HasField("mu_eps") else None
    if mu_eps is not None and not 0 <= mu_eps < 0.5:
        raise InvalidArgument("must lie in [0, 0.5)", field="mu_eps")
    return SgdOptions(lr=float(lr), l2=float(request.l2), prec_init=prec, mu_eps=mu_eps)
