"""Scores over samples (BALD, variation ratio), the sample mean standing in for scores, and the power
draw of stochastic batch acquisition: each one's defining property on constructed data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import entropy as scipy_entropy

from curation.core.sampling import Pool, Strategy, bald, entropy, sample_mean, select, variation_ratio


def probs(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 2.0) -> np.ndarray:
    z = rng.normal(size=shape) * scale
    p: np.ndarray = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)
    return p


def sample_pool(samples: np.ndarray, ids: list[str] | None = None, **kw: object) -> Pool:
    n = samples.shape[0]
    names = np.array(ids if ids is not None else [f"a{i:04d}" for i in range(n)])
    return Pool(names, np.zeros(n, bool), np.zeros(n, bool), score_samples=samples, **kw)  # type: ignore[arg-type]


def test_bald_tells_disagreement_from_shared_doubt() -> None:
    agree = np.array([[[0.5, 0.5]] * 4])
    disagree = np.array([[[1.0, 0.0], [0.0, 1.0]] * 2])
    # The entropy of the mean cannot tell them apart; BALD can.
    assert entropy(sample_mean(agree))[0] == pytest.approx(entropy(sample_mean(disagree))[0])
    assert bald(agree)[0] == 0.0
    assert bald(disagree)[0] == pytest.approx(np.log(2))  # the maximum for two classes


def test_bald_is_zero_when_all_samples_agree_and_matches_its_definition() -> None:
    rng = np.random.default_rng(0)
    p = probs(rng, (50, 1, 5))
    assert np.allclose(bald(np.repeat(p, 7, axis=1)), 0.0)
    s = probs(rng, (50, 6, 5))
    expected = scipy_entropy(s.mean(axis=1), axis=1) - scipy_entropy(s, axis=2).mean(axis=1)
    got = bald(s)
    assert np.allclose(got, expected) and (got >= 0).all()


def test_variation_ratio_values() -> None:
    one_hot = np.eye(3)
    preds = [[0, 0, 1, 2], [0, 0, 1, 1], [2, 2, 2, 2], [0, 1, 2, 2]]
    s = one_hot[np.array(preds)] * 0.8 + 0.2 / 3
    assert variation_ratio(s).tolist() == pytest.approx([0.5, 0.5, 0.0, 0.5])
    three = one_hot[np.array([[0, 1, 2]])] * 0.8 + 0.2 / 3
    assert variation_ratio(three)[0] == pytest.approx(2 / 3)


def test_sample_mean_stands_in_for_scores() -> None:
    rng = np.random.default_rng(1)
    s = probs(rng, (80, 5, 3))
    only_samples = select(sample_pool(s), [Strategy("uncertainty", measure="margin")], 10, seed=3)
    with_mean = select(sample_pool(s, scores=s.mean(axis=1)), [Strategy("uncertainty")], 10, seed=3)
    assert only_samples.rows.tolist() == with_mean.rows.tolist()


def test_sample_measures_rank_by_their_score() -> None:
    rng = np.random.default_rng(2)
    s = probs(rng, (100, 5, 4))
    for measure, fn in (("bald", bald), ("variation_ratio", variation_ratio)):
        sel = select(sample_pool(s), [Strategy("uncertainty", measure=measure)], 10, seed=0)
        score = fn(s)
        assert score[sel.rows].min() >= np.sort(score)[-10] and np.allclose(sel.score, score[sel.rows])


def test_sample_measures_need_samples() -> None:
    n = 4
    pool = Pool(np.array(list("abcd")), np.zeros(n, bool), np.zeros(n, bool), scores=np.full((n, 2), 0.5))
    with pytest.raises(ValueError, match="score samples"):
        select(pool, [Strategy("uncertainty", measure="bald")], 2, seed=0)


def redundant_pool(copies: int = 20, others: int = 180, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """``copies`` copies of the most uncertain point (confident samples that disagree) and ``others``
    distinct, less uncertain points."""
    rng = np.random.default_rng(seed)
    top = np.array([[0.98, 0.02], [0.02, 0.98]] * 3)
    rest = probs(rng, (others, 6, 2), scale=0.8)
    s = np.concatenate([np.repeat(top[None], copies, axis=0), rest])
    ids = [f"copy{i}" for i in range(copies)] + [f"other{i}" for i in range(others)]
    return s, ids


POWER = Strategy("uncertainty", measure="bald", batch_sampling="power")


def test_top_k_bald_picks_copies_and_power_bald_spreads() -> None:
    s, ids = redundant_pool()
    top = select(sample_pool(s, ids), [Strategy("uncertainty", measure="bald")], 10, seed=0)
    assert all(ids[r].startswith("copy") for r in top.rows)
    for seed in range(5):
        power = select(sample_pool(s, ids), [POWER], 10, seed=seed)
        copies = sum(ids[r].startswith("copy") for r in power.rows)
        assert copies <= 5, seed
        assert len(set(power.rows.tolist())) == 10


def test_power_draw_is_seeded_and_ignores_pool_order() -> None:
    s, ids = redundant_pool()
    a = select(sample_pool(s, ids), [POWER], 15, seed=11)
    b = select(sample_pool(s, ids), [POWER], 15, seed=11)
    perm = np.random.default_rng(5).permutation(len(ids))
    c = select(sample_pool(s[perm], [ids[i] for i in perm]), [POWER], 15, seed=11)
    picked = [ids[r] for r in a.rows]
    assert picked == [ids[r] for r in b.rows]
    assert picked == [ids[perm[r]] for r in c.rows]
    assert picked != [ids[r] for r in select(sample_pool(s, ids), [POWER], 15, seed=12).rows]


def test_power_draw_is_proportional_to_score_to_the_beta() -> None:
    # Two assets with entropies e1, e2: the first pick is asset 1 with probability e1^b / (e1^b + e2^b).
    scores = np.array([[0.9, 0.1], [0.6, 0.4]])
    e = entropy(scores)
    pool = Pool(np.array(["x", "y"]), np.zeros(2, bool), np.zeros(2, bool), scores=scores)
    for beta in (1.0, 3.0):
        strat = Strategy("uncertainty", measure="entropy", batch_sampling="power", power_beta=beta)
        firsts = np.array([select(pool, [strat], 1, seed=seed).rows[0] for seed in range(3000)])
        expected = e[1] ** beta / (e[0] ** beta + e[1] ** beta)
        assert (firsts == 1).mean() == pytest.approx(expected, abs=0.03)


def test_power_beta_zero_is_uniform_and_bad_beta_refused() -> None:
    scores = np.array([[0.99, 0.01], [0.5, 0.5]])
    pool = Pool(np.array(["x", "y"]), np.zeros(2, bool), np.zeros(2, bool), scores=scores)
    strat = Strategy("uncertainty", measure="entropy", batch_sampling="power", power_beta=0.0)
    firsts = np.array([select(pool, [strat], 1, seed=seed).rows[0] for seed in range(2000)])
    assert (firsts == 1).mean() == pytest.approx(0.5, abs=0.04)
    with pytest.raises(ValueError, match="beta"):
        select(pool, [Strategy("uncertainty", batch_sampling="power", power_beta=-1.0)], 1, seed=0)
