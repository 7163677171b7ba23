"""The views of a ScoreDetection request: which parts of the diagnosis to compute and return.

``views`` empty means the default set (every part but the arrays); ``include_arrays`` adds the arrays,
exactly as naming ``DETECTION_VIEW_ARRAYS`` does. Repeats are allowed and count once; an unknown
number or ``DETECTION_VIEW_UNSPECIFIED`` is refused, naming ``views[i]``.

The cache key is that of the request in its canonical form (:func:`canonical`): the view set written
once, so the same set named in any order, with repeats, or through ``include_arrays`` is one cache
entry. The default set is written as no views at all: a request naming nothing and one naming the
default set explicitly share their entry (and their page tokens), since they are the same question.
"""

from __future__ import annotations

from curation.core.detection import DEFAULT_VIEWS, View
from curation.errors import InvalidArgument
from curation.v1 import detection_pb2 as pb

__all__ = ["BY_ENUM", "canonical", "requested_views", "view_enums"]

BY_ENUM: dict[pb.DetectionView, View] = {
    pb.DETECTION_VIEW_COCO: "coco",
    pb.DETECTION_VIEW_PER_CLASS: "per_class",
    pb.DETECTION_VIEW_TIDE: "tide",
    pb.DETECTION_VIEW_CONFUSION: "confusion",
    pb.DETECTION_VIEW_ASSETS: "assets",
    pb.DETECTION_VIEW_SLICES: "slices",
    pb.DETECTION_VIEW_ARRAYS: "arrays",
}
_ENUM: dict[View, pb.DetectionView] = {view: number for number, view in BY_ENUM.items()}
_DEFAULT_ENUMS = sorted(_ENUM[v] for v in DEFAULT_VIEWS)


def requested_views(request: pb.ScoreDetectionRequest) -> frozenset[View]:
    """The views ``request`` asks for (checked): its ``views``, or the default set when it names none,
    plus the arrays when ``include_arrays`` is set."""
    views: set[View] = set()
    for i, number in enumerate(request.views):
        view = BY_ENUM.get(number)
        if view is None:
            what = "DETECTION_VIEW_UNSPECIFIED is not a view" if number == 0 else f"unknown view {number}"
            raise InvalidArgument(what, field=f"views[{i}]")
        views.add(view)
    if not views:
        views = set(DEFAULT_VIEWS)
    if request.include_arrays:
        views.add("arrays")
    return frozenset(views)


def view_enums(views: frozenset[View]) -> list[pb.DetectionView]:
    """``views`` as the response lists them: ``DetectionView`` numbers, ascending."""
    return sorted(_ENUM[v] for v in views)


def canonical(request: pb.ScoreDetectionRequest) -> pb.ScoreDetectionRequest:
    """``request`` with its view set written the one canonical way (see the module docstring): the
    request itself when it already is (no copy), else a copy. Raises on a bad view."""
    numbers = view_enums(requested_views(request))
    arrays = pb.DETECTION_VIEW_ARRAYS in numbers
    rest = [n for n in numbers if n != pb.DETECTION_VIEW_ARRAYS]
    want_views, want_arrays = ([], arrays) if rest == _DEFAULT_ENUMS else (numbers, False)
    if list(request.views) == want_views and request.include_arrays == want_arrays:
        return request
    out = pb.ScoreDetectionRequest()
    out.CopyFrom(request)
    del out.views[:]
    out.views.extend(want_views)
    out.include_arrays = want_arrays
    return out
