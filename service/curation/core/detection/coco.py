"""COCO detection evaluation, bit-identical to pycocotools' ``COCOeval`` (bbox and segm).

Three steps, as in pycocotools, but vectorised across images, categories and thresholds:

* :func:`evaluate_images` matches detections to ground truth per (image, category) and returns a
  :class:`MatchState` holding one row per kept detection and per GT. State is per image, so a large
  evaluation can be split by images, each part evaluated alone, and the parts joined with
  :func:`merge_states` (the image and category indices must be global).
* :func:`accumulate` builds the ``precision``/``scores`` arrays ``[T, R, K, A, M]`` and ``recall``
  ``[T, K, A, M]`` exactly as ``COCOeval.accumulate``.
* :func:`summarize` returns the 12 numbers of ``COCOeval.summarize`` for detection.

Rules copied from pycocotools (``cocoeval.py`` 2.0): thresholds from ``np.linspace``; the GT's
supplied ``area`` (not the box) against inclusive area bounds; detection area = box ``w*h``; crowd IoU
with the detection area as union; detections sorted by score with a stable merge sort (ties in input
order) and cut to ``maxDets[-1]`` per image *and category*; the greedy match takes the last GT with the
highest IoU >= ``min(t, 1-1e-10)``; precision ``tp / (tp + fp + spacing(1))``, right-to-left
envelope, sampled with ``searchsorted(..., 'left')`` at the recall thresholds; -1 where a category
has no counted GT.

``mode="coco"`` reproduces two traps: a supplied ``ignore`` flag is discarded (only ``iscrowd``
ignores) and a GT whose annotation id is 0 can be matched but its detection still counts as a false
positive (pycocotools stores ids in the match arrays and reads 0 as "unmatched").
``mode="diagnostic"`` honours ``ignore`` and treats id 0 as any other id; :data:`DIAGNOSTIC_CHANGES`
lists what it changes. ``mode="lvis"`` matches as the lvis package's ``LVISEval``: no crowd regions,
``ignore`` honoured, the id-0 trap kept, and an unmatched detection flagged ``dt_not_exhaustive``
ignored rather than a false positive (the selection of objects LVIS evaluates is
:mod:`~curation.core.detection.lvis`'s).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import weighted_spans
from curation.core.detection._coco_kernels import FP, IGNORED, accumulate_kernel, bucket_order, match_kernel
from curation.core.detection._grouping import Groups, box_ious, group_bounds, group_objects
from curation.core.detection._ordering import desc_order, in_accumulation_order, state_rows

__all__ = [
    "DIAGNOSTIC_CHANGES",
    "CocoArrays",
    "CocoParams",
    "DetectionData",
    "IouFn",
    "MatchState",
    "Mode",
    "SummaryStat",
    "accumulate",
    "accumulate_into",
    "area_all_params",
    "empty_arrays",
    "evaluate_images",
    "mean_valid",
    "merge_states",
    "summarize",
]

Mode = Literal["coco", "diagnostic", "lvis"]

DIAGNOSTIC_CHANGES: tuple[str, ...] = (
    "a GT's supplied ignore flag is honoured (pycocotools overwrites it with iscrowd)",
    "a GT with annotation id 0 is matched like any other (pycocotools counts its match as a false positive)",
)

# (gt rows, kept detection rows, g_lo, g_hi, d_lo, d_hi, offsets) -> concatenated IoU blocks.
IouFn = Callable[[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray, IntArray], FloatArray]

# Work per compiled call between two cancellation checkpoints (about 5-10 ms each on the 2-core
# machine): matching in (IoU cell x area range x threshold) units, accumulation in (detection x area
# range x threshold) plus (area range x maxDets x threshold x recall point) units. Each call covers
# whole groups (images x categories) or whole categories, so the results do not depend on the cut.
MATCH_BUDGET = 5_000_000
ACCUMULATE_BUDGET = 5_000_000


def _linspace(lo: float, hi: float, step: float) -> FloatArray:
    """Thresholds from ``lo`` to ``hi``: the exact construction of pycocotools' ``Params.setDetParams``."""
    return np.linspace(lo, hi, int(np.round((hi - lo) / step)) + 1, endpoint=True)


