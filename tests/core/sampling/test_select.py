"""Selection: determinism, mixtures, exclusions, budget, and each strategy's defining property."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import entropy as scipy_entropy

from curation.core.sampling import Dedup, Pool, Strategy, apportion, select, weak_label_vector
from curation.core.sampling.scores import entropy, hardness, least_confidence, margin, tie_keys


def make_pool(n: int = 200, k: int = 4, d: int = 8, seed: int = 0, **kw: object) -> Pool:
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k))
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    wl = rng.normal(size=(n, k)) * 2
    wp = np.exp(wl) / np.exp(wl).sum(1, keepdims=True)
    args: dict[str, object] = dict(
        asset_ids=np.array([f"id-{i:04d}" for i in range(n)]),
        labeled=np.zeros(n, bool),
        excluded=np.zeros(n, bool),
        scores=p,
        weak_probs=wp,
        embeddings=rng.normal(size=(n, d)).astype(np.float32),
        metadata={"site": np.array(["a", "b", "c", ""])[rng.integers(0, 4, n)]},
    )
    args.update(kw)
    return Pool(**args)  # type: ignore[arg-type]


def permuted(pool: Pool, perm: np.ndarray) -> Pool:
    def p(a: object) -> object:
        return None if a is None else np.asarray(a)[perm]

    return Pool(
        asset_ids=pool.asset_ids[perm],
        labeled=pool.labeled[perm],
        excluded=pool.excluded[perm],
        scores=p(pool.scores),  # type: ignore[arg-type]
        weak_probs=p(pool.weak_probs),  # type: ignore[arg-type]
        weak_labels=p(pool.weak_labels),  # type: ignore[arg-type]
        labels=p(pool.labels),  # type: ignore[arg-type]
        embeddings=p(pool.embeddings),  # type: ignore[arg-type]
        metadata={k: v[perm] for k, v in pool.metadata.items()},
        hardness=p(pool.hardness),  # type: ignore[arg-type]
    )


ALL_KINDS_MIX = [
    Strategy("lf_targeted", 0.1, target_classes=(1,)),
    Strategy("uncertainty", 0.2, measure="entropy"),
    Strategy("diversity", 0.2),
    Strategy("stratified", 0.1, strata="metadata", metadata_key="site"),
    Strategy("rarity", 0.1),
    Strategy("hardness", 0.1),
    Strategy("typicality", 0.1, clusters=8),
    Strategy("random", 0.1),
]


def ids_of(pool: Pool, rows: npt.NDArray[np.int64]) -> list[str]:
    ids: list[str] = pool.asset_ids[rows].tolist()
    return ids


def test_tie_keys_depend_on_id_and_seed_only() -> None:
    a = tie_keys(["x", "y", "zz"], 7)
    b = tie_keys(["zz", "x", "y"], 7)
    assert a.tolist() == [b[1], b[2], b[0]]
    assert tie_keys(["x"], 8)[0] != a[0]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), perm_seed=st.integers(0, 1000), with_dedup=st.booleans())
def test_same_seed_same_ids_whatever_the_pool_order(seed: int, perm_seed: int, with_dedup: bool) -> None:
    pool = make_pool(n=120)
    perm = np.random.default_rng(perm_seed).permutation(pool.n)
    dedup = Dedup(0.5, relative=True) if with_dedup else None
    a = select(pool, ALL_KINDS_MIX, 40, seed, dedup=dedup)
    b = select(permuted(pool, perm), ALL_KINDS_MIX, 40, seed, dedup=dedup)
    assert ids_of(pool, a.rows) == ids_of(permuted(pool, perm), b.rows)
    assert a.strategy.tolist() == b.strategy.tolist()
    np.testing.assert_allclose(a.score, b.score)


def test_random_differs_between_seeds_and_is_reproducible() -> None:
    pool = make_pool()
    a = select(pool, [Strategy("random")], 20, 1).rows
    assert a.tolist() == select(pool, [Strategy("random")], 20, 1).rows.tolist()
    assert a.tolist() != select(pool, [Strategy("random")], 20, 2).rows.tolist()


@settings(max_examples=25, deadline=None)
@given(
    budget=st.integers(1, 150),
    seed=st.integers(0, 100),
    n_labeled=st.integers(0, 40),
    n_excluded=st.integers(0, 40),
)
def test_mixture_no_duplicates_budget_met_exclusions_honoured(
    budget: int, seed: int, n_labeled: int, n_excluded: int
) -> None:
    rng = np.random.default_rng(seed)
    n = 150
    labeled = np.zeros(n, bool)
    excluded = np.zeros(n, bool)
    labeled[rng.choice(n, n_labeled, replace=False)] = True
    excluded[rng.choice(n, n_excluded, replace=False)] = True
    pool = make_pool(
        n=n, labeled=labeled, excluded=excluded, labels=np.where(labeled, rng.integers(0, 4, n), -1)
    )
    sel = select(pool, ALL_KINDS_MIX, budget, seed)
    rows = sel.rows.tolist()
    assert len(rows) == len(set(rows))
    assert not (labeled | excluded)[sel.rows].any()
    available = int((~(labeled | excluded)).sum())
    assert len(rows) == min(budget, available)
    assert (len(rows) < budget) == any(w.code == "BUDGET_EXCEEDS_POOL" for w in sel.findings)
    assert sel.strategy_rank.min(initial=1) >= 1


def test_apportion_largest_remainder() -> None:
    assert apportion(20, [0.5, 0.3, 0.2]).tolist() == [10, 6, 4]
    assert apportion(7, [1 / 3] * 3).tolist() == [3, 2, 2]
    assert apportion(5, [0, 0]).tolist() == [3, 2]
    assert apportion(0, [1.0]).tolist() == [0]


@pytest.mark.parametrize("measure", ["least_confidence", "margin", "entropy"])
def test_uncertainty_picks_the_top_scores(measure: str) -> None:
    pool = make_pool()
    p = pool.scores
    assert p is not None
    ref = {
        "least_confidence": 1 - p.max(1),
        "margin": 1 - (np.sort(p, 1)[:, -1] - np.sort(p, 1)[:, -2]),
        "entropy": scipy_entropy(p, axis=1),
    }[measure]
    sel = select(pool, [Strategy("uncertainty", measure=measure)], 15, 0)
    assert sorted(sel.rows.tolist()) == sorted(np.argsort(-ref)[:15].tolist())
    np.testing.assert_allclose(sel.score, ref[sel.rows])
    assert (np.diff(sel.score) <= 1e-12).all()


def test_score_functions_match_their_definitions() -> None:
    p = np.array([[0.5, 0.3, 0.2], [1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(least_confidence(p), [0.5, 0.0, 2 / 3])
    np.testing.assert_allclose(margin(p), [0.8, 0.0, 1.0])
    np.testing.assert_allclose(entropy(p), scipy_entropy(p, axis=1))
    np.testing.assert_allclose(hardness(p, [2, -1, 0]), [-np.log(0.2), 0.0, np.log(3)])


def test_ties_are_broken_by_hash_not_position() -> None:
    n = 50
    pool = make_pool(n=n, scores=np.full((n, 4), 0.25))
    sel = select(pool, [Strategy("uncertainty")], 10, 3)
    expected = np.argsort(tie_keys(pool.asset_ids, 3))[:10]
    assert sel.rows.tolist() == expected.tolist()


def test_hardness_uses_given_score_or_loss() -> None:
    pool = make_pool(hardness=np.arange(200, dtype=float))
    assert select(pool, [Strategy("hardness")], 3, 0).rows.tolist() == [199, 198, 197]
    n = 200
    labels = np.full(n, -1)
    labels[5] = int(np.argmin(make_pool().scores[5]))  # type: ignore[index]
    scores = np.full((n, 4), 0.25)
    scores[5] = [0.97, 0.01, 0.01, 0.01]
    labels[5] = 1
    pool2 = make_pool(scores=scores, labels=labels)
    assert select(pool2, [Strategy("hardness")], 1, 0).rows.tolist() == [5]


def test_lf_targeted_targets_classes_by_confidence_and_filters_on_model() -> None:
    pool = make_pool(n=300)
    weak = weak_label_vector(pool.weak_probs, None)
    assert weak is not None and pool.weak_probs is not None and pool.scores is not None
    sel = select(pool, [Strategy("lf_targeted", target_classes=(2,))], 10, 0)
    assert (weak[sel.rows] == 2).all()
    conf = pool.weak_probs[np.arange(300), weak]
    best = np.flatnonzero(weak == 2)[np.argsort(-conf[weak == 2])][:10]
    assert sel.rows.tolist() == best.tolist()
    sel2 = select(pool, [Strategy("lf_targeted", target_classes=(2,), lf_filter="disagree")], 10, 0)
    assert (pool.scores[sel2.rows].argmax(1) != 2).all()


def test_weak_labels_hard_form_with_abstain() -> None:
    n = 100
    wl = np.full(n, -1)
    wl[:10] = 3
    pool = make_pool(n=n, weak_probs=None, weak_labels=wl)
    sel = select(pool, [Strategy("lf_targeted")], 20, 0)
    assert sorted(sel.rows[:10].tolist()) == list(range(10))
    assert (sel.strategy[10:] == -1).all()
    assert any(w.code == "STRATEGY_SHORTFALL" for w in sel.findings)


def test_weak_label_vector_abstains_on_ties() -> None:
    out = weak_label_vector(np.array([[0.5, 0.5], [0.2, 0.8]]), None)
    assert out is not None and out.tolist() == [-1, 1]


def test_stratified_equal_and_proportional() -> None:
    n = 400
    site = np.array(["a"] * 300 + ["b"] * 80 + ["c"] * 20)
    pool = make_pool(n=n, metadata={"site": site})
    eq = select(pool, [Strategy("stratified", strata="metadata", metadata_key="site")], 60, 0)
    assert sorted(np.unique(site[eq.rows], return_counts=True)[1].tolist()) == [20, 20, 20]
    eq2 = select(pool, [Strategy("stratified", strata="metadata", metadata_key="site")], 90, 0)
    counts = dict(zip(*np.unique(site[eq2.rows], return_counts=True), strict=True))
    assert counts == {"a": 35, "b": 35, "c": 20}  # c capped at its size, the rest water-filled
    prop = select(
        pool, [Strategy("stratified", strata="metadata", metadata_key="site", proportional=True)], 40, 0
    )
    counts = dict(zip(*np.unique(site[prop.rows], return_counts=True), strict=True))
    assert counts == {"a": 30, "b": 8, "c": 2}


def test_rarity_moves_toward_the_target_distribution() -> None:
    n = 300
    k = 3
    pred = np.repeat(np.arange(k), 100)
    scores = np.full((n, k), 0.1)
    scores[np.arange(n), pred] = 0.8
    labeled = np.zeros(n, bool)
    labeled[:60] = True  # 60 labeled of class 0
    labels = np.where(labeled, 0, -1)
    pool = make_pool(n=n, k=k, scores=scores, labeled=labeled, labels=labels)
    sel = select(pool, [Strategy("rarity")], 60, 0)
    got = np.bincount(pred[sel.rows], minlength=k)
    assert got.tolist() == [0, 30, 30]
    sel2 = select(pool, [Strategy("rarity", target_distribution=(0.0, 0.0, 1.0))], 20, 0)
    assert (pred[sel2.rows] == 2).all()


def test_diversity_uses_labeled_and_selected_as_centers() -> None:
    x = np.array([[0.0, 0], [0.1, 0], [10, 0], [10.1, 0], [0, 10], [5, 5]], dtype=np.float32)
    labeled = np.array([True, False, False, False, False, False])
    pool = make_pool(n=6, embeddings=x, labeled=labeled)
    sel = select(pool, [Strategy("uncertainty", 0.5), Strategy("diversity", 0.5)], 2, 0, dedup=None)
    picked_first = sel.rows[0]
    # The k-center pick is the point farthest from the labeled point AND the uncertainty pick.
    centers = np.vstack([x[0], x[picked_first]])
    cand = [i for i in range(1, 6) if i != picked_first]
    d = np.array([np.min(np.linalg.norm(centers - x[i], axis=1)) for i in cand])
    assert sel.rows[1] == cand[int(np.argmax(d))]
    np.testing.assert_allclose(sel.distance[1], d.max(), rtol=1e-5)
    assert np.isnan(sel.distance[0])


def test_dedup_never_selects_two_near_duplicates_nor_a_copy_of_a_labeled_asset() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=(100, 16)).astype(np.float32)
    x = np.vstack([base, base[:30] + 1e-4, base[30:40] + 1e-4])  # 30 copies, 10 copies of labeled
    n = x.shape[0]
    labeled = np.zeros(n, bool)
    labeled[30:40] = True
    pool = make_pool(n=n, embeddings=x, labeled=labeled, scores=np.full((n, 4), 0.25))
    sel = select(pool, [Strategy("uncertainty", 0.5), Strategy("random", 0.5)], 80, 0, dedup=Dedup(0.01))
    rows = set(sel.rows.tolist())
    for i in range(30):
        assert not ({i, 100 + i} <= rows)
    assert not rows & set(range(130, 140))
    assert sel.duplicate_groups == 40
    plain = select(pool, [Strategy("uncertainty")], 80, 0)
    assert any({i, 100 + i} <= set(plain.rows.tolist()) for i in range(30))


def test_missing_inputs_are_value_errors() -> None:
    pool = make_pool(scores=None)
    with pytest.raises(ValueError, match="needs model scores"):
        select(pool, [Strategy("uncertainty")], 3, 0)
    with pytest.raises(ValueError, match="unknown strategy"):
        select(make_pool(), [Strategy("bogus")], 3, 0)
    with pytest.raises(ValueError, match="no metadata column"):
        select(make_pool(), [Strategy("stratified", strata="metadata", metadata_key="zzz")], 3, 0)
