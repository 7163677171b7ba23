"""Does detection-aware selection save labels? Learning curves on synthetic detection images, driven by
the service core.

The setting (per seed):

- objects are scikit-learn digits (8 x 8, 64 features; classes drawn with frequencies falling as 0.7^c,
  so the high digits are rare); an image holds 1-6 objects at random boxes on a 128 x 128 canvas; the
  digits are split 2/3 : 1/3 between the pool's images and the held-out test images (600 / 150 images,
  smoke: 120 / 60);
- the "detector": a logistic-regression head on the features of the boxes of the labeled images
  (labeling an image labels every box in it) gives each box its class distribution; its localization
  error grows with how far the box's features lie from the labeled boxes (distance to the nearest
  labeled box over the median nearest-neighbour distance): a predicted box is the true box moved and
  resized by Gaussian noise of relative scale ``0.02 + 0.12 * min(distance ratio, 2)``. On the pool the
  detector makes S = 5 passes with independent noise (so passes disagree where it localizes badly);
  false positives and missed objects are not modelled;
- metric: COCO mAP@[.5:.95] of the test images' predictions (one detection per object: the argmax
  class, scored by its probability) computed by the service's detection core
  (``curation.core.detection.coco``: evaluate_images, accumulate, summarize -- pycocotools-exact);
- start with 20 random images, then batches of 20 picked by ``curation.core.sampling.select`` with the
  detection strategy (box aggregation per arm; the last arm draws the batch by the power rule, beta 1)
  or at random, up to 400 images (smoke: 60).

Reported per arm: images needed for the seed-averaged curve to reach random's final mAP and the saving
``1 - needed / budget``; the area under the learning curve (mean mAP over rounds) and its paired
difference from random (mean +- sd over seeds).

    python -m bench.label_savings_detection              # 16 seeds, every arm (~3.5 min on 2 cores)
    python -m bench.label_savings_detection --smoke      # 2 seeds, a few rounds
"""

from __future__ import annotations

import os

# Small matrices: one BLAS thread is faster, and threads oversubscribe a shared machine badly.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from curation.core.detection.coco import DetectionData, accumulate, evaluate_images, summarize
from curation.core.sampling import Detections, Pool, Strategy, choose_default, select

DEFAULT = "default (adaptive)"
ARMS: tuple[str, ...] = (
    "random",
    DEFAULT,
    "detection max entropy",
    "detection mean entropy",
    "detection sum entropy",
    "detection combined",
    "detection localization",
    "detection combined (power)",
)
_AGGREGATION = {
    "detection max entropy": "max_entropy",
    "detection mean entropy": "mean_entropy",
    "detection sum entropy": "sum_entropy",
    "detection combined": "combined",
    "detection localization": "localization",
    "detection combined (power)": "combined",
}
K = 10
CANVAS = 128.0
PASSES = 5
START, BATCH = 20, 20


@dataclass(frozen=True)
class Size:
    pool_images: int
    test_images: int
    budget: int


FULL = Size(pool_images=600, test_images=150, budget=400)
SMOKE = Size(pool_images=120, test_images=60, budget=60)


@dataclass(frozen=True)
class Images:
    """Objects of a set of images, columnar: image, feature row, class, true box (x, y, w, h)."""

    n: int
    image: np.ndarray
    x: np.ndarray
    y: np.ndarray
    box: np.ndarray


def make_images(x: np.ndarray, y: np.ndarray, n: int, rng: np.random.Generator) -> Images:
    """n images of 1-6 objects each, classes drawn with frequencies ~ 0.7^c from the given digits."""
    counts = rng.integers(1, 7, n)
    image = np.repeat(np.arange(n), counts)
    m = image.size
    freq = 0.7 ** np.arange(K)
    cls = rng.choice(K, m, p=freq / freq.sum())
    by_class = [np.flatnonzero(y == c) for c in range(K)]
    rows = np.array([rng.choice(by_class[c]) for c in cls])
    size = rng.uniform(12, 48, (m, 2))
    corner = rng.uniform(0, 1, (m, 2)) * (CANVAS - size)
    return Images(n=n, image=image, x=x[rows], y=cls, box=np.hstack([corner, size]))