@dataclass(frozen=True)
class CocoParams:
    """Evaluation parameters; the defaults are pycocotools' ``Params(iouType='bbox')``."""

    iou_thrs: FloatArray = field(default_factory=lambda: _linspace(0.5, 0.95, 0.05))
    rec_thrs: FloatArray = field(default_factory=lambda: _linspace(0.0, 1.0, 0.01))
    max_dets: tuple[int, ...] = (1, 10, 100)
    area_rngs: FloatArray = field(
        default_factory=lambda: np.array(
            [[0**2, 1e5**2], [0**2, 32**2], [32**2, 96**2], [96**2, 1e5**2]], dtype=np.float64
        )
    )
    area_labels: tuple[str, ...] = ("all", "small", "medium", "large")

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_dets", tuple(sorted(int(m) for m in self.max_dets)))
        iou = np.asarray(self.iou_thrs, dtype=np.float64).reshape(-1)
        rec = np.asarray(self.rec_thrs, dtype=np.float64).reshape(-1)
        rng = np.asarray(self.area_rngs, dtype=np.float64).reshape(-1, 2)
        object.__setattr__(self, "iou_thrs", iou)
        object.__setattr__(self, "rec_thrs", rec)
        object.__setattr__(self, "area_rngs", rng)
        if len(self.area_labels) != rng.shape[0]:
            raise ValueError("area_labels must name every area range")
        if not self.max_dets or iou.size == 0 or rec.size == 0 or rng.shape[0] == 0:
            raise ValueError("iou_thrs, rec_thrs, max_dets and area_rngs must be non-empty")

    def same_as(self, other: CocoParams) -> bool:
        """Whether both hold the same parameters (so states evaluated with them can be merged)."""
        return (
            np.array_equal(self.iou_thrs, other.iou_thrs)
            and np.array_equal(self.rec_thrs, other.rec_thrs)
            and self.max_dets == other.max_dets
            and np.array_equal(self.area_rngs, other.area_rngs)
            and self.area_labels == other.area_labels
        )


def area_all_params(params: CocoParams, iou_thrs: FloatArray) -> CocoParams:
    """``params`` at ``iou_thrs``, COCO's area range "all" and the largest maxDets only: the matching
    the operating point and the object slices use."""
    return CocoParams(
        iou_thrs=iou_thrs,
        rec_thrs=params.rec_thrs,
        max_dets=(params.max_dets[-1],),
        area_rngs=np.array([[0.0, 1e5**2]]),
        area_labels=("all",),
    )


@dataclass(frozen=True)
class DetectionData:
    """Columnar ground truth and detections. Images and categories are indices ``0..num_images-1``/``0..K-1``
    in evaluation order (pycocotools sorts image and category ids; the caller does the same).

    ``gt_rows``/``dt_rows`` name each object in the caller's numbering (default ``arange``); a shard
    passes its global rows so merged states refer to global objects. ``dt_not_exhaustive`` (LVIS): the
    detection's category may lack GT on its image, so unmatched it is ignored, not a false positive.
    passes its global rows so merged states refer to global objects. ``image_source_rank`` is each
    image's position in the caller's own listing (a COCO file's ``images``; default evaluation order):
    TIDE visits images in that order, as tidecv does.
    """

    num_images: int
    num_categories: int
    gt_image: IntArray
    gt_category: IntArray
    gt_box: FloatArray
    gt_area: FloatArray
    gt_iscrowd: BoolArray
    dt_image: IntArray
    dt_category: IntArray
    dt_box: FloatArray
    dt_score: FloatArray
    dt_area: FloatArray
    gt_ignore: BoolArray | None = None
    gt_zero_id: BoolArray | None = None
    # Ignored in every mode (keypoints: a GT with ``num_keypoints == 0``, as pycocotools' ``_prepare``).
    gt_ignore_always: BoolArray | None = None
    gt_rows: IntArray | None = None
    dt_rows: IntArray | None = None
    dt_not_exhaustive: BoolArray | None = None
    image_source_rank: IntArray | None = None

    @property
    def num_gt(self) -> int:
        return int(self.gt_image.shape[0])

    @property
    def num_dt(self) -> int:
        return int(self.dt_image.shape[0])


