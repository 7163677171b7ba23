"""Label models: combine the noisy votes of labeling functions into per-asset class probabilities.

Four models behind one interface, all fitted from ``VoteStatistics`` (so shards add up) and all
represented the same way once fitted: a log-linear scorer ``score[i, y] = log_prior[y] + sum_j
tables[j, L[i, j] + 1, y]`` (row 0 of each table is the abstain entry).

- ``majority``: Snorkel's ``MajorityLabelVoter`` -- probabilities split evenly over the most-voted
  classes; an all-abstain row is uniform.
- ``weighted_majority``: votes weighted by ``log((k - 1) a_j / (1 - a_j))`` (the naive-Bayes weight of an
  LF with accuracy ``a_j`` under symmetric noise), probabilities = softmax of the weighted votes.
  Accuracies are given by the caller or estimated as each LF's expected agreement with the
  majority-vote posterior (``max_iter`` further self-training rounds, default 0).
- ``dawid_skene``: EM for the Dawid-Skene model: class prior and, per LF, a confusion table
  ``P(vote = l | y, the LF votes)``, initialised from majority vote, run on the pattern histogram.
  Abstentions carry no evidence (a row no LF votes on gets the prior); ``converged`` is False when EM
  stopped at ``max_iter`` without its log-likelihood settling.
  With correlated LFs the EM fixed point can be worse than its first step (measured on synthetic data,
  n = 300k, m = 20, k = 2, four copied LFs: 0.818 accuracy after one iteration, 0.789 after 30);
  ``max_iter=1`` is that one step.
- ``matrix_completion``: Snorkel's ``LabelModel`` (Ratner et al. 2019), its fit reproduced step for step
  (``matrix_completion``: ``mu[j*k + l, y] = P(vote_j = l | y)`` fitted to ``O ~ mu P mu^T`` off the
  LF-diagonal blocks and ``mu P 1 = diag(O)`` by Snorkel's SGD from its seeded start, clamped and
  column-permutation-broken). Prediction is Snorkel's ``predict_proba`` (abstains contribute nothing).

Everything is deterministic: no hidden random state (``seed`` is Snorkel's ``seed`` for the
matrix-completion start). Hard labels: a class within ``1e-5`` of the row maximum is tied (Snorkel's
``probs_to_preds`` tolerance); ties abstain (-1) or are broken by a stable hash of the asset ID.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import spans
from curation.core._common.hashing import stable_string_hash
from curation.core.labeling import _kernels
from curation.core.labeling._kernels import (
    counts_kernel,
    em_pass_kernel,
    posterior_agreement_kernel,
    proba_kernel,
)
from curation.core.labeling.matrix_completion import SgdOptions, fit_mu
from curation.core.labeling.vote_statistics import IntMatrix, VoteStatistics, vote_statistics

__all__ = [
    "MODELS",
    "TIE_TOLERANCE",
    "FittedLabelModel",
    "ModelKind",
    "fit",
    "fit_matrix",
    "hard_labels",
    "lf_accuracies_from_tables",
    "predict_proba",
]

ModelKind = Literal["majority", "weighted_majority", "dawid_skene", "matrix_completion"]
MODELS: tuple[ModelKind, ...] = ("majority", "weighted_majority", "dawid_skene", "matrix_completion")
TIE_TOLERANCE = 1e-5
_ACC_CLIP = (0.01, 0.99)
_DS_SMOOTHING = 0.01


@dataclass(frozen=True, slots=True)
class FittedLabelModel:
    """A fitted model: enough to predict on any label matrix with the same LFs and classes."""

    kind: ModelKind
    n_classes: int
    log_prior: FloatArray  # (k,)
    tables: FloatArray  # (m, k + 1, k) additive log-scores; row 0 = abstain
    lf_accuracy: FloatArray  # (m,) estimated P(vote correct | LF votes)
    class_balance: FloatArray  # (k,) the prior the model uses (or estimated)
    iterations: int = 0
    converged: bool = True

    @property
    def n_lfs(self) -> int:
        return int(self.tables.shape[0])


# ------------------------------------------------------------------------------------- scoring
def _pattern_probs(model: FittedLabelModel, patterns: npt.NDArray[np.int16]) -> FloatArray:
    """Class probabilities of each row of ``patterns`` under ``model`` (one compiled pass)."""
    P = np.ascontiguousarray(patterns, dtype=np.int16)
    majority = model.kind == "majority"
    out = np.empty((P.shape[0], model.n_classes), dtype=np.float64)
    # Row by row independent: rows in spans, a cancellation checkpoint between spans.
    for lo, hi in spans(P.shape[0], _kernels.ROWS_PER_SPAN):
        out[lo:hi] = proba_kernel(P[lo:hi], model.tables, model.log_prior, majority)
    return out


def _posterior_agreement(
    stats: VoteStatistics, tables: FloatArray, log_prior: FloatArray, majority: bool
) -> FloatArray:
    """Expected accuracy of each LF under the posterior (tables, log_prior): mean P(y = vote) over
    the rows it votes on -- one compiled pass, the posteriors are never stored."""
    P = np.ascontiguousarray(stats.patterns, dtype=np.int16)
    w = stats.counts.astype(np.float64)
    hits, votes = np.zeros(P.shape[1]), np.zeros(P.shape[1])
    for lo, hi in spans(P.shape[0], _kernels.ROWS_PER_SPAN):
        posterior_agreement_kernel(P[lo:hi], w[lo:hi], tables, log_prior, majority, hits, votes)
    return np.asarray(np.where(votes > 0, hits / np.maximum(votes, 1e-300), 0.0), dtype=np.float64)


def predict_proba(model: FittedLabelModel, L: IntMatrix) -> FloatArray:
    """Class probabilities (n x k) for label matrix ``L``."""
    if L.ndim != 2 or L.shape[1] != model.n_lfs:
        raise ValueError(f"label matrix must have {model.n_lfs} columns")
    if L.size and (int(L.min()) < -1 or int(L.max()) >= model.n_classes):
        raise ValueError(f"label matrix values must lie in [-1, {model.n_classes})")
    return _pattern_probs(model, np.ascontiguousarray(L, dtype=np.int16))


def hard_labels(
    probs: FloatArray,
    *,
    tie_break: Literal["abstain", "hash", "row_hash"] = "abstain",
    asset_ids: npt.ArrayLike | None = None,
    tolerance: float = TIE_TOLERANCE,
    no_votes: npt.NDArray[np.bool_] | None = None,
) -> IntArray:
    """Argmax with Snorkel's tie tolerance; ties abstain (-1), or pick the tied class at position
    ``hash(asset_id) % (number tied)`` -- a function of the asset ID, never of the row position -- or
    (``row_hash``, Snorkel's ``tie_break_policy="random"``) at ``sha1(str(row)) % (number tied)``.

    ``no_votes`` marks rows no LF voted on: with ``tie_break='abstain'`` they abstain whatever their
    probabilities (the prior) say -- there is no evidence to label them by; with ``'hash'`` they are
    labelled like any row.
    """
    tied = np.abs(probs - probs.max(axis=1, keepdims=True)) < tolerance
    n_tied = tied.sum(axis=1)
    labels: IntArray = np.argmax(tied, axis=1).astype(np.int64)
    multi = n_tied > 1
    if no_votes is not None and tie_break == "abstain":
        multi = multi | no_votes
    if not multi.any():
        return labels
    if tie_break == "abstain":
        labels[multi] = -1
        return labels
    rows = np.flatnonzero(multi)
    if tie_break == "row_hash":
        pick = _row_hash_picks(rows, n_tied[rows])
    elif asset_ids is None:
        raise ValueError("tie_break='hash' needs asset_ids")
    else:
        ids = np.asarray(asset_ids, dtype=np.str_)
        pick = (stable_string_hash(ids[rows]) % n_tied[rows].astype(np.uint64)).astype(np.int64)
    # position of the pick-th True in each tied row
    rank = np.cumsum(tied[rows], axis=1) - 1
    labels[rows] = np.argmax(tied[rows] & (rank == pick[:, None]), axis=1)
    return labels


def _row_hash_picks(rows: IntArray, n_tied: IntArray) -> IntArray:
    """Snorkel's deterministic tie pick: ``int(sha1(str(row)).hexdigest(), 16) % n_tied`` (a loop over
    the tied rows only: a 160-bit hash has no vectorised form)."""
    picks = [
        int(hashlib.sha1(str(r).encode()).hexdigest(), 16) % int(t) for r, t in zip(rows, n_tied, strict=True)
    ]
    return np.asarray(picks, dtype=np.int64)


# ------------------------------------------------------------------------------------- helpers
def _vote_tables(m: int, k: int, weights: FloatArray) -> FloatArray:
    """tables[j, l + 1, l] = weights[j]: a vote for l adds the LF's weight to class l."""
    tables = np.zeros((m, k + 1, k), dtype=np.float64)
    idx = np.arange(k)
    tables[:, idx + 1, idx] = weights[:, None]
    return tables


