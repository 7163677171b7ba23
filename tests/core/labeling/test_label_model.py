"""Label models: Snorkel parity where definitions coincide, recovery of known LF accuracies, shards,
determinism and tie-breaking."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from snorkel.labeling.model import LabelModel, MajorityLabelVoter

from curation.core.labeling import label_model as lm
from curation.core.labeling.vote_statistics import vote_statistics
from tests.synth.label_model import synthetic_votes

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


def test_majority_matches_snorkel_majority_voter() -> None:
    rng = np.random.default_rng(0)
    for k in (2, 3, 5):
        L = rng.integers(-1, k, size=(300, 7))
        L[:5] = -1
        ours = lm.predict_proba(lm.fit_matrix(L, n_classes=k, model="majority"), L)
        ref = MajorityLabelVoter(cardinality=k).predict_proba(L)
        np.testing.assert_allclose(ours, ref, atol=1e-12)
        np.testing.assert_array_equal(
            lm.hard_labels(ours), MajorityLabelVoter(cardinality=k).predict(L, tie_break_policy="abstain")
        )


def test_matrix_completion_predict_matches_snorkel_formula() -> None:
    """Given the same mu and prior, our prediction is Snorkel's predict_proba."""
    data = synthetic_votes(3000, 6, 3, seed=1)
    L = data.L.astype(np.int64)
    ref = LabelModel(cardinality=3, verbose=False)
    ref.fit(L, n_epochs=100, seed=1, progress_bar=False)
    mu = ref.mu.detach().numpy().astype(np.float64)
    tables = np.zeros((6, 4, 3))
    tables[:, 1:, :] = np.log(mu.reshape(6, 3, 3))
    prior = np.asarray(ref.p, dtype=np.float64)
    model = lm.FittedLabelModel("matrix_completion", 3, np.log(prior), tables, np.zeros(6), prior)
    np.testing.assert_allclose(lm.predict_proba(model, L), ref.predict_proba(L), atol=1e-5)


@pytest.mark.parametrize(
    ("kind", "max_iter", "tolerance"),
    [
        # Self-trained weights: agreement with the current posterior, biased upwards for weak LFs.
        ("weighted_majority", 3, 0.08),
        ("dawid_skene", 0, 0.05),
        ("matrix_completion", 0, 0.05),
    ],
)
@pytest.mark.parametrize("k", [2, 4])
def test_recovers_known_lf_accuracies(kind: lm.ModelKind, max_iter: int, tolerance: float, k: int) -> None:
    """Conditionally independent LFs, n = 40k: estimated accuracies within ``tolerance`` of the truth
    and the labels at least as accurate as majority vote (minus 0.5 points)."""
    data = synthetic_votes(40_000, 10, k, seed=k, coverage=(0.2, 0.6))
    fitted = lm.fit_matrix(data.L, n_classes=k, model=kind, max_iter=max_iter)
    np.testing.assert_allclose(fitted.lf_accuracy, data.accuracy, atol=tolerance)
    acc = (lm.hard_labels(lm.predict_proba(fitted, data.L)) == data.y).mean()
    mv = lm.fit_matrix(data.L, n_classes=k, model="majority")
    mv_acc = (lm.hard_labels(lm.predict_proba(mv, data.L)) == data.y).mean()
    assert acc >= mv_acc - 0.005


@pytest.mark.parametrize("kind", ["weighted_majority", "dawid_skene"])
def test_beats_majority_vote_with_correlated_lfs(kind: lm.ModelKind) -> None:
    """The default fits on the benchmark's data shape (copied LFs): better labels than majority vote."""
    data = synthetic_votes(60_000, 20, 2, seed=2, copies={1: 0, 5: 4, 9: 8, 13: 12})
    ids = np.char.add("a", np.arange(60_000).astype(np.str_))

    def accuracy(model: lm.FittedLabelModel) -> float:
        labels = lm.hard_labels(lm.predict_proba(model, data.L), tie_break="hash", asset_ids=ids)
        return float((labels == data.y).mean())

    ours = lm.fit_matrix(data.L, n_classes=2, model=kind, max_iter=1 if kind == "dawid_skene" else 0)
    assert accuracy(ours) > accuracy(lm.fit_matrix(data.L, n_classes=2, model="majority")) + 0.002


def test_matrix_completion_accuracies_close_to_snorkel() -> None:
    data = synthetic_votes(20_000, 8, 2, seed=4, coverage=(0.3, 0.7))
    ours = lm.fit_matrix(data.L, n_classes=2, model="matrix_completion")
    ref = LabelModel(cardinality=2, verbose=False)
    ref.fit(data.L.astype(np.int64), n_epochs=500, seed=2, progress_bar=False)
    np.testing.assert_allclose(ours.lf_accuracy, ref.get_weights(), atol=0.03)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(2, 5), st.sampled_from(lm.MODELS))