@dataclass(frozen=True)
class MatchState:
    """Per-object matching results: the mergeable state between evaluate and accumulate.

    Detection arrays hold only detections kept by the ``maxDets[-1]`` cut, in accumulation order
    (category, descending score, image, in-group rank) when :func:`evaluate_images` made them.
    ``dt_codes[i, a, t]`` is 0 (false positive), 1 (true positive) or 2 (ignored). ``dt_match[i, t]`` is
    the matched GT's row (caller numbering) under area range 0, -1 when unmatched (no columns when
    evaluated with ``keep_matches=False``). ``gt_counted[a, j]`` is true when GT
    ``j`` counts as a positive in area range ``a``.
    """

    params: CocoParams
    num_images: int
    num_categories: int
    dt_row: IntArray
    dt_image: IntArray
    dt_category: IntArray
    dt_rank: IntArray
    dt_score: FloatArray
    dt_codes: npt.NDArray[np.uint8]
    dt_match: IntArray
    dt_match_iou: FloatArray
    gt_row: IntArray
    gt_image: IntArray
    gt_category: IntArray
    gt_counted: BoolArray
    num_truncated: int


@dataclass(frozen=True)
class CocoArrays:
    """``COCOeval.eval``: precision and scores ``[T, R, K, A, M]``, recall ``[T, K, A, M]``."""

    precision: FloatArray
    recall: FloatArray
    scores: FloatArray


@dataclass(frozen=True)
class SummaryStat:
    """One line of ``COCOeval.summarize``; ``value`` is -1 when nothing was counted."""

    name: str
    kind: Literal["AP", "AR"]
    iou: float | None
    area: str
    max_dets: int
    value: float
    # LVIS: the frequency group averaged ("r", "c", "f"); "" = all categories.
    frequency: str = ""


def evaluate_images(
    data: DetectionData,
    params: CocoParams | None = None,
    *,
    mode: Mode = "coco",
    iou_fn: IouFn | None = None,
    keep_matches: bool = True,
) -> MatchState:
    """Match detections to GT per (image, category) as ``COCOeval.evaluate``.

    ``keep_matches=False`` leaves ``dt_match``/``dt_match_iou`` without columns (``[N, 0]``): what
    COCO's numbers alone need, without the 16 bytes per detection and threshold those two hold.

    ``iou_fn``, when given, replaces box IoU (used for masks): it is called with the GT rows and the
    kept detection rows (both in group order) and the group bounds, and returns the concatenated
    row-major (D x G) IoU blocks of the groups, block ``q`` at ``offsets[q]``.
    """
    p = params or CocoParams()
    acc, groups = _image_category_groups(data, p.max_dets[-1])
    # The state keeps the detections in accumulation order; ``pos`` is each one's row there.
    rows, pos = state_rows(acc, groups.d_order, data.num_dt)
    del acc
    gt = _grouped_gt(data, groups.g_order, mode)
    ious = _group_ious(data, groups, gt.crowd, iou_fn)
    codes, match, match_iou = _match(data, p, groups, pos, gt, ious, keep_matches)
    if data.dt_not_exhaustive is not None:
        _forgive_not_exhaustive(codes, data.dt_not_exhaustive[rows])
    checkpoint()
    rank = np.empty_like(groups.rank)
    rank[pos] = groups.rank
    return MatchState(
        params=p,
        num_images=data.num_images,
        num_categories=data.num_categories,
        dt_row=rows if data.dt_rows is None else data.dt_rows[rows],
        dt_image=np.asarray(data.dt_image, dtype=np.int64)[rows],
        dt_category=np.asarray(data.dt_category, dtype=np.int64)[rows],
        dt_rank=rank,
        dt_score=np.asarray(data.dt_score, dtype=np.float64)[rows],
        dt_codes=codes,
        dt_match=match,
        dt_match_iou=match_iou,
        gt_row=gt.rows,
        gt_image=np.asarray(data.gt_image, dtype=np.int64)[groups.g_order],
        gt_category=np.asarray(data.gt_category, dtype=np.int64)[groups.g_order],
        gt_counted=_counted(gt, p),
        num_truncated=groups.num_truncated,
    )


def _forgive_not_exhaustive(codes: npt.NDArray[np.uint8], lenient: BoolArray) -> None:
    """LVIS: a false positive of a not-exhaustively annotated (image, category) is ignored instead. A
    code is FP only when the detection is unmatched (or matched to the id-0 trap) inside the area
    range, exactly the detections ``LVISEval.evaluate_img`` moves to ``dt_ignore``."""
    if not lenient.any():
        return
    sub = codes[lenient]
    sub[sub == FP] = IGNORED
    codes[lenient] = sub


@dataclass(frozen=True, slots=True)
class _GroupedGt:
    """What matching reads of each GT, in group order."""

    rows: IntArray  # caller numbering
    area: FloatArray
    crowd: BoolArray
    ignore: BoolArray
    zero_id: BoolArray


