"""DETECTION_MODE_LVIS: the federated labels of a request and the objects LVIS evaluates.

Columnar requests give the labels as (asset, category) index pairs (``lvis_neg_*``,
``lvis_not_exhaustive_*``, each at most :data:`~curation.ops.detection.limits.MAX_LVIS_PAIRS`) and
``category_frequency`` (one per category, or empty); COCO JSON gives them as the GT file's LVIS keys
(:func:`~curation.core.detection.lvis_labels_from_json`). The labels are refused outside LVIS mode, so
a caller never believes they were applied when they were not. :func:`select_inputs` then keeps what
``LVISEval`` evaluates: the inputs' rows renumbered, each remembering its row (or JSON index) in the
request so the assets view names objects as the caller sent them.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from curation.core.detection import LvisLabels, lvis_select
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.ops.detection.inputs import Inputs
from curation.v1 import detection_pb2 as pb

__all__ = ["LVIS_FIELDS", "check_lvis_fields", "columnar_labels", "select_inputs"]

_PAIRS = (
    ("lvis_neg_asset", "lvis_neg_category"),
    ("lvis_not_exhaustive_asset", "lvis_not_exhaustive_category"),
)
LVIS_FIELDS = (*(f for pair in _PAIRS for f in pair), "category_frequency")


def check_lvis_fields(request: pb.ScoreDetectionRequest) -> None:
    """Outside LVIS mode the LVIS fields must be empty; in it, COCO JSON input carries its own labels."""
    lvis = request.mode == pb.DETECTION_MODE_LVIS
    for name in LVIS_FIELDS:
        if len(getattr(request, name)) and not lvis:
            raise InvalidArgument("only DETECTION_MODE_LVIS reads LVIS labels", field=name)


def columnar_labels(request: pb.ScoreDetectionRequest, n_img: int, K: int) -> LvisLabels:
    """The labels of a columnar LVIS request, every index checked."""
    cols = []
    for a_field, c_field in _PAIRS:
        n = len(getattr(request, a_field))
        v.check_length(len(getattr(request, c_field)), n, c_field, what=f"one per {a_field}")
        cols.append(v.index_array(getattr(request, a_field), n_img, a_field))
        cols.append(v.index_array(getattr(request, c_field), K, c_field))
    freq = np.zeros(K, np.int64)
    if len(request.category_frequency):
        v.check_length(len(request.category_frequency), K, "category_frequency", what="one per category")
        freq = np.asarray(request.category_frequency, np.int64)
    neg_image, neg_category, nel_image, nel_category = cols
    return LvisLabels(neg_image, neg_category, nel_image, nel_category, frequency=freq)


def select_inputs(inputs: Inputs, labels: LvisLabels, max_dets: int) -> Inputs:
    """The inputs restricted to what LVIS evaluates, with the selection's counts."""
    sel = lvis_select(inputs.data, labels, max_dets)
    gt_names = inputs.gt_index if inputs.gt_index is not None else np.arange(inputs.data.num_gt)
    dt_names = inputs.dt_index if inputs.dt_index is not None else np.arange(inputs.data.num_dt)
    masks = None
    if inputs.masks is not None:
        masks = (inputs.masks[0].take(sel.gt_rows), inputs.masks[1].take(sel.dt_rows))
    return replace(
        inputs,
        data=sel.apply(inputs.data),
        gt_index=gt_names[sel.gt_rows],
        dt_index=dt_names[sel.dt_rows],
        masks=masks,
        lvis_labels=labels,
        lvis_selection=sel,
    )
