"""Documented maxima shared by every family: the one way a parameter over its maximum is refused.

A family keeps its maxima in its own ``limits`` module (a constant per parameter, with why that value)
and checks them with these helpers before anything is allocated; the refusal is ``LimitExceeded``
naming the field (the first bad index of a list) and the maximum (docs/limits.md lists them all).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from curation.errors import LimitExceeded

__all__ = ["MAX_STRING_CHARS", "at_most", "each_at_most", "longest_at_most"]

# One identifier, name or metadata value: they are keys, not documents (1 KiB holds any URI or path).
# Numpy holds a column of strings at n x its longest x 4 bytes, so one 10 KB ID among a million short
# ones would take 40 GB.
MAX_STRING_CHARS = 1_024


def at_most(value: int, maximum: int, field: str, *, what: str = "") -> None:
    """Refuse ``value`` over ``maximum`` (``what`` says what is counted, e.g. "entries")."""
    if value > maximum:
        unit = f" {what}" if what else ""
        raise LimitExceeded(f"{value:,}{unit} is over the documented maximum of {maximum:,}", field=field)


def each_at_most(values: Iterable[int], maximum: int, field: str) -> None:
    """Refuse the first of ``values`` over ``maximum``, named ``field[i]``."""
    for i, value in enumerate(values):
        if value > maximum:
            raise LimitExceeded(
                f"{value:,} is over the documented maximum of {maximum:,}", field=f"{field}[{i}]"
            )


def longest_at_most(values: Sequence[str], field: str, maximum: int = MAX_STRING_CHARS) -> int:
    """The length of the longest of ``values``; the first one over ``maximum`` chars is refused."""
    longest = max(map(len, values), default=0)
    if longest > maximum:
        bad = next(i for i, s in enumerate(values) if len(s) > maximum)
        raise LimitExceeded(
            f"{len(values[bad]):,} characters is over the documented maximum of {maximum:,}",
            field=f"{field}[{bad}]",
        )
    return longest
