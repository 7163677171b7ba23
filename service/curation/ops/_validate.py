"""Turn proto repeated fields into clean numpy arrays, or raise InvalidArgument naming the first bad entry.

Every helper takes the field name as the caller spells it in the request (``"scores"``,
``"metadata[1].values"``) and reports the offending entry as ``field[index]`` (flat index into the
repeated field). Conversions use ``np.asarray(container, dtype=...)``, which reads upb repeated
scalar fields through the buffer protocol (about 1 ms per million ints).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from curation.errors import InvalidArgument

__all__ = [
    "PROBABILITY_SUM_TOLERANCE",
    "KeyedColumn",
    "bool_matrix",
    "check_length",
    "check_non_empty",
    "finite_floats",
    "index_array",
    "matrix",
    "non_empty_strings",
    "probability_rows",
    "string_columns",
    "unique_strings",
    "unit_interval",
]

# A probability row may sum to 1 +- this (absolute): float32 rounding over thousands of classes stays
# far below it, while a row of logits or an unnormalised histogram does not.
PROBABILITY_SUM_TOLERANCE = 1e-3


def check_non_empty(size: int, field: str) -> None:
    """Reject an empty repeated field."""
    if size == 0:
        raise InvalidArgument("must not be empty", field=field)


def check_length(size: int, expected: int, field: str, *, what: str = "") -> None:
    """Reject a repeated field whose length is not ``expected``."""
    if size != expected:
        hint = f" ({what})" if what else ""
        raise InvalidArgument(f"has {size} entries, expected {expected}{hint}", field=field)


def index_array(values: Any, upper: int, field: str, *, lower: int = 0) -> npt.NDArray[np.int64]:
    """int64 array of indices that must all lie in ``[lower, upper)`` (``lower=-1``: -1 marks unknown)."""
    arr: npt.NDArray[np.int64] = np.asarray(values, dtype=np.int64)
    if arr.size and (int(arr.min()) < lower or int(arr.max()) >= upper):
        bad = int(np.flatnonzero((arr < lower) | (arr >= upper))[0])
        raise InvalidArgument(f"{int(arr[bad])} is outside [{lower}, {upper})", field=f"{field}[{bad}]")
    return arr


def finite_floats(values: Any, field: str, *, dtype: type = np.float32) -> npt.NDArray[Any]:
    """Float array (float32 by default: proto ``float`` fields lose nothing) with no NaN or inf."""
    arr: npt.NDArray[Any] = np.asarray(values, dtype=dtype)
    if arr.size and not np.isfinite(arr.sum(dtype=np.float64)):
        finite = np.isfinite(arr)
        if not finite.all():
            bad = int(np.flatnonzero(~finite)[0])
            raise InvalidArgument(f"{arr[bad]} is not finite", field=f"{field}[{bad}]")
    return arr


def matrix(arr: npt.NDArray[Any], rows: int, cols: int, field: str) -> npt.NDArray[Any]:
    """Reshape a flat row-major array to ``rows x cols`` after checking its length."""
    check_length(arr.shape[0], rows * cols, field, what=f"{rows} x {cols}, row-major")
    return arr.reshape(rows, cols)


def bool_matrix(values: Any, rows: int, cols: int, field: str) -> npt.NDArray[np.bool_]:
    """An n x k indicator matrix from a repeated bool field."""
    return matrix(np.asarray(values, dtype=np.bool_), rows, cols, field)


def unit_interval(mat: npt.NDArray[Any], field: str) -> None:
    """Every entry in [0, 1] (flat index of the first offender)."""
    flat = mat.reshape(-1)
    if flat.size and (float(flat.min()) < 0.0 or float(flat.max()) > 1.0):
        bad = int(np.flatnonzero((flat < 0) | (flat > 1))[0])
        raise InvalidArgument(f"{flat[bad]} is not a probability in [0, 1]", field=f"{field}[{bad}]")


def probability_rows(
    mat: npt.NDArray[Any], field: str, *, tolerance: float = PROBABILITY_SUM_TOLERANCE
) -> None:
    """Rows of non-negative entries summing to 1 within ``tolerance`` (absolute).

    A negative entry is reported at its flat index; a row that does not sum to 1 at the flat index of
    its first entry.
    """
    flat = mat.reshape(-1)
    if flat.size and float(flat.min()) < 0.0:
        bad = int(np.flatnonzero(flat < 0)[0])
        raise InvalidArgument(f"{flat[bad]} is a negative probability", field=f"{field}[{bad}]")
    sums = mat.sum(axis=1, dtype=np.float64)
    off = np.abs(sums - 1.0) > tolerance
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise InvalidArgument(
            f"row {row} sums to {sums[row]:.6g}, not 1 (tolerance {tolerance})",
            field=f"{field}[{row * mat.shape[1]}]",
        )


def non_empty_strings(values: Sequence[str], field: str) -> npt.NDArray[np.str_]:
    """A string array with no empty string (an ID, a name): the first ``""`` is reported by index."""
    arr = np.asarray(values, dtype=np.str_)
    if arr.size:
        empty = arr == ""
        if empty.any():
            raise InvalidArgument("must not be empty", field=f"{field}[{int(np.flatnonzero(empty)[0])}]")
    return arr


def unique_strings(values: Sequence[str], field: str, *, allow_empty: bool = False) -> npt.NDArray[np.str_]:
    """A string array with no duplicates and (unless ``allow_empty``) no empty strings: every ID and name
    list of every family goes through here, so an empty asset ID is refused the same way everywhere.

    The reported index is the first empty position, else the first whose value already occurred earlier.
    """
    arr = np.asarray(values, dtype=np.str_) if allow_empty else non_empty_strings(values, field)
    if arr.size > 1:
        order = np.argsort(arr, kind="stable")
        ordered = arr[order]
        dup = ordered[1:] == ordered[:-1]
        if dup.any():
            bad = int(order[1:][dup].min())
            raise InvalidArgument(f"duplicate value {str(arr[bad])!r}", field=f"{field}[{bad}]")
    return arr


class KeyedColumn(Protocol):
    """A keyed string column of a request (``curation.v1.MetadataColumn``, ``TextField``)."""

    @property
    def key(self) -> str: ...

    @property
    def values(self) -> Sequence[str]: ...


def string_columns(
    columns: Iterable[KeyedColumn],
    n: int,
    field: str,
    *,
    what: str = "metadata",
    allow_empty_key: bool = False,
    length_hint: str = "one value per asset",
) -> dict[str, npt.NDArray[np.str_]]:
    """Keyed string columns of ``n`` values each, as arrays by key.

    Keys are unique (``duplicate {what} key``) and, unless ``allow_empty_key``, non-empty; every column
    has ``n`` values (the length error carries ``length_hint``). Offenders are reported as
    ``field[i].key`` / ``field[i].values``.
    """
    out: dict[str, npt.NDArray[np.str_]] = {}
    for i, col in enumerate(columns):
        if not col.key and not allow_empty_key:
            raise InvalidArgument(f"{what} key must not be empty", field=f"{field}[{i}].key")
        if col.key in out:
            raise InvalidArgument(f"duplicate {what} key {col.key!r}", field=f"{field}[{i}].key")
        check_length(len(col.values), n, f"{field}[{i}].values", what=length_hint)
        out[col.key] = np.asarray(col.values, dtype=np.str_)
    return out
