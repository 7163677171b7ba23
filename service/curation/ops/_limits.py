"""Documented maxima shared by every family: the one way a parameter over its maximum is refused, and the
memory a string array takes once numpy holds it.

A family keeps its maxima in its own ``limits`` module (a constant per parameter, with why that value)
and checks them with these helpers before anything is allocated; the refusal is ``LimitExceeded``
naming the field (the first bad index of a list) and the maximum (docs/limits.md lists them all).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from curation.errors import LimitExceeded

__all__ = [
    "MAX_STRING_CHARS",
    "at_most",
    "count_at_most",
    "each_at_most",
    "longest",
    "longest_at_most",
    "str_array_bytes",
    "total_chars",
]

# One identifier, name or metadata value: they are keys, not documents (1 KiB holds any URI or path).
# Numpy holds a column of strings at n x its longest x 4 bytes, so one 10 KB ID among a million short
# ones would take 40 GB.
MAX_STRING_CHARS = 1_024


def at_most(value: int, maximum: int, field: str, *, what: str = "") -> None:
    """Refuse ``value`` over ``maximum`` (``what`` says what is counted, e.g. "entries")."""
    if value > maximum:
        unit = f" {what}" if what else ""
        raise LimitExceeded(f"{value:,}{unit} is over the documented maximum of {maximum:,}", field=field)


def count_at_most(size: int, maximum: int, field: str) -> None:
    """Refuse a repeated field with more than ``maximum`` entries."""
    if size > maximum:
        raise LimitExceeded(f"has {size:,} entries, over the documented maximum of {maximum:,}", field=field)


def each_at_most(values: Iterable[int], maximum: int, field: str) -> None:
    """Refuse the first of ``values`` over ``maximum``, named ``field[i]``."""
    for i, value in enumerate(values):
        if value > maximum:
            raise LimitExceeded(
                f"{value:,} is over the documented maximum of {maximum:,}", field=f"{field}[{i}]"
            )


def longest(values: Iterable[str]) -> int:
    """The length (characters) of the longest string, 0 for none."""
    return max(map(len, values), default=0)


def longest_at_most(values: Sequence[str], field: str, maximum: int = MAX_STRING_CHARS) -> int:
    """The length of the longest of ``values``; the first one over ``maximum`` chars is refused."""
    most = longest(values)
    if most > maximum:
        bad = next(i for i, s in enumerate(values) if len(s) > maximum)
        raise LimitExceeded(
            f"{len(values[bad]):,} characters is over the documented maximum of {maximum:,}",
            field=f"{field}[{bad}]",
        )
    return most


def total_chars(values: Iterable[str]) -> int:
    """The characters of every string together."""
    return sum(map(len, values))


def str_array_bytes(values: Sequence[str]) -> int:
    """What ``np.asarray(values, dtype=np.str_)`` allocates: UCS-4, every entry as wide as the longest."""
    return 4 * len(values) * max(longest(values), 1)