def _image_category_groups(data: DetectionData, max_det: int) -> tuple[IntArray, Groups]:
    """All detections in accumulation order (category, -score, image, input), and the groups: GT by
    (image, category), input order kept; detections by (image, category, -score, input), cut to
    ``max_det`` per group."""
    K, n_img = data.num_categories, data.num_images
    gt_image = np.ascontiguousarray(data.gt_image, dtype=np.int64)
    gt_cat = np.ascontiguousarray(data.gt_category, dtype=np.int64)
    dt_image = np.ascontiguousarray(data.dt_image, dtype=np.int64)
    dt_cat = np.ascontiguousarray(data.dt_category, dtype=np.int64)
    # One sort per step (tens of ms at a million objects), a cancellation checkpoint between steps.
    g_order = bucket_order(gt_image, n_img, bucket_order(gt_cat, K, np.arange(data.num_gt, dtype=np.int64)))
    acc = bucket_order(dt_image, n_img, np.arange(data.num_dt, dtype=np.int64))
    checkpoint()
    acc = desc_order(np.ascontiguousarray(data.dt_score, dtype=np.float64), acc)
    checkpoint()
    acc = bucket_order(dt_cat, K, acc)
    # Stable by image: (image, category, -score, input), the order pycocotools matches in.
    d_order = bucket_order(dt_image, n_img, acc)
    checkpoint()
    g_key = gt_image[g_order] * K + gt_cat[g_order]
    d_key = dt_image[d_order] * K + dt_cat[d_order]
    groups = group_objects(g_order, g_key, d_order, d_key, max_det)
    checkpoint()
    return acc, groups


def _grouped_gt(data: DetectionData, g_order: IntArray, mode: Mode) -> _GroupedGt:
    """The GTs in group order; ``mode`` decides what ignores a GT (``iscrowd`` and ``gt_ignore_always``
    alone in ``coco``, also the supplied ``ignore`` flag in ``diagnostic``; in ``lvis`` no GT is a crowd
    and ``ignore`` alone ignores) and whether annotation id 0 is the trap (``coco``, ``lvis``)."""
    if mode == "lvis":
        crowd = np.zeros(g_order.shape[0], dtype=np.bool_)
    else:
        crowd = np.ascontiguousarray(data.gt_iscrowd[g_order], dtype=np.bool_)
    ignore = crowd.copy()
    if data.gt_ignore_always is not None:
        ignore |= data.gt_ignore_always[g_order]
    zero_id = np.zeros(crowd.shape[0], dtype=np.bool_)
    if mode != "coco" and data.gt_ignore is not None:
        ignore |= data.gt_ignore[g_order]
    if mode != "diagnostic" and data.gt_zero_id is not None:
        zero_id = np.ascontiguousarray(data.gt_zero_id[g_order], dtype=np.bool_)
    gt_rows = np.arange(data.num_gt, dtype=np.int64) if data.gt_rows is None else data.gt_rows
    return _GroupedGt(
        rows=np.ascontiguousarray(gt_rows[g_order], dtype=np.int64),
        area=np.ascontiguousarray(data.gt_area[g_order], dtype=np.float64),
        crowd=crowd,
        ignore=ignore,
        zero_id=zero_id,
    )


def _group_ious(data: DetectionData, groups: Groups, crowd: BoolArray, iou_fn: IouFn | None) -> FloatArray:
    """The IoU blocks of every group: box IoU, or ``iou_fn``'s (masks)."""
    if iou_fn is None:
        return box_ious(data.gt_box, data.dt_box, crowd, groups)
    g = groups
    ious = np.ascontiguousarray(
        iou_fn(g.g_order, g.d_order, g.g_lo, g.g_hi, g.d_lo, g.d_hi, g.offsets), dtype=np.float64
    )
    if ious.shape[0] != g.total:
        raise ValueError("iou_fn returned the wrong number of IoUs")
    return ious