def lf_accuracies_from_tables(cond: FloatArray, prior: FloatArray) -> FloatArray:
    """Snorkel's ``get_weights``: ``sum_y P(vote = y | y) p_y / coverage``, clipped to [1e-6, 1];
    ``cond`` is (m, k + 1, k) with row 0 = abstain."""
    k = prior.shape[0]
    idx = np.arange(k)
    right = (cond[:, idx + 1, idx] * prior[None, :]).sum(axis=1)
    coverage = 1.0 - (cond[:, 0, :] * prior[None, :]).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        acc = np.where(coverage > 0, right / np.maximum(coverage, 1e-12), 0.0)
    return np.asarray(np.clip(acc, 1e-6, 1.0), dtype=np.float64)


def _check_balance(class_balance: npt.ArrayLike | None, k: int) -> FloatArray:
    """The prior: uniform when not given, else k positive numbers normalised to sum to 1."""
    if class_balance is None:
        return np.full(k, 1.0 / k)
    p = np.asarray(class_balance, dtype=np.float64)
    if p.shape != (k,) or np.any(p <= 0) or not np.isfinite(p).all():
        raise ValueError(f"class_balance must be {k} positive numbers")
    return np.asarray(p / p.sum(), dtype=np.float64)


# ------------------------------------------------------------------------------------- models
def _fit_majority(stats: VoteStatistics, prior: FloatArray) -> FittedLabelModel:
    """Majority vote: every vote weighs 1; accuracies are agreement with the majority posterior."""
    m, k = stats.n_lfs, stats.n_classes
    tables, log_prior = _vote_tables(m, k, np.ones(m)), np.zeros(k)
    acc = _posterior_agreement(stats, tables, log_prior, True)
    return FittedLabelModel("majority", k, log_prior, tables, acc, prior)


