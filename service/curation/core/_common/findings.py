"""The one record of a non-fatal finding that every family reports (the ops seam turns it into a
``curation.v1.Warning``)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Finding"]


@dataclass(frozen=True, slots=True)
class Finding:
    """A stable ``code`` (``"CLASS_NEVER_PREDICTED"``), a message for people, and the request field it
    concerns with its first index (``"class_names[3]"``), or ``""`` when it concerns the whole request."""

    code: str
    message: str
    field: str = ""
