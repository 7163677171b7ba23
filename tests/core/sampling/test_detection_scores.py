"""Image scores from predicted boxes: entropy aggregations, localization disagreement across passes,
images without boxes last, and the detection strategy's determinism."""

from __future__ import annotations

import numpy as np
import pytest

from curation.core._common.boxes import paired_iou
from curation.core.sampling import Detections, Pool, Strategy, box_entropy, image_scores, localization, select


def dist(p: float) -> list[float]:
    return [p, 1.0 - p]


def boxes(m: int) -> np.ndarray:
    return np.tile([0.0, 0.0, 10.0, 10.0], (m, 1))


def det(image: list[int], scores: list[list[float]], **kw: object) -> Detections:
    return Detections(np.array(image), boxes(len(image)), np.array(scores), **kw)  # type: ignore[arg-type]


def pool_of(n: int, d: Detections) -> Pool:
    return Pool(np.array([f"img{i}" for i in range(n)]), np.zeros(n, bool), np.zeros(n, bool), detections=d)


def ranked(n: int, d: Detections, aggregation: str) -> list[int]:
    rows: list[int] = select(
        pool_of(n, d), [Strategy("detection", box_aggregation=aggregation)], n, seed=0
    ).rows.tolist()
    return rows


def test_confident_boxes_score_below_ambiguous_ones() -> None:
    d = det([0, 0, 1, 1], [dist(0.99), dist(0.98), dist(0.6), dist(0.55)])
    for how in ("max_entropy", "mean_entropy", "sum_entropy", "combined"):
        score, has = image_scores(d, 2, how)
        assert score[0] < score[1] and has.all(), how
        assert ranked(2, d, how) == [1, 0]


def test_max_mean_and_sum_differ_as_defined() -> None:
    # Image 0: one ambiguous box among three certain ones; 1: two fairly ambiguous boxes; 2: one box.
    e_half, e_80, e_70 = box_entropy(np.array([dist(0.5), dist(0.8), dist(0.7)]))
    d = det(
        [0, 0, 0, 0, 1, 1, 2],
        [dist(0.5), dist(1.0), dist(1.0), dist(1.0), dist(0.8), dist(0.8), dist(0.7)],
    )
    assert image_scores(d, 3, "max_entropy")[0] == pytest.approx([e_half, e_80, e_70])
    assert image_scores(d, 3, "mean_entropy")[0] == pytest.approx([e_half / 4, e_80, e_70])
    assert image_scores(d, 3, "sum_entropy")[0] == pytest.approx([e_half, 2 * e_80, e_70])
    assert ranked(3, d, "max_entropy") == [0, 2, 1]
    assert ranked(3, d, "mean_entropy") == [2, 1, 0]
    assert ranked(3, d, "sum_entropy") == [1, 0, 2]


def test_sum_is_per_pass() -> None:
    one = det([0, 0], [dist(0.5), dist(0.5)])
    two = det([0, 0, 0, 0], [dist(0.5)] * 4, sample=np.array([0, 0, 1, 1]), num_samples=2)
    assert image_scores(two, 1, "sum_entropy")[0] == pytest.approx(image_scores(one, 1, "sum_entropy")[0])


def test_a_single_score_is_a_binary_distribution() -> None:
    assert box_entropy(np.array([[0.8], [1.0]])).tolist() == pytest.approx(
        box_entropy(np.array([dist(0.8), dist(1.0)]))
    )


def jittered(rng: np.random.Generator, base: np.ndarray, scale: float) -> np.ndarray:
    out: np.ndarray = base + rng.normal(scale=scale, size=base.shape) * base[:, [2, 3, 2, 3]]
    out[:, 2:] = np.abs(out[:, 2:])
    return out


def passes(base: np.ndarray, image: np.ndarray, s: int, scale: float, seed: int = 0) -> Detections:
    rng = np.random.default_rng(seed)
    b = np.vstack([base if i == 0 else jittered(rng, base, scale) for i in range(s)])
    m = base.shape[0]
    return Detections(
        np.tile(image, s), b, np.full((m * s, 2), 0.5), sample=np.repeat(np.arange(s), m), num_samples=s
    )


def test_localization_zero_for_identical_passes_and_positive_when_jittered() -> None:
    rng = np.random.default_rng(0)
    base = np.hstack([rng.uniform(0, 100, (30, 2)), rng.uniform(5, 30, (30, 2))])
    image = rng.integers(0, 6, 30)
    assert np.allclose(localization(passes(base, image, 4, 0.0), 6), 0.0)
    loc = localization(passes(base, image, 4, 0.1), 6)
    assert (loc[np.unique(image)] > 0).all()
    # More jitter, more disagreement.
    assert loc.sum() < localization(passes(base, image, 4, 0.3), 6).sum()