def _wmv_weights(acc: FloatArray, k: int) -> FloatArray:
    """Naive-Bayes vote weights ``log((k - 1) a / (1 - a))`` of accuracies clipped to (0.01, 0.99)."""
    a = np.clip(acc, *_ACC_CLIP)
    return np.asarray(np.log((k - 1) * a / (1.0 - a)), dtype=np.float64)


def _fit_weighted(
    stats: VoteStatistics, prior: FloatArray, accuracies: FloatArray | None, rounds: int = 0
) -> FittedLabelModel:
    """Weights from given accuracies, or estimated: accuracy = expected agreement with the
    majority-vote posterior, then ``rounds`` more times with the weighted posterior. Extra rounds
    sharpen the estimates when LFs are independent but amplify correlated LFs (measured on
    ``label_model_synth`` data with copied LFs), so the default is none."""
    m, k = stats.n_lfs, stats.n_classes
    log_prior = np.log(prior)
    if accuracies is not None:
        acc = np.asarray(accuracies, dtype=np.float64)
        tables = _vote_tables(m, k, _wmv_weights(acc, k))
        return FittedLabelModel("weighted_majority", k, log_prior, tables, acc, prior, 0, True)
    acc = _posterior_agreement(stats, _vote_tables(m, k, np.ones(m)), np.zeros(k), True)
    for _ in range(rounds):
        checkpoint()
        acc = _posterior_agreement(stats, _vote_tables(m, k, _wmv_weights(acc, k)), log_prior, False)
    tables = _vote_tables(m, k, _wmv_weights(acc, k))
    return FittedLabelModel("weighted_majority", k, log_prior, tables, acc, prior, rounds, True)


