"""Snorkel's ``LabelModel`` fit (Ratner et al. 2019), step for step, in float32 numpy.

What it reproduces, from reading Snorkel 0.10's ``LabelModel.fit`` (no code copied):

- ``O = float32(L_aug^T L_aug / n)`` where ``L_aug[i, j*k + l] = [L[i, j] == l]``; the mask drops each
  LF's own k x k diagonal block (no dependencies between LFs).
- Initialisation: ``mu_init[j*k + y, y] = clamp(O[jk+y, jk+y] * prec_init[j] / p[y], 0, 1)`` in float32,
  and the start ``mu = mu_init * r`` where ``r`` is the first draw of numpy's global generator after
  ``np.random.seed(seed)`` -- the only randomness of the fit. Snorkel's default ``seed`` is drawn once
  per process when the module is imported, so an unseeded Snorkel fit is not reproducible; here
  ``seed`` is always explicit (0 unless given).
- Loss ``||(O - mu P mu^T)[mask]||^2 + ||rowsum(mu P) - diag(O)||^2 + ||l2 (mu - mu_init)||^2`` with
  ``P = diag(p)`` in float32, minimised by ``n_epochs`` full-batch steps of torch's SGD (momentum 0.9,
  no dampening), Adam or Adamax (betas 0.9, 0.999, eps 1e-8), weight decay ``l2``, learning rate ``lr``
  under a constant, linear, exponential or step schedule (defaults SGD, 100 epochs, 0.01, 0, constant;
  with Snorkel's warm-up epochs and minimum rate).
- Then ``mu`` is clamped to ``[mu_eps, 1 - mu_eps]`` (default ``min(0.01, 10^-ceil(log10 n))``) and its
  columns permuted within each group of equal class priors (rounded to 3 decimals) to maximise the
  diagonal of ``sum_j mu_j P`` (Snorkel's ``_break_col_permutation_symmetry``; an assignment problem).
- Prediction (in ``label_model``): ``softmax(sum_j log mu[j*k + L_ij] + log p)``, abstains adding
  nothing, with ``log`` taken of the float32 ``mu`` as Snorkel does.

The gradient is the analytic one torch's autograd computes for that loss, summed in a different order
(BLAS), so ``mu`` agrees with Snorkel's to float32 rounding, not bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import FloatArray
from curation.core._common.cancel import checkpoint

__all__ = ["Diverged", "SgdOptions", "fit_mu", "snorkel_start_scale"]

F32 = npt.NDArray[np.float32]


class Diverged(ValueError):
    """The SGD fit left the finite numbers (Snorkel: 'Loss is NaN. Consider reducing learning rate.')."""


@dataclass(frozen=True, slots=True)
class SgdOptions:
    """Snorkel's ``TrainConfig`` fields that the fit uses (its defaults)."""

    n_epochs: int = 100
    lr: float = 0.01
    l2: float = 0.0
    momentum: float = 0.9
    prec_init: tuple[float, ...] = (0.7,)  # one value for all LFs, or one per LF
    mu_eps: float | None = None
    seed: int = 0
    optimizer: Literal["sgd", "adam", "adamax"] = "sgd"
    lr_scheduler: Literal["constant", "linear", "exponential", "step"] = "constant"
    gamma: float = 0.9  # exponential and step schedules
    step_size: int = 5  # step schedule
    warmup_epochs: int = 0
    min_lr: float = 0.0