def test_localization_values_on_a_constructed_case() -> None:
    # Image 0: the pass-1 box is shifted by half a width (IoU 1/3). Image 1: pass 0 has two boxes, pass 1
    # only the first: 0 + 1 (unmatched) on pass 0's side, 0 on pass 1's.
    b = np.array([[0, 0, 2, 2], [1, 0, 2, 2], [0, 0, 1, 1], [50, 50, 1, 1], [0, 0, 1, 1]], dtype=float)
    d = Detections(
        np.array([0, 0, 1, 1, 1]), b, np.full((5, 2), 0.5), sample=np.array([0, 1, 0, 0, 1]), num_samples=2
    )
    assert localization(d, 3).tolist() == pytest.approx([2 / 3, 1 / 3, 0.0])
    # One-to-one: a duplicate box in pass 1 is left unmatched (a best match alone would call it agreement).
    dup = Detections(
        np.zeros(3, np.int64),
        np.tile([0.0, 0, 2, 2], (3, 1)),
        np.full((3, 2), 0.5),
        sample=np.array([0, 1, 1]),
        num_samples=2,
    )
    assert localization(dup, 1).tolist() == pytest.approx([1 / 3])
    # Combined = mean entropy + localization.
    assert image_scores(d, 3, "combined")[0] == pytest.approx([np.log(2) + 2 / 3, np.log(2) + 1 / 3, 0.0])


def brute_localization(d: Detections, n: int) -> np.ndarray:
    """The definition with Python loops over boxes (sequential greedy matching by descending IoU, ties by
    pass-0 row then pass-s row): the oracle of the vectorised version."""
    sample = np.asarray(d.sample)
    dis, cnt = np.zeros(n), np.zeros(n)
    for s in range(1, d.num_samples):
        for img in range(n):
            a = np.flatnonzero((sample == 0) & (d.image == img))
            b = np.flatnonzero((sample == s) & (d.image == img))
            pairs = [
                (paired_iou(d.boxes[[i]], d.boxes[[j]])[0], x, y)
                for x, i in enumerate(a)
                for y, j in enumerate(b)
            ]
            free_a, free_b, matched = set(range(a.size)), set(range(b.size)), 0.0
            for iou, x, y in sorted(pairs, key=lambda t: (-t[0], t[1], t[2])):
                if iou > 0 and x in free_a and y in free_b:
                    free_a.discard(x)
                    free_b.discard(y)
                    matched += iou
            dis[img] += a.size + b.size - 2 * matched
            cnt[img] += a.size + b.size
    return np.divide(dis, cnt, out=np.zeros(n), where=cnt > 0)


@pytest.mark.parametrize("seed", range(4))
def test_localization_matches_the_definition_on_random_boxes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = 300
    b = np.hstack([rng.uniform(0, 20, (m, 2)), rng.uniform(1, 10, (m, 2))])
    d = Detections(
        rng.integers(0, 12, m), b, np.full((m, 2), 0.5), sample=rng.integers(0, 4, m), num_samples=4
    )
    assert np.allclose(localization(d, 14), brute_localization(d, 14))


def test_images_without_boxes_come_last_with_score_zero() -> None:
    d = det([1, 3, 3], [dist(1.0), dist(0.6), dist(1.0)])
    for batch in ("top", "power"):
        sel = select(pool_of(6, d), [Strategy("detection", batch_sampling=batch)], 6, seed=1)
        assert sorted(sel.rows[:2].tolist()) == [1, 3], batch
        assert sel.score[2:].tolist() == [0.0] * 4
    assert ranked(6, d, "max_entropy")[:2] == [3, 1]


def test_detection_is_pool_order_invariant_and_needs_detections() -> None:
    rng = np.random.default_rng(4)
    n, m = 40, 120
    image = rng.integers(0, n, m)
    scores = rng.dirichlet(np.ones(3), m)
    d = Detections(image, boxes(m), scores)
    perm = rng.permutation(n)
    inverse = np.argsort(perm)
    ids = np.array([f"img{i}" for i in range(n)])
    s = [Strategy("detection", box_aggregation="mean_entropy", batch_sampling="power")]
    a = select(pool_of(n, d), s, 10, seed=2)
    moved = Pool(
        ids[perm],
        np.zeros(n, bool),
        np.zeros(n, bool),
        detections=Detections(inverse[image], boxes(m), scores),
    )
    b = select(moved, s, 10, seed=2)
    assert ids[a.rows].tolist() == ids[perm][b.rows].tolist()
    with pytest.raises(ValueError, match="detections"):
        select(Pool(ids, np.zeros(n, bool), np.zeros(n, bool)), [Strategy("detection")], 3, seed=0)


def test_localization_is_the_same_in_small_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    from curation.core.sampling import detection_scores

    rng = np.random.default_rng(9)
    m = 300
    b = np.hstack([rng.uniform(0, 20, (m, 2)), rng.uniform(1, 10, (m, 2))])
    d = Detections(
        rng.integers(0, 12, m), b, np.full((m, 2), 0.5), sample=rng.integers(0, 3, m), num_samples=3
    )
    whole = localization(d, 12)
    monkeypatch.setattr(detection_scores, "PAIR_BUDGET", 7)
    assert localization(d, 12).tolist() == whole.tolist()
