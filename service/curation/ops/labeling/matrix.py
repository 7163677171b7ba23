"""What every labeling request shares: class names, asset IDs and the label matrix.

A label matrix travels sparse (``curation.v1.LabelMatrix``: one entry per vote, rows x functions with
``-1`` = abstain implied) and is held dense (int16) while computing, capped at ``MAX_CELLS``. A
multi-label task is one binary problem per class (1 = has the class, 0 = lacks it, -1 = abstain), over
the functions that vote on that class.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.ops.labeling.limits import MAX_MATRIX_CELLS
from curation.v1 import labeling_pb2 as pb

__all__ = ["MAX_CELLS", "Entries", "asset_ids", "class_matrix", "class_names", "dense", "entries", "sparse"]

# A label matrix is held dense (int16) while computing: cap rows x functions (docs/limits.md).
MAX_CELLS = MAX_MATRIX_CELLS


def class_names(values: Sequence[str], *, minimum: int = 1) -> list[str]:
    """Non-empty, unique class names, at least ``minimum`` of them."""
    v.check_non_empty(len(values), "class_names")
    v.unique_strings(values, "class_names", allow_empty=False)
    if len(values) < minimum:
        raise InvalidArgument(f"needs at least {minimum} classes", field="class_names")
    return list(values)


def asset_ids(values: Sequence[str], n: int | None, *, required: bool) -> npt.NDArray[np.str_] | None:
    """Unique asset IDs, one per label-matrix row when ``n`` is given; None when absent and optional."""
    if not len(values):
        if required:
            raise InvalidArgument("must not be empty", field="asset_ids")
        return None
    ids = v.unique_strings(values, "asset_ids")
    if n is not None:
        v.check_length(ids.shape[0], n, "asset_ids", what="one per label-matrix row")
    return ids


class Entries(NamedTuple):
    """The validated entries of a sparse label matrix: ``n`` rows, ``m`` functions and, per vote, its
    row, function, label and (multi-label) whether it is a vote against the label."""

    n: int
    m: int
    rows: npt.NDArray[np.int64]
    functions: npt.NDArray[np.int64]
    labels: npt.NDArray[np.int64]
    negative: npt.NDArray[np.bool_]

    def dense(self) -> npt.NDArray[np.int16]:
        """The n x m matrix of a single-label task (-1 = abstain)."""
        L = np.full((self.n, self.m), -1, dtype=np.int16)
        L[self.rows, self.functions] = self.labels
        return L


def _first_duplicate(keys: npt.NDArray[np.int64]) -> int | None:
    """Index of the first entry whose key occurred at an earlier index, or None."""
    if keys.size < 2:
        return None
    order = np.argsort(keys, kind="stable")
    dup = keys[order][1:] == keys[order][:-1]
    return int(order[1:][dup].min()) if dup.any() else None


def _check_shape(matrix: pb.LabelMatrix, field: str) -> tuple[int, int]:
    """(rows, functions): both positive, within ``MAX_CELLS``."""
    n, m = matrix.num_rows, matrix.num_functions
    if n <= 0:
        raise InvalidArgument(f"must be > 0, got {n}", field=f"{field}.num_rows")
    if m <= 0:
        raise InvalidArgument("at least one labeling function is required", field=f"{field}.num_functions")
    if n * m > MAX_CELLS:
        raise InvalidArgument(f"{n} x {m} exceeds {MAX_CELLS} cells", field=f"{field}.num_rows")
    return n, m


def _negative(matrix: pb.LabelMatrix, size: int, *, multi: bool, field: str) -> npt.NDArray[np.bool_]:
    """The per-entry negative flags (multi-label only; all False when not sent)."""
    if not len(matrix.negative):
        return np.zeros(size, dtype=np.bool_)
    if not multi:
        raise InvalidArgument("negative votes are for multi-label tasks", field=f"{field}.negative")
    v.check_length(len(matrix.negative), size, f"{field}.negative", what="one per entry")
    return np.asarray(matrix.negative, dtype=np.bool_)


def entries(matrix: pb.LabelMatrix, n_classes: int, *, multi: bool, field: str = "label_matrix") -> Entries:
    """The validated entries of ``matrix``: indices in range, one vote per (row, function) -- per
    (row, function, label) for a multi-label task -- and negative votes only for multi-label tasks."""
    n, m = _check_shape(matrix, field)
    size = len(matrix.rows)
    v.check_length(len(matrix.functions), size, f"{field}.functions", what="one per entry")
    v.check_length(len(matrix.labels), size, f"{field}.labels", what="one per entry")
    rows = v.index_array(matrix.rows, n, f"{field}.rows")
    fns = v.index_array(matrix.functions, m, f"{field}.functions")
    labels = v.index_array(matrix.labels, n_classes, f"{field}.labels")
    negative = _negative(matrix, size, multi=multi, field=field)
    key = rows * m + fns
    if multi:
        key = key * n_classes + labels
    dup = _first_duplicate(key)
    if dup is not None:
        what = "(row, function, label)" if multi else "(row, function)"
        raise InvalidArgument(f"duplicate vote for {what}", field=f"{field}.rows[{dup}]")
    return Entries(n, m, rows, fns, labels, negative)


def dense(matrix: pb.LabelMatrix, n_classes: int, field: str = "label_matrix") -> npt.NDArray[np.int16]:
    """The validated n x m matrix of a single-label task (-1 = abstain)."""
    return entries(matrix, n_classes, multi=False, field=field).dense()


def sparse(L: npt.NDArray[np.int16]) -> pb.LabelMatrix:
    """The sparse form of a dense matrix: its non-abstain entries in row-major order."""
    rows, fns = np.nonzero(L >= 0)
    return pb.LabelMatrix(
        num_rows=L.shape[0],
        num_functions=L.shape[1],
        rows=rows.tolist(),
        functions=fns.tolist(),
        labels=L[rows, fns].tolist(),
    )


def class_matrix(
    e: Entries, c: int, used: npt.NDArray[np.int64] | None = None
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.int64]]:
    """Class c's binary problem and its functions (columns): 1 = has c, 0 = lacks c, -1 = abstain.

    ``used`` fixes the functions (a fitted model's); by default they are those that vote on c.
    """
    select = e.labels == c
    if used is None:
        used = np.unique(e.functions[select])
    else:
        select &= np.isin(e.functions, used)
    L = np.full((e.n, used.shape[0]), -1, dtype=np.int16)
    L[e.rows[select], np.searchsorted(used, e.functions[select])] = np.where(e.negative[select], 0, 1)
    return L, used