def nearest_ratio(x: np.ndarray, ref: np.ndarray, scale: float) -> np.ndarray:
    """Distance of each row of ``x`` to its nearest row of ``ref``, over ``scale``."""
    d2 = (x**2).sum(1)[:, None] - 2 * x @ ref.T + (ref**2).sum(1)[None, :]
    out: np.ndarray = np.sqrt(np.maximum(d2.min(axis=1), 0.0)) / scale
    return out


def jitter(box: np.ndarray, ratio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Boxes moved and resized by noise of relative scale 0.02 + 0.12 * min(ratio, 2)."""
    sigma = (0.02 + 0.12 * np.minimum(ratio, 2.0))[:, None]
    wh = box[:, [2, 3, 2, 3]]
    out: np.ndarray = box + rng.normal(size=box.shape) * sigma * wh
    out[:, 2:] = np.maximum(out[:, 2:], 1.0)
    return out


def head(xl: np.ndarray, yl: np.ndarray) -> tuple[LogisticRegression | None, np.ndarray]:
    """The classification head fitted on the labeled boxes (None when they hold a single class)."""
    classes = np.unique(yl)
    if classes.size < 2:
        return None, classes
    model = LogisticRegression(max_iter=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(xl, yl)
    return model, classes


def probabilities(model: LogisticRegression | None, classes: np.ndarray, x: np.ndarray) -> np.ndarray:
    out = np.zeros((x.shape[0], K))
    if model is None:
        out[:, classes[0]] = 1.0
    else:
        out[:, model.classes_] = model.predict_proba(x)
    return out


def test_map(test: Images, probs: np.ndarray, box: np.ndarray) -> float:
    """COCO mAP@[.5:.95] (all areas, 100 detections) by the service's detection core."""
    gt_area = test.box[:, 2] * test.box[:, 3]
    data = DetectionData(
        num_images=test.n,
        num_categories=K,
        gt_image=test.image,
        gt_category=test.y,
        gt_box=test.box,
        gt_area=gt_area,
        gt_iscrowd=np.zeros(test.image.size, bool),
        dt_image=test.image,
        dt_category=np.argmax(probs, axis=1),
        dt_box=box,
        dt_score=probs.max(axis=1),
        dt_area=box[:, 2] * box[:, 3],
    )
    return float(summarize(accumulate(evaluate_images(data)))[0].value)


def _setting(seed: int, size: Size) -> tuple[Images, Images, float]:
    """Pool and test images of one seed, and the median nearest-neighbour distance of the digits."""
    digits = datasets.load_digits()
    rng = np.random.default_rng(seed)
    x = StandardScaler().fit_transform(digits.data)
    perm = rng.permutation(len(digits.target))
    cut = len(perm) // 3
    test_rows, pool_rows = perm[:cut], perm[cut:]
    pool = make_images(x[pool_rows], digits.target[pool_rows], size.pool_images, rng)
    test = make_images(x[test_rows], digits.target[test_rows], size.test_images, rng)
    d2 = ((x[:300, None, :] - x[None, :300, :]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    return pool, test, float(np.median(np.sqrt(d2.min(axis=1))))


def _pool_detections(
    pool: Images, probs: np.ndarray, ratio: np.ndarray, rng: np.random.Generator
) -> Detections:
    """S passes of the detector over the pool's images: the same class scores, independent box noise."""
    m = pool.image.size
    boxes = np.vstack([jitter(pool.box, ratio, rng) for _ in range(PASSES)])
    return Detections(
        image=np.tile(pool.image, PASSES),
        boxes=boxes,
        class_scores=np.tile(probs, (PASSES, 1)),
        sample=np.repeat(np.arange(PASSES), m),
        num_samples=PASSES,
    )


def _strategy(arm: str) -> Strategy:
    """The arm's strategy: random, or detection with its aggregation (top-k, or the power draw)."""
    if arm in ("random", DEFAULT):
        return Strategy("random")
    batch = "power" if arm.endswith("(power)") else "top"
    return Strategy("detection", box_aggregation=_AGGREGATION[arm], batch_sampling=batch)


def curve(arm: str, seed: int, *, smoke: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(images labeled, test mAP@[.5:.95]) after each round for one arm and seed."""
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r}")
    size = SMOKE if smoke else FULL
    pool, test, scale = _setting(seed, size)
    rng = np.random.default_rng(seed + 1_000_003)
    ids = np.array([f"image-{seed}-{i}" for i in range(pool.n)])
    labeled = np.zeros(pool.n, bool)
    labeled[rng.choice(pool.n, START, replace=False)] = True
    strategy = _strategy(arm)
    counts, maps = [], []
    while True:
        on = labeled[pool.image]
        model, classes = head(pool.x[on], pool.y[on])
        test_probs = probabilities(model, classes, test.x)
        test_ratio = nearest_ratio(test.x, pool.x[on], scale)
        maps.append(test_map(test, test_probs, jitter(test.box, test_ratio, rng)))
        counts.append(int(labeled.sum()))
        if labeled.sum() >= size.budget:
            break
        probs = probabilities(model, classes, pool.x)
        det = _pool_detections(pool, probs, nearest_ratio(pool.x, pool.x[on], scale), rng)
        p = Pool(ids, labeled, np.zeros(pool.n, bool), detections=det)
        batch = min(BATCH, size.budget - int(labeled.sum()))
        if arm == DEFAULT:
            choice = choose_default(p, batch, seed)
            sel = select(p, choice.strategies, batch, seed, dedup=choice.dedup)
        else:
            sel = select(p, [strategy], batch, seed)
        labeled = labeled.copy()
        labeled[sel.rows] = True
    return np.array(counts), np.array(maps)


def needed(counts: np.ndarray, metric: np.ndarray, target: float) -> int:
    """First label count whose metric reaches ``target`` (the last count when never reached)."""
    hit = np.flatnonzero(metric >= target - 1e-12)
    return int(counts[hit[0]]) if hit.size else int(counts[-1])


def _one(job: tuple[str, int, bool]) -> tuple[str, int, np.ndarray, np.ndarray]:
    arm, seed, smoke = job
    counts, metric = curve(arm, seed, smoke=smoke)
    return arm, seed, counts, metric


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="2 seeds, small pool, a few rounds")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per arm (default 16; smoke 2)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    seeds = args.seeds or (2 if args.smoke else 16)
    started = time.perf_counter()
    jobs = [(arm, seed, args.smoke) for arm in ARMS for seed in range(seeds)]
    curves: dict[str, list[np.ndarray]] = {arm: [] for arm in ARMS}
    counts = np.zeros(0)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for arm, _, c, metric in pool.map(_one, jobs):
            curves[arm].append(metric)
            counts = c
    m = {arm: np.vstack(v) for arm, v in curves.items()}
    budget = int(counts[-1])
    target = float(m["random"].mean(axis=0)[-1])
    aulc_random = m["random"].mean(axis=1)
    print(
        f"detection label savings: {seeds} seeds, images {int(counts[0])}..{budget} by {BATCH}, S = {PASSES}"
    )
    print(f"random's final mAP@[.5:.95] (seed mean): {target:.4f}")
    print(
        f"{'arm':<30}{'final mAP':>10}{'images to random final':>24}{'saving':>8}{'AULC':>8}{'AULC - random':>20}"
    )
    for arm in ARMS:
        mean = m[arm].mean(axis=0)
        need = needed(counts, mean, target)
        diff = m[arm].mean(axis=1) - aulc_random
        print(
            f"{arm:<30}{mean[-1]:>10.4f}{need:>24d}{1 - need / budget:>8.1%}{m[arm].mean():>8.4f}"
            f"{diff.mean():>+12.4f} +- {diff.std(ddof=1) if seeds > 1 else 0.0:.4f}"
        )
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