def test_fit_over_shards_equals_fit_over_whole(seed: int, shards: int, kind: lm.ModelKind) -> None:
    data = synthetic_votes(600, 5, 3, seed=seed)
    cuts = np.sort(np.random.default_rng(seed).choice(np.arange(1, 600), size=shards - 1, replace=False))
    parts = [vote_statistics(part, n_classes=3) for part in np.split(data.L, cuts)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    whole = vote_statistics(data.L, n_classes=3)
    np.testing.assert_array_equal(merged.patterns, whole.patterns)
    np.testing.assert_array_equal(merged.counts, whole.counts)
    np.testing.assert_array_equal(merged.cooccurrence(), whole.cooccurrence())
    a, b = lm.fit(merged, model=kind), lm.fit(whole, model=kind)
    np.testing.assert_array_equal(a.tables, b.tables)
    np.testing.assert_array_equal(a.lf_accuracy, b.lf_accuracy)


def test_cooccurrence_is_snorkels_O() -> None:
    data = synthetic_votes(500, 4, 3, seed=9)
    L_ind = np.zeros((500, 12))
    for y in range(3):
        L_ind[:, y::3] = y == data.L
    np.testing.assert_array_equal(vote_statistics(data.L, n_classes=3).cooccurrence(), L_ind.T @ L_ind)
    raw = vote_statistics(data.L, n_classes=3, reduce=False)
    np.testing.assert_array_equal(raw.cooccurrence(), L_ind.T @ L_ind)


@pytest.mark.parametrize("kind", lm.MODELS)
def test_deterministic_and_row_order_free(kind: lm.ModelKind) -> None:
    data = synthetic_votes(2000, 6, 3, seed=3)
    perm = np.random.default_rng(0).permutation(2000)
    a = lm.fit(vote_statistics(data.L, n_classes=3), model=kind, seed=5)
    b = lm.fit(vote_statistics(data.L[perm], n_classes=3), model=kind, seed=5)
    c = lm.fit(vote_statistics(data.L, n_classes=3), model=kind, seed=5)
    np.testing.assert_array_equal(a.tables, b.tables)
    np.testing.assert_array_equal(a.tables, c.tables)
    pa = lm.predict_proba(a, data.L)
    np.testing.assert_array_equal(pa[perm], lm.predict_proba(a, data.L[perm]))


def test_tie_break_by_asset_id_not_row() -> None:
    probs = np.array([[0.5, 0.5], [0.5, 0.5], [0.2, 0.8], [1 / 3, 1 / 3]])
    probs[3] = [0.5, 0.5]
    ids = np.array(["a", "b", "c", "d"])
    assert lm.hard_labels(probs).tolist() == [-1, -1, 1, -1]
    labels = lm.hard_labels(probs, tie_break="hash", asset_ids=ids)
    assert labels[2] == 1 and set(labels.tolist()) <= {0, 1}
    perm = np.array([3, 1, 0, 2])
    permuted = lm.hard_labels(probs[perm], tie_break="hash", asset_ids=ids[perm])
    np.testing.assert_array_equal(permuted, labels[perm])
    with pytest.raises(ValueError, match="asset_ids"):
        lm.hard_labels(probs, tie_break="hash")
    # Ties among 3 of 5 classes pick one of the tied classes.
    wide = np.tile(np.array([[0.3, 0.05, 0.3, 0.05, 0.3]]), (50, 1))
    picks = lm.hard_labels(wide, tie_break="hash", asset_ids=np.array([f"x{i}" for i in range(50)]))
    assert set(picks.tolist()) == {0, 2, 4}


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="values"):
        vote_statistics(np.array([[0, 3]]), n_classes=2)
    with pytest.raises(ValueError, match="class_balance"):
        lm.fit_matrix(np.array([[0, 1, 1]]), n_classes=2, class_balance=[1.0, 0.0])
    model = lm.fit_matrix(np.array([[0, 1, 1]]), n_classes=2, model="majority")
    with pytest.raises(ValueError, match="columns"):
        lm.predict_proba(model, np.array([[0, 1]]))


