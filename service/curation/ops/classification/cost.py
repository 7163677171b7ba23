"""What a ScoreClassification request will cost, from its stated sizes, before anything is built.

The maxima are checked first (:mod:`.limits`). Then, with n assets, k classes, S sliced keys reporting
at most ``max_slices_per_key`` slices each, memory is the sum of (bytes):

* rows: labels, ranks and the misclassified list as arrays, wire bytes and messages (~600 per row),
  plus the asset ID at its longest x 12 (numpy's fixed-width strings hold 4 bytes a character, twice
  while checked for duplicates, then as Python strings and UTF-8);
* scores (n x k): the float32 matrix (float64: 4 more a cell; with weights 24 more for the weighted
  prefix sums) and, for average precision, the sorted copies, ranks and prefix
  sums of every class (~56 per cell, single-label ~64 with the one-hot truth); multi-label probabilities
  add calibration and log loss over every cell (~48 per cell); micro AP / ROC AUC sort all n x k cells
  as one problem (~80 per cell more), single-label one-vs-one keeps k x k pair sums (~24 per pair);
* curves (curve_points > 0): per class a PR and a ROC curve of min(n + 2, curve_points) points, three
  values each as array, Python float and message field (~250 per class and point), plus one column's
  sort at a time;
* indicator matrices (multi-label, n x k): ~100 per cell, the matrices and the misclassified assets'
  label lists (a cell is in at most two of them, as a Python int, a list slot and a message field);
* confusion: the k x k int64 matrix as array, Python list and message field (~24 per cell; again for
  the weighted and for the normalized matrix when asked for), for the
  summary and for every reported slice (S x slices x k^2), the slices' rows copied (~160 per row per
  key; multi-label ~32 per cell for one key's segmented sums); single-label agreement numbers (Cohen's
  kappa unweighted, linear and quadratic, Matthews, balanced accuracy) hold a few k x k float matrices
  at a time (expected counts, weights, their products: ~64 per cell, one summary at a time);
* sliced columns as fixed-width strings (n x longest x 4, twice).

Work: cells scored (n x k, x log n for the per-class sorts), rows per top-k cut-off, k^2 per summary.
"""

from __future__ import annotations

from curation.ops.classification import limits
from curation.ops.operation_spec import Cost
from curation.v1 import classification_pb2 as pb

__all__ = ["cost"]

_BASE = 4 * 1024 * 1024  # fixed per request: messages, small arrays, the report
_PER_ROW = 600
_DEFAULT_MAX_SLICES = 50


def cost(request: pb.ScoreClassificationRequest) -> Cost:
    """The request's peak memory and work (see the module docstring); maxima checked first."""
    longest_id, longest_value = limits.check_request(request)
    n, k = len(request.asset_ids), max(1, len(request.class_names))
    multi = request.task == pb.CLASSIFICATION_TASK_MULTI_LABEL
    cells = n * k
    rows = n * (_PER_ROW + 12 * longest_id) + 8 * len(request.top_k) * n
    weighted = len(request.sample_weight) > 0
    scores = curves = 0
    if len(request.scores) or len(request.double_scores):
        scores = cells * (112 if multi else 64) + 80 * cells + (0 if multi else 24 * k * k)
        scores += cells * ((4 if len(request.double_scores) else 0) + (24 if weighted else 0))
        points = min(n + 2, request.curve_points)
        curves = 250 * k * points + (80 * n if points else 0)
    indicators = 100 * cells if multi else 0
    keys = len(request.slice_by)
    reported = min(request.max_slices_per_key or _DEFAULT_MAX_SLICES, n)
    matrices = 1 + int(weighted) + int(request.confusion_normalization != 0)
    confusion = 24 * matrices * (4 if multi else k * k) * (1 + keys * reported)
    confusion += 0 if multi else 64 * k * k
    slices = keys * n * (160 + 8 * longest_value) + (scores if keys else 0)
    if multi and keys:
        slices += 32 * cells  # one key's segmented sums of the indicator matrices at a time
    memory = _BASE + rows + scores + indicators + confusion + slices + curves
    log_n = max(1, n.bit_length())
    work = cells * log_n * (1 + keys) + n * (len(request.top_k) + 1) + k * k * (1 + keys * reported)
    if curves:
        work += cells * log_n  # one more sort of every column
    return Cost(memory, work)
