"""The parts of a detection diagnosis (views) and the steps each one needs, so a caller who asks for
the COCO numbers alone pays for the COCO matching alone.

=============  ===============================================================================
view           steps it runs
=============  ===============================================================================
``coco``       the main COCO matching (every IoU threshold, area range, maxDets) + accumulate
``arrays``     the same (its arrays are the output)
``per_class``  the main matching (AP per class) + the operating-point matching
``tide``       TIDE's per-image matching and its dAP per error type
``confusion``  the operating-point matching + a class-agnostic matching
``assets``     the operating-point matching + TIDE's per-object error types (no dAP)
``slices``     the operating-point matching, and the main matching when slicing assets
=============  ===============================================================================

The operating point reuses the main matching when that one holds its IoU (see
:mod:`~curation.core.detection.operating_point`), so asking for ``per_class`` next to ``coco`` costs
little more than ``coco``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["DEFAULT_VIEWS", "VIEWS", "Plan", "View", "plan"]

View = Literal["coco", "per_class", "tide", "confusion", "assets", "slices", "arrays"]
VIEWS: tuple[View, ...] = get_args(View)
# What a caller naming no view gets: everything but the (large) arrays.
DEFAULT_VIEWS: frozenset[View] = frozenset(VIEWS) - {"arrays"}


@dataclass(frozen=True, slots=True)
class Plan:
    """Which steps of the diagnosis run for a set of views (see the module docstring)."""

    views: frozenset[View]
    main: bool
    operating_point: bool
    outcomes: bool
    tide: bool
    tide_delta_ap: bool


def plan(views: Collection[View] | None = None, *, asset_slices: bool = True) -> Plan:
    """The steps ``views`` need (None = :data:`DEFAULT_VIEWS`); ``asset_slices``: whether any slice
    is over per-asset metadata (those restrict the main matching; GT slices match on their own)."""
    v = DEFAULT_VIEWS if views is None else frozenset(views)
    unknown = v - set(VIEWS)
    if unknown:
        raise ValueError(f"unknown views {sorted(unknown)}; known: {list(VIEWS)}")
    return Plan(
        views=v,
        main=bool(v & {"coco", "arrays", "per_class"}) or ("slices" in v and asset_slices),
        operating_point=bool(v & {"per_class", "confusion", "assets", "slices"}),
        outcomes=bool(v & {"assets", "slices"}),
        tide=bool(v & {"tide", "assets"}),
        tide_delta_ap="tide" in v,
    )