def _fit_dawid_skene(
    stats: VoteStatistics, prior: FloatArray | None, max_iter: int, tol: float
) -> FittedLabelModel:
    """EM from the majority-vote posterior; each iteration is one compiled pass over the patterns.

    Abstentions carry no evidence: each LF's table is ``P(vote = l | y, it votes)`` and its abstain row
    is 0 (log 1), so the E-step multiplies only the entries of the LFs that voted. Rows no LF votes on
    have the prior as posterior and do not enter the fit (their likelihood does not depend on it).
    """
    m, k = stats.n_lfs, stats.n_classes
    P, w = _voted_patterns(stats)
    q = np.empty((P.shape[0], k))
    majority_tables = _vote_tables(m, k, np.ones(m))
    for lo, hi in spans(P.shape[0], _kernels.ROWS_PER_SPAN):
        q[lo:hi] = proba_kernel(P[lo:hi], majority_tables, np.zeros(k), True)
    wq = q * w[:, None]
    mass = wq.sum(axis=0)
    counts = np.zeros((m, k + 1, k))
    for lo, hi in spans(P.shape[0], _kernels.ROWS_PER_SPAN):
        counts_kernel(P[lo:hi], wq[lo:hi], counts)
    last = -np.inf
    converged = False
    it = 0
    total = float(w.sum())
    pi, cond = np.full(k, 1.0 / k), _vote_given_class(counts)
    for it in range(1, max_iter + 1):  # noqa: B007 - iterations are reported
        checkpoint()
        pi = prior if prior is not None else (mass + _DS_SMOOTHING) / (total + k * _DS_SMOOTHING)
        cond = _vote_given_class(counts)
        counts, mass, ll = _em_pass(P, w, _log_tables(cond), np.log(pi))
        if np.isfinite(last) and abs(ll - last) <= tol * max(abs(last), 1.0):
            converged = True
            break
        last = ll
    acc = lf_accuracies_from_tables(cond, pi)
    return FittedLabelModel("dawid_skene", k, np.log(pi), _log_tables(cond), acc, pi, it, converged)


def _voted_patterns(stats: VoteStatistics) -> tuple[npt.NDArray[np.int16], FloatArray]:
    """The patterns with at least one vote (int16, contiguous) and their weights."""
    P = np.ascontiguousarray(stats.patterns, dtype=np.int16)
    w = stats.counts.astype(np.float64)
    voted = (P >= 0).any(axis=1)
    if voted.all():
        return P, w
    return np.ascontiguousarray(P[voted]), w[voted]


def _vote_given_class(counts: FloatArray) -> FloatArray:
    """The M-step's ``P(vote = l | y, the LF votes)`` from the expected counts (smoothed); row 0 (abstain)
    is 0: how often an LF abstains is not modelled."""
    smoothed = counts[:, 1:, :] + _DS_SMOOTHING
    cond = np.zeros_like(counts)
    cond[:, 1:, :] = smoothed / smoothed.sum(axis=1, keepdims=True)
    return cond


def _log_tables(cond: FloatArray) -> FloatArray:
    """Additive log-score tables of ``cond``: the vote rows' logs, 0 for abstain (no evidence)."""
    tables = np.zeros_like(cond)
    tables[:, 1:, :] = np.log(cond[:, 1:, :])
    return tables


def _em_pass(
    P: npt.NDArray[np.int16], w: FloatArray, log_cond: FloatArray, log_prior: FloatArray
) -> tuple[FloatArray, FloatArray, float]:
    """One EM pass (see ``em_pass_kernel``) over spans of rows, a cancellation checkpoint between spans:
    the counts, the class mass and the weighted log-likelihood."""
    m, k = P.shape[1], log_prior.shape[0]
    counts, mass, ll = np.zeros((m, k + 1, k)), np.zeros(k), 0.0
    for lo, hi in spans(P.shape[0], _kernels.ROWS_PER_SPAN):
        ll = em_pass_kernel(P[lo:hi], w[lo:hi], log_cond, log_prior, counts, mass, ll)
    return counts, mass, ll