def _match(  # noqa: PLR0917
    data: DetectionData,
    p: CocoParams,
    groups: Groups,
    pos: IntArray,
    gt: _GroupedGt,
    ious: FloatArray,
    keep_matches: bool,
) -> tuple[npt.NDArray[np.uint8], IntArray, FloatArray]:
    """Greedy matching of every group at every IoU threshold and area range: each kept detection's
    codes ``[N, A, T]``, matched GT row and IoU ``[N, T]``, at its row ``pos``."""
    g = groups
    A, T, N = p.area_rngs.shape[0], p.iou_thrs.shape[0], g.d_order.shape[0]
    codes = np.empty((N, A, T), dtype=np.uint8)
    match = np.empty((N, T if keep_matches else 0), dtype=np.int64)
    match_iou = np.empty(match.shape, dtype=np.float64)
    dt_area = np.ascontiguousarray(data.dt_area, dtype=np.float64)
    area_lo = np.ascontiguousarray(p.area_rngs[:, 0])
    area_hi = np.ascontiguousarray(p.area_rngs[:, 1])
    for lo, hi in weighted_spans(g.work * (A * T), MATCH_BUDGET):
        match_kernel(
            ious, g.offsets[lo:hi], gt.area, gt.crowd, gt.ignore, gt.zero_id, gt.rows, dt_area, g.d_order,
            pos, g.g_lo[lo:hi], g.g_hi[lo:hi], g.d_lo[lo:hi], g.d_hi[lo:hi], area_lo, area_hi,
            p.iou_thrs, codes, match, match_iou,
        )  # fmt: skip
    return codes, match, match_iou


def _counted(gt: _GroupedGt, p: CocoParams) -> BoolArray:
    """``[A, G]``: the GT is not ignored and its area lies in the (inclusive) area range."""
    lo = p.area_rngs[:, 0][:, None]
    hi = p.area_rngs[:, 1][:, None]
    counted: BoolArray = ~gt.ignore[None, :] & (gt.area[None, :] >= lo) & (gt.area[None, :] <= hi)
    return counted


def merge_states(states: Sequence[MatchState]) -> MatchState:
    """Join the states of disjoint sets of images (same parameters, global indices)."""
    if not states:
        raise ValueError("nothing to merge")
    first = states[0]
    for s in states[1:]:
        if not s.params.same_as(first.params) or s.num_categories != first.num_categories:
            raise ValueError("states were evaluated with different parameters or categories")

    def cat(name: str, axis: int = 0) -> Any:
        return np.concatenate([getattr(s, name) for s in states], axis=axis)

    return MatchState(
        params=first.params,
        num_images=max(s.num_images for s in states),
        num_categories=first.num_categories,
        dt_row=cat("dt_row"),
        dt_image=cat("dt_image"),
        dt_category=cat("dt_category"),
        dt_rank=cat("dt_rank"),
        dt_score=cat("dt_score"),
        dt_codes=cat("dt_codes"),
        dt_match=cat("dt_match"),
        dt_match_iou=cat("dt_match_iou"),
        gt_row=cat("gt_row"),
        gt_image=cat("gt_image"),
        gt_category=cat("gt_category"),
        gt_counted=cat("gt_counted", axis=1),
        num_truncated=sum(s.num_truncated for s in states),
    )


def accumulation_order(state: MatchState) -> IntArray | None:
    """Detections per category by score, ties by image then in-group rank: pycocotools' concatenation
    order (images ascending, each by score) followed by its stable merge sort by score. None when the
    state already is in that order (as :func:`evaluate_images` leaves it)."""
    if in_accumulation_order(state.dt_category, state.dt_score, state.dt_image, state.dt_rank):
        return None
    n = state.dt_score.shape[0]
    order = bucket_order(state.dt_rank, state.params.max_dets[-1], np.arange(n, dtype=np.int64))
    order = bucket_order(state.dt_image, state.num_images, order)
    checkpoint()
    order = desc_order(np.ascontiguousarray(state.dt_score, dtype=np.float64), order)
    checkpoint()
    return bucket_order(state.dt_category, state.num_categories, order)


def accumulate(state: MatchState) -> CocoArrays:
    """``COCOeval.accumulate`` on a (possibly merged) state."""
    arrays = empty_arrays(state.params, state.num_categories)
    accumulate_into(state, arrays, 0, state.num_categories)
    return arrays


def empty_arrays(p: CocoParams, K: int) -> CocoArrays:
    """Uninitialised ``precision``/``recall``/``scores`` for ``K`` categories, for
    :func:`accumulate_into` to fill."""
    T, R, A, M = p.iou_thrs.shape[0], p.rec_thrs.shape[0], p.area_rngs.shape[0], len(p.max_dets)
    return CocoArrays(
        precision=np.empty((T, R, K, A, M)), recall=np.empty((T, K, A, M)), scores=np.empty((T, R, K, A, M))
    )


