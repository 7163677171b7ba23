"""The documented maxima of ScoreClassification, checked before anything is built.

Every request parameter that scales memory or time has a maximum here, with why that value; a request
over one is refused with ``LimitExceeded`` naming the field (first bad index of a list) and the maximum.
Within the maxima, :mod:`.cost` estimates the peak memory and work from the stated sizes, and the seam
refuses an estimate over the per-request budget. docs/limits.md (## Diagnostics) lists the same table.
"""

from __future__ import annotations

from curation.ops._limits import at_most, longest_at_most
from curation.v1 import classification_pb2 as pb

__all__ = [
    "MAX_ASSETS",
    "MAX_CALIBRATION_BINS",
    "MAX_CLASSES",
    "MAX_LABELS",
    "MAX_CURVE_POINTS",
    "MAX_METADATA_COLUMNS",
    "MAX_SLICES_PER_KEY",
    "MAX_SLICE_KEYS",
    "MAX_TOP_K",
    "check_request",
]

# Assets (rows): every per-row array is linear in them; 10 million rows of labels alone are ~100 MB on
# the wire, more than the request size limit lets through.
MAX_ASSETS = 10_000_000
# Classes (k): the k x k confusion matrix is in every summary and every reported slice (int64 array,
# list and message field: ~24 bytes a cell); 5,000 classes make 600 MB, still within the default
# per-request budget, so a request at the maximum can be answered (ImageNet has 1,000 classes).
MAX_CLASSES = 5_000
# Entries of labels (the classes averaged over): each class at most once, so at most MAX_CLASSES.
MAX_LABELS = MAX_CLASSES
# Entries of top_k: each is one pass over the ranks; 100 cut-offs is more than any report shows.
MAX_TOP_K = 100
# Calibration bins: a reliability bin is a message in every summary; 1,000 is a 0.001 step.
MAX_CALIBRATION_BINS = 1_000
# Metadata columns: each is a column of strings converted once.
MAX_METADATA_COLUMNS = 64
# Keys in slice_by: each key factorises its column and reports up to max_slices_per_key summaries.
MAX_SLICE_KEYS = 16
# Slices reported per key: each carries a full summary with its k x k confusion matrix.
MAX_SLICES_PER_KEY = 1_000
# Points per curve (curve_points): every class gets a PR and a ROC curve of up to this many points, three
# doubles each (~40 bytes a value as array, Python float and message field); 10,000 points draw any curve
# at screen resolution. k x points is further bounded by the cost estimate.
MAX_CURVE_POINTS = 10_000


def check_request(request: pb.ScoreClassificationRequest) -> tuple[int, int]:
    """Refuse a request with a parameter over its maximum (from the stated sizes only); returns the
    longest asset ID and the longest sliced metadata value (numpy holds them at fixed width)."""
    at_most(len(request.asset_ids), MAX_ASSETS, "asset_ids", what="assets")
    at_most(len(request.class_names), MAX_CLASSES, "class_names", what="classes")
    at_most(len(request.top_k), MAX_TOP_K, "top_k", what="entries")
    at_most(len(request.labels), MAX_LABELS, "labels", what="entries")
    at_most(request.calibration_bins, MAX_CALIBRATION_BINS, "calibration_bins", what="bins")
    at_most(len(request.metadata), MAX_METADATA_COLUMNS, "metadata", what="columns")
    at_most(len(request.slice_by), MAX_SLICE_KEYS, "slice_by", what="keys")
    at_most(request.max_slices_per_key, MAX_SLICES_PER_KEY, "max_slices_per_key", what="slices")
    at_most(request.curve_points, MAX_CURVE_POINTS, "curve_points", what="points")
    longest_id = longest_at_most(request.asset_ids, "asset_ids")
    longest_at_most(request.class_names, "class_names")
    longest_value = 0
    for i, col in enumerate(request.metadata):
        longest_value = max(longest_value, longest_at_most(col.values, f"metadata[{i}].values"))
    return longest_id, longest_value
