"""The media type a REST body must declare: ``application/json``, optionally ``; charset=utf-8``.

Checked before the body is read, so a form post, a protobuf body or a body in another charset is refused
with 415 ``unsupported_media_type`` (field ``content-type``) instead of failing later as bad JSON.
"""

from __future__ import annotations

from curation.rest.errors import UnsupportedMediaType

__all__ = ["check_json_body"]

_ACCEPTED = "application/json (optionally with charset=utf-8)"


def check_json_body(content_type: str | None) -> None:
    """Raise ``UnsupportedMediaType`` unless ``content_type`` is JSON in UTF-8 (case and spaces aside)."""
    if content_type is None:
        raise UnsupportedMediaType(f"Content-Type is missing: send {_ACCEPTED}")
    media, *params = content_type.split(";")
    if media.strip().lower() != "application/json":
        raise UnsupportedMediaType(f"Content-Type {content_type!r} is not {_ACCEPTED}")
    for param in params:
        if not param.strip():
            continue
        name, _, value = param.partition("=")
        if name.strip().lower() != "charset" or value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise UnsupportedMediaType(f"Content-Type {content_type!r} is not {_ACCEPTED}")
