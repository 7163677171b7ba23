"""Mask IoU in the two shapes the matchers call for IoU: COCO's :data:`IouFn` and TIDE's :data:`TideIouFn`.

With masks (COCO ``segm``), every matching of a diagnosis uses these instead of box IoU: the COCO
matching, the operating point, the class-agnostic confusion matching and TIDE (tidecv's mask mode).
Both compute pycocotools' ``rleIou`` over the rows the matcher asks for, crowd IoU for crowd GTs
(COCO) or ignore regions (TIDE).
"""

from __future__ import annotations

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core.detection.coco import IouFn
from curation.core.detection.rle import RleSet, mask_iou_blocks
from curation.core.detection.tide import TideIouFn

__all__ = ["mask_iou_fn", "tide_mask_iou_fn"]


def mask_iou_fn(gt_masks: RleSet, dt_masks: RleSet, gt_crowd: BoolArray) -> IouFn:
    """An ``iou_fn`` for :func:`~curation.core.detection.coco.evaluate_images` computing mask IoU
    (pycocotools ``rleIou``)."""

    def fn(  # noqa: PLR0917
        g_order: IntArray,
        d_order: IntArray,
        g_lo: IntArray,
        g_hi: IntArray,
        d_lo: IntArray,
        d_hi: IntArray,
        offsets: IntArray,
    ) -> FloatArray:
        return mask_iou_blocks(
            gt_masks.take(g_order), gt_crowd[g_order], dt_masks.take(d_order), g_lo, g_hi, d_lo, d_hi, offsets
        )

    return fn


def tide_mask_iou_fn(gt_masks: RleSet, dt_masks: RleSet) -> TideIouFn:
    """A TIDE ``iou_fn`` computing mask IoU (crowd IoU for ignore regions), tidecv's mask mode."""

    def fn(  # noqa: PLR0917
        g_order: IntArray,
        kept: IntArray,
        region: BoolArray,
        g_lo: IntArray,
        g_hi: IntArray,
        d_lo: IntArray,
        d_hi: IntArray,
        offsets: IntArray,
    ) -> FloatArray:
        return mask_iou_blocks(
            gt_masks.take(g_order), region[g_order], dt_masks.take(kept), g_lo, g_hi, d_lo, d_hi, offsets
        )

    return fn
