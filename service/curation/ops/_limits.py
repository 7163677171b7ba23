"""Checks every family's cost functions share: a size at most its documented maximum, and the memory a
string array takes once numpy holds it.

Each check raises ``LimitExceeded`` naming the request field and stating the maximum; a cost function
calls them before it estimates anything, so a request over a maximum is refused before any allocation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from curation.errors import LimitExceeded

__all__ = ["at_most", "count_at_most", "longest", "str_array_bytes", "total_chars"]


def at_most(value: int, maximum: int, field: str, *, what: str = "") -> None:
    """Refuse ``value`` over ``maximum`` (``what`` says what is counted)."""
    if value > maximum:
        unit = f" {what}" if what else ""
        raise LimitExceeded(f"{value:,}{unit} is over the maximum of {maximum:,}", field=field)


def count_at_most(size: int, maximum: int, field: str) -> None:
    """Refuse a repeated field with more than ``maximum`` entries."""
    if size > maximum:
        raise LimitExceeded(f"has {size:,} entries, over the maximum of {maximum:,}", field=field)


def longest(values: Iterable[str]) -> int:
    """The length (characters) of the longest string, 0 for none."""
    return max(map(len, values), default=0)


def total_chars(values: Iterable[str]) -> int:
    """The characters of every string together."""
    return sum(map(len, values))


def str_array_bytes(values: Sequence[str]) -> int:
    """What ``np.asarray(values, dtype=np.str_)`` allocates: UCS-4, every entry as wide as the longest."""
    return 4 * len(values) * max(longest(values), 1)