def _fit_matrix_completion(stats: VoteStatistics, prior: FloatArray, opts: SgdOptions) -> FittedLabelModel:
    """Snorkel's ``LabelModel.fit`` (see ``matrix_completion``); the tables are ``log`` of its float32
    ``mu`` (abstain row 0: no evidence), the accuracies Snorkel's ``get_weights``."""
    m, k = stats.n_lfs, stats.n_classes
    mu = fit_mu(stats.cooccurrence(), stats.n_rows, prior, m, opts)
    cond = np.zeros((m, k + 1, k))
    cond[:, 1:, :] = mu.reshape(m, k, k)
    cond[:, 0, :] = 1.0 - cond[:, 1:, :].sum(axis=1)
    tables = np.zeros((m, k + 1, k))
    tables[:, 1:, :] = np.log(mu).astype(np.float64).reshape(m, k, k)
    n = max(stats.n_rows, 1)
    coverage = np.diag(stats.cooccurrence()).reshape(m, k).sum(axis=1) / n
    idx = np.arange(k)
    right = (cond[:, idx + 1, idx] * prior.astype(np.float32)[None, :]).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        acc = np.clip(np.where(coverage > 0, right / np.maximum(coverage, 1e-12), 0.0), 1e-6, 1.0)
    return FittedLabelModel("matrix_completion", k, np.log(prior), tables, acc, prior, opts.n_epochs, True)


def fit(
    stats: VoteStatistics,
    *,
    model: ModelKind = "matrix_completion",
    class_balance: npt.ArrayLike | None = None,
    lf_accuracies: npt.ArrayLike | None = None,
    seed: int = 0,
    max_iter: int = 0,
    tol: float = 0.0,
    sgd: SgdOptions | None = None,
) -> FittedLabelModel:
    """Fit ``model`` from sufficient statistics (see ``vote_statistics``; merge shards first).

    ``class_balance`` fixes the prior (default uniform; Dawid-Skene estimates it when not given).
    ``lf_accuracies`` gives weighted majority vote its weights instead of estimating them.
    ``max_iter`` / ``tol`` 0 mean the model's defaults (EM 100 / 1e-7; weighted majority: 0 extra
    self-training rounds; matrix completion: Snorkel's 100 epochs). Matrix completion takes Snorkel's
    training options from ``sgd`` (its defaults when None), with ``seed`` and ``max_iter`` (epochs) set.
    """
    k = stats.n_classes
    if k < 2:
        raise ValueError("label models need at least 2 classes")
    if model == "majority":
        return _fit_majority(stats, _check_balance(class_balance, k))
    if model == "weighted_majority":
        acc = None
        if lf_accuracies is not None:
            acc = np.asarray(lf_accuracies, dtype=np.float64)
            if acc.shape != (stats.n_lfs,) or np.any((acc <= 0) | (acc >= 1)):
                raise ValueError(f"lf_accuracies must be {stats.n_lfs} numbers in (0, 1)")
        return _fit_weighted(stats, _check_balance(class_balance, k), acc, rounds=max_iter)
    if model == "dawid_skene":
        prior = None if class_balance is None else _check_balance(class_balance, k)
        return _fit_dawid_skene(stats, prior, max_iter or 100, tol or 1e-7)
    if model == "matrix_completion":
        opts = replace(sgd or SgdOptions(), seed=seed, n_epochs=max_iter or 100)
        return _fit_matrix_completion(stats, _check_balance(class_balance, k), opts)
    raise ValueError(f"unknown label model {model!r}")


def fit_matrix(L: IntMatrix, *, n_classes: int, **kwargs: object) -> FittedLabelModel:
    """``fit`` on the statistics of one whole matrix (rows kept as patterns: no sort needed)."""
    return fit(vote_statistics(L, n_classes=n_classes, reduce=False), **kwargs)  # type: ignore[arg-type]