def learning_rates(opts: SgdOptions) -> list[float]:
    """The learning rate of each epoch as Snorkel's torch schedulers set it: a warm-up ``LambdaLR``
    (``e / warmup``) built first, then the schedule (linear ``LambdaLR`` ``(n - w - x) / (n - w)``,
    ``ExponentialLR``, ``StepLR``), each built with its initial step; after every epoch the warm-up steps
    while ``epoch < warmup``, else the schedule steps and ``min_lr`` floors its rate. Rates are formed in
    Python floats one step at a time, as torch forms them."""
    n, w, initial = opts.n_epochs, opts.warmup_epochs, opts.lr
    lr = initial
    if w:
        lr = initial * (0 / w)
    if opts.lr_scheduler == "linear":
        lr = initial * ((n - w - 0) / (n - w))
    out: list[float] = []
    main = 0
    for e in range(n):
        out.append(lr)
        if w and e < w:
            lr = initial * ((e + 1) / w)
            continue
        if opts.lr_scheduler == "constant":
            continue
        main += 1
        if opts.lr_scheduler == "linear":
            lr = initial * ((n - w - main) / (n - w))
        elif opts.lr_scheduler == "exponential" or main % opts.step_size == 0:
            lr = lr * opts.gamma
        if opts.min_lr and lr < opts.min_lr:
            lr = opts.min_lr
    return out


class _Step:
    """torch's SGD (momentum, no dampening), Adam or Adamax update of ``mu`` (float32 state)."""

    def __init__(self, opts: SgdOptions) -> None:
        self.opts = opts
        self.t = 0
        self.m: F32 | None = None
        self.v: F32 | None = None

    def __call__(self, mu: F32, grad: F32, lr: float) -> F32:
        self.t += 1
        o = self.opts
        if o.l2:
            grad = grad + np.float32(o.l2) * mu
        if o.optimizer == "sgd":
            self.m = grad.copy() if self.m is None else self.m * np.float32(o.momentum) + grad
            return np.asarray(mu - np.float32(lr) * self.m, dtype=np.float32)
        b1, b2, eps = 0.9, 0.999, 1e-8
        prev = np.zeros_like(mu) if self.m is None else self.m
        self.m = prev + np.float32(1 - b1) * (grad - prev)
        if o.optimizer == "adam":
            v = np.zeros_like(mu) if self.v is None else self.v
            self.v = v * np.float32(b2) + np.float32(1 - b2) * (grad * grad)
            denom = np.sqrt(self.v) / np.float32((1 - b2**self.t) ** 0.5) + np.float32(eps)
            return np.asarray(mu - np.float32(lr / (1 - b1**self.t)) * (self.m / denom), dtype=np.float32)
        u = np.zeros_like(mu) if self.v is None else self.v
        self.v = np.maximum(u * np.float32(b2), np.abs(grad) + np.float32(eps))
        return np.asarray(mu - np.float32(lr / (1 - b1**self.t)) * (self.m / self.v), dtype=np.float32)


def snorkel_start_scale(seed: int) -> float:
    """The scalar Snorkel multiplies ``mu_init`` by: numpy's first uniform draw after ``seed(seed)``."""
    return float(np.random.RandomState(seed).random_sample())