def accumulate_into(state: MatchState, arrays: CocoArrays, k0: int, k1: int) -> None:
    """Write categories ``k0 <= k < k1`` of ``COCOeval.accumulate`` into ``arrays`` (every entry of
    them, -1 where a category has no counted GT); ``state`` must hold all of their objects."""
    p = state.params
    K = state.num_categories
    T, R, A, M = p.iou_thrs.shape[0], p.rec_thrs.shape[0], p.area_rngs.shape[0], len(p.max_dets)
    order = accumulation_order(state)
    codes, rank, score, cat = state.dt_codes, state.dt_rank, state.dt_score, state.dt_category
    if order is not None:
        # Gathered once into accumulation order: the kernel then reads memory sequentially (random
        # access into the code table costs more than the arithmetic).
        codes, rank, score, cat = np.take(codes, order, axis=0), rank[order], score[order], cat[order]
    k_lo, k_hi = group_bounds(cat, np.arange(K, dtype=np.int64))
    npig = np.zeros((K, A), dtype=np.int64)
    for a in range(A):
        npig[:, a] = np.bincount(state.gt_category[state.gt_counted[a]], minlength=K)[:K]
    checkpoint()
    max_dets = np.asarray(p.max_dets, dtype=np.int64)
    # The kernel walks the recall thresholds ascending; each result goes back to its own place.
    rec_index = np.argsort(p.rec_thrs, kind="stable").astype(np.int64)
    rec_sorted = np.ascontiguousarray(p.rec_thrs[rec_index])
    # Per category: its detections at every (area, threshold), then its curves at every recall point.
    work = (k_hi - k_lo)[k0:k1] * (A * T) + A * M * T * R
    for lo, hi in weighted_spans(work, ACCUMULATE_BUDGET):
        accumulate_kernel(
            codes, rank, score, k_lo, k_hi, npig, max_dets, rec_sorted, rec_index, k0 + lo, k0 + hi,
            arrays.precision, arrays.recall, arrays.scores,
        )  # fmt: skip


def mean_valid(s: FloatArray) -> float:
    """The mean of the values that are not -1 (pycocotools' ``s[s > -1]``), or -1 when there is none."""
    valid = s[s > -1]
    return -1.0 if valid.size == 0 else float(np.mean(valid))


def summarize(arrays: CocoArrays, params: CocoParams | None = None) -> list[SummaryStat]:
    """The 12 numbers of ``COCOeval.summarize`` (detection), computed the same way.

    pycocotools hard-codes IoU 0.5/0.75, the labels all/small/medium/large and ``maxDets[0..2]``; with
    custom parameters a number whose threshold, range or maxDets is absent is -1 (pycocotools would
    print -1 or fail), and each stat states the parameters it used.
    """
    p = params or CocoParams()
    md = list(p.max_dets)
    last = md[min(2, len(md) - 1)]

    def one(kind: Literal["AP", "AR"], iou: float | None, area: str, max_dets: int) -> SummaryStat:
        aind = [i for i, lbl in enumerate(p.area_labels) if lbl == area]
        mind = [i for i, m in enumerate(md) if m == max_dets]
        s = arrays.precision if kind == "AP" else arrays.recall
        if iou is not None:
            s = s[np.where(iou == p.iou_thrs)[0]]
        s = s[:, :, :, aind, mind] if kind == "AP" else s[:, :, aind, mind]
        iou_lbl = f"{p.iou_thrs[0]:0.2f}:{p.iou_thrs[-1]:0.2f}" if iou is None else f"{iou:0.2f}"
        name = f"{kind}@[IoU={iou_lbl}|area={area}|maxDets={max_dets}]"
        return SummaryStat(name=name, kind=kind, iou=iou, area=area, max_dets=max_dets, value=mean_valid(s))

    return [
        one("AP", None, "all", md[-1]),
        one("AP", 0.5, "all", last),
        one("AP", 0.75, "all", last),
        one("AP", None, "small", last),
        one("AP", None, "medium", last),
        one("AP", None, "large", last),
        one("AR", None, "all", md[0]),
        one("AR", None, "all", md[min(1, len(md) - 1)]),
        one("AR", None, "all", last),
        one("AR", None, "small", last),
        one("AR", None, "medium", last),
        one("AR", None, "large", last),
    ]
