"""FitLabelModel's matrix-completion options: Snorkel's ``LabelModel.fit`` training settings, validated.

``seed`` is Snorkel's ``seed`` (``np.random.seed`` takes values below 2^32): the start of the fit is
``mu_init`` times numpy's first draw after seeding. ``max_iterations`` is its ``n_epochs``. The others
are ``lr``, ``l2``, ``prec_init`` (one value or one per function), ``mu_eps``, ``optimizer`` and
``lr_scheduler`` (gamma, step size); sent to another model they are refused rather than ignored.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from curation.core.labeling import ModelKind, SgdOptions
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.ops.labeling import limits as lim
from curation.v1 import labeling_pb2 as pb

__all__ = ["SEED_LIMIT", "sgd_options"]

SEED_LIMIT = 2**32
_FIELDS = ("learning_rate", "l2", "prec_init", "mu_eps")


_OPTIMIZERS: dict[int, Literal["sgd", "adam", "adamax"]] = {
    pb.LABEL_MODEL_OPTIMIZER_UNSPECIFIED: "sgd",
    pb.LABEL_MODEL_OPTIMIZER_SGD: "sgd",
    pb.LABEL_MODEL_OPTIMIZER_ADAM: "adam",
    pb.LABEL_MODEL_OPTIMIZER_ADAMAX: "adamax",
}
_SCHEDULES: dict[int, Literal["constant", "linear", "exponential", "step"]] = {
    pb.LEARNING_RATE_SCHEDULE_UNSPECIFIED: "constant",
    pb.LEARNING_RATE_SCHEDULE_CONSTANT: "constant",
    pb.LEARNING_RATE_SCHEDULE_LINEAR: "linear",
    pb.LEARNING_RATE_SCHEDULE_EXPONENTIAL: "exponential",
    pb.LEARNING_RATE_SCHEDULE_STEP: "step",
}


def _sent(request: pb.FitLabelModelRequest) -> list[str]:
    """The matrix-completion fields the request sets."""
    sent = [f for f in ("learning_rate", "mu_eps", "lr_gamma") if request.HasField(f)]
    for name in ("l2", "optimizer", "lr_scheduler", "lr_step_size", "lr_warmup_epochs", "lr_min"):
        if getattr(request, name):
            sent.append(name)
    if len(request.prec_init):
        sent.append("prec_init")
    return sent


def _schedule(request: pb.FitLabelModelRequest) -> dict[str, Any]:
    """Optimizer and learning-rate schedule options."""
    if request.optimizer not in _OPTIMIZERS:
        raise InvalidArgument(f"unknown optimizer {request.optimizer}", field="optimizer")
    if request.lr_scheduler not in _SCHEDULES:
        raise InvalidArgument(f"unknown learning-rate schedule {request.lr_scheduler}", field="lr_scheduler")
    gamma = request.lr_gamma if request.HasField("lr_gamma") else 0.9
    if not (np.isfinite(gamma) and gamma > 0):
        raise InvalidArgument("must be a finite number > 0", field="lr_gamma")
    for name in ("lr_step_size", "lr_warmup_epochs"):
        if not 0 <= getattr(request, name) <= lim.MAX_ITERATIONS:
            raise InvalidArgument(f"must lie in [0, {lim.MAX_ITERATIONS}]", field=name)
    epochs = request.max_iterations or 100
    if request.lr_scheduler == pb.LEARNING_RATE_SCHEDULE_LINEAR and request.lr_warmup_epochs >= epochs:
        raise InvalidArgument(
            "a linear schedule needs warm-up shorter than the epochs", field="lr_warmup_epochs"
        )
    if not (np.isfinite(request.lr_min) and request.lr_min >= 0):
        raise InvalidArgument("must be a finite number >= 0", field="lr_min")
    return {
        "optimizer": _OPTIMIZERS[request.optimizer],
        "lr_scheduler": _SCHEDULES[request.lr_scheduler],
        "gamma": float(gamma),
        "step_size": int(request.lr_step_size) or 5,
        "warmup_epochs": int(request.lr_warmup_epochs),
        "min_lr": float(request.lr_min),
    }


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
    return SgdOptions(lr=float(lr), l2=float(request.l2), prec_init=prec, mu_eps=mu_eps, **_schedule(request))