def _init(diag_o: F32, prior32: F32, prec: F32, m: int, k: int) -> F32:
    """``mu_init``: ``clamp(O_ii * prec_init[j] / p[y], 0, 1)`` on each LF's (l = y) entries, float32."""
    d = m * k
    rows = np.arange(d)
    ys = rows % k
    value = np.clip((diag_o * prec[rows // k]) / prior32[ys], np.float32(0), np.float32(1))
    mu_init = np.zeros((d, k), dtype=np.float32)
    mu_init[rows, ys] = value
    return mu_init


@dataclass(frozen=True, slots=True)
class _Problem:
    """The fixed parts of the objective: the overlap matrix O, its mask, ``diag(P)`` and ``mu_init``."""

    overlap: F32
    mask: npt.NDArray[np.bool_]
    prior32: F32
    mu_init: F32


def _gradient(mu: F32, pr: _Problem, l2: float) -> F32:
    """d loss / d mu as torch's autograd forms it: ``-2 R_mask`` through ``mu P mu^T``, ``2 v`` through
    the row sums, ``2 l2^2 (mu - mu_init)`` for the penalty (the optimizer adds weight decay)."""
    p = pr.prior32[None, :]
    muP = mu * p
    G = np.where(pr.mask, np.float32(-2) * (pr.overlap - muP @ mu.T), np.float32(0)).astype(np.float32)
    v = muP.sum(axis=1) - np.diagonal(pr.overlap)
    grad = (G @ mu) * p + G.T @ muP
    grad += (np.float32(2) * v)[:, None] * p
    if l2:
        w = np.float32(l2)
        grad += np.float32(2) * w * w * (mu - pr.mu_init)
    return np.asarray(grad, dtype=np.float32)


def _data_loss(mu: F32, pr: _Problem) -> float:
    """The data terms of the loss (to refuse a diverged fit as Snorkel does: 'Loss is NaN')."""
    muP = mu * pr.prior32[None, :]
    R = np.where(pr.mask, pr.overlap - muP @ mu.T, np.float32(0))
    v = muP.sum(axis=1) - np.diagonal(pr.overlap)
    return float((R * R).sum() + (v * v).sum())


def _problem(cooccurrence: npt.ArrayLike, n: int, prior: FloatArray, m: int, opts: SgdOptions) -> _Problem:
    """O = float32(counts / n), the off-block mask and Snorkel's ``mu_init``."""
    k = prior.shape[0]
    overlap = (np.asarray(cooccurrence, dtype=np.float64) / n).astype(np.float32)
    prior32 = prior.astype(np.float32)
    prec = np.broadcast_to(np.asarray(opts.prec_init, dtype=np.float32), (m,))
    block = np.arange(m * k) // k
    mask = block[:, None] != block[None, :]
    return _Problem(overlap, mask, prior32, _init(np.diagonal(overlap).copy(), prior32, prec, m, k))


def fit_mu(cooccurrence: npt.ArrayLike, n_rows: int, prior: FloatArray, m: int, opts: SgdOptions) -> F32:
    """The fitted, clamped and permutation-broken ``mu`` (``(m k) x k``, float32) from the vote
    co-occurrence counts (``L_aug^T L_aug``) of ``n_rows`` rows."""
    k = prior.shape[0]
    n = max(n_rows, 1)
    pr = _problem(cooccurrence, n, prior, m, opts)
    mu = pr.mu_init * np.float32(snorkel_start_scale(opts.seed))
    step = _Step(opts)
    for lr in learning_rates(opts):
        checkpoint()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # refused just below
            mu = step(mu, _gradient(mu, pr, opts.l2), lr)
        if not np.isfinite(mu).all():
            raise Diverged("the loss is NaN: reduce the learning rate")
    with np.errstate(over="ignore", invalid="ignore"):
        diverged = opts.n_epochs > 0 and not np.isfinite(_data_loss(mu, pr))
    if diverged:
        raise Diverged("the loss is NaN: reduce the learning rate")
    eps = opts.mu_eps if opts.mu_eps is not None else min(0.01, 1.0 / 10 ** np.ceil(np.log10(n)))
    mu = np.clip(mu, np.float32(eps), np.float32(1 - eps)).astype(np.float32)
    return break_symmetry(mu, pr.prior32, m, k)


def break_symmetry(mu: F32, prior32: F32, m: int, k: int) -> F32:
    """Snorkel's ``_break_col_permutation_symmetry``: within each group of equal class priors (3
    decimals), the column permutation maximising the diagonal of ``sum_j mu_j P`` (assignment problem;
    among optimal assignments the identity when it is one, as Munkres' row-major starring gives on
    ties)."""
    from scipy.optimize import linear_sum_assignment  # noqa: PLC0415  (a slow import; fits only)

    probs_sum = mu.reshape(m, k, k).sum(axis=0) * prior32[None, :]
    Z = np.zeros((k, k))
    rounded = np.around(prior32, 3)
    for value in np.unique(rounded):
        group = np.flatnonzero(rounded == value)
        if group.size == 1:
            Z[group[0], group[0]] = 1.0
            continue
        cost = -probs_sum[np.ix_(group, group)].T.astype(np.float64)
        rows, cols = linear_sum_assignment(cost)
        if cost[rows, cols].sum() >= np.trace(cost):
            rows, cols = np.arange(group.size), np.arange(group.size)
        Z[group[rows], group[cols]] = 1.0
    return np.asarray(mu @ Z, dtype=np.float32)