def test_dawid_skene_abstentions_carry_no_evidence() -> None:
    """A row no LF votes on gets the (estimated or given) prior; abstain entries of the tables are 0."""
    data = synthetic_votes(500, 5, 3, seed=11, coverage=(0.3, 0.8))
    L = data.L.astype(np.int64)
    L[:7] = -1
    fitted = lm.fit_matrix(L, n_classes=3, model="dawid_skene")
    np.testing.assert_array_equal(fitted.tables[:, 0, :], 0.0)
    probs = lm.predict_proba(fitted, L)
    np.testing.assert_allclose(probs[:7], np.broadcast_to(fitted.class_balance, (7, 3)), rtol=1e-12)
    assert np.ptp(fitted.class_balance) > 0.01  # an estimated, non-uniform prior: not a trivial check
    given = lm.fit_matrix(L, n_classes=3, model="dawid_skene", class_balance=[0.2, 0.5, 0.3])
    np.testing.assert_allclose(lm.predict_proba(given, L)[:7], [[0.2, 0.5, 0.3]] * 7, rtol=1e-12)
    # The rows that vote are fitted as if the all-abstain rows were not there.
    rest = lm.fit_matrix(L[7:], n_classes=3, model="dawid_skene")
    np.testing.assert_allclose(rest.tables, fitted.tables, rtol=1e-12)


def test_dawid_skene_on_an_all_abstain_matrix_is_the_prior() -> None:
    fitted = lm.fit_matrix(np.full((4, 3), -1), n_classes=2, model="dawid_skene")
    assert fitted.converged
    np.testing.assert_array_equal(lm.predict_proba(fitted, np.full((4, 3), -1)), 0.5)


def test_dawid_skene_sparse_matrix_reports_convergence_honestly() -> None:
    """5% coverage, random votes: 100 EM steps do not settle (converged False), more do."""
    rng = np.random.default_rng(0)
    L = np.where(rng.random((2000, 10)) < 0.05, rng.integers(0, 2, (2000, 10)), -1)
    capped = lm.fit_matrix(L, n_classes=2, model="dawid_skene", max_iter=100)
    assert (capped.iterations, capped.converged) == (100, False)
    longer = lm.fit_matrix(L, n_classes=2, model="dawid_skene", max_iter=1000)
    assert longer.converged and longer.iterations < 1000
    no_votes = ~(L >= 0).any(axis=1)
    assert no_votes.mean() > 0.5
    np.testing.assert_allclose(
        lm.predict_proba(longer, L)[no_votes], longer.class_balance[None, :].repeat(no_votes.sum(), 0)
    )


def test_dawid_skene_dense_numbers_as_before() -> None:
    """No abstains: the numbers of the fit before abstentions stopped counting (commit 390693b), within
    2e-4 -- the vote tables are now normalised over the k votes, so the smoothing (0.01) shares a
    denominator of k, not k + 1, entries; hard labels and iterations equal."""
    data = synthetic_votes(500, 5, 3, seed=11, coverage=(1.0, 1.0))
    assert (data.L >= 0).all()
    fitted = lm.fit_matrix(data.L, n_classes=3, model="dawid_skene")
    probs = lm.predict_proba(fitted, data.L)
    assert (fitted.iterations, fitted.converged) == (15, True)
    np.testing.assert_allclose(
        fitted.class_balance, [0.37080950667071105, 0.3392913481261624, 0.28989914520312593], atol=2e-4
    )
    np.testing.assert_allclose(
        fitted.lf_accuracy,
        [0.6107856008993832, 0.7402249683660437, 0.5630039909555612, 0.6596240960199505, 0.8835850588810114],
        atol=2e-4,
    )
    np.testing.assert_allclose(
        probs[:3],
        [
            [0.9967052821214034, 0.00186736941148365, 0.00142734846711292],
            [0.6243388472986122, 0.3715532714043208, 0.00410788129706691],
            [0.00159197877240674, 0.9961913787736776, 0.00221664245391573],
        ],
        atol=2e-4,
    )
    labels = lm.hard_labels(probs)
    assert labels[:20].tolist() == [0, 0, 1, 0, 0, 2, 0, 0, 2, 1, 1, 1, 1, 0, 0, 2, 2, 1, 1, 1]
    assert (labels == data.y).mean() == 0.914


def test_rows_without_votes_abstain_only_under_abstain() -> None:
    probs = np.array([[0.7, 0.3], [0.7, 0.3], [0.5, 0.5]])
    no_votes = np.array([True, False, True])
    assert lm.hard_labels(probs, no_votes=no_votes).tolist() == [-1, 0, -1]
    hashed = lm.hard_labels(probs, tie_break="hash", asset_ids=["a", "b", "c"], no_votes=no_votes)
    assert hashed[:2].tolist() == [0, 0] and hashed[2] in (0, 1)
