"""The canonical request: the request without its paging fields, and the request left as it was; the key's
digest, the same whether the material is hashed here or its body's hash is reused."""

from __future__ import annotations

import hashlib

import pytest

from curation.ops.keys import body_digest, canonical_bytes, key_digest
from curation.v1 import detection_pb2 as pb


def _without(request: pb.ScoreDetectionRequest, fields: tuple[str, ...]) -> bytes:
    """The oracle: the fields cleared on a copy."""
    clone = pb.ScoreDetectionRequest()
    clone.CopyFrom(request)
    for name in fields:
        clone.ClearField(name)
    return clone.SerializeToString(deterministic=True)


def _request() -> pb.ScoreDetectionRequest:
    request = pb.ScoreDetectionRequest(
        coco_gt_json='{"images": []}', page_size=3, page_token="t", slice_by=["a", "b"], score_threshold=0.0
    )
    request.params.max_detections.extend([1, 10])
    return request


@pytest.mark.parametrize(
    "fields",
    [
        ("page_size", "page_token"),
        ("params",),  # a sub-message
        ("slice_by",),  # a repeated field
        ("score_threshold",),  # a field with presence, set to its default
        ("page_size", "mode"),  # one field unset
    ],
)
def test_paging_fields_are_left_out_and_the_request_is_unchanged(fields: tuple[str, ...]) -> None:
    request = _request()
    before = request.SerializeToString(deterministic=True)
    assert canonical_bytes(request, fields) == _without(request, fields)
    assert request.SerializeToString(deterministic=True) == before
    assert request.HasField("score_threshold") and request.HasField("params")


def test_without_paging_fields_set_it_is_the_request() -> None:
    request = pb.ScoreDetectionRequest(coco_gt_json="{}")
    assert canonical_bytes(request, ("page_size", "page_token")) == request.SerializeToString(
        deterministic=True
    )


def test_a_body_in_canonical_form_lends_its_hash_to_the_key() -> None:
    body = canonical_bytes(_request(), ())
    fresh = key_digest("op", 1, "default", body)
    assert key_digest("op", 1, "default", body, known=(body, body_digest(body))) == fresh
    # The oracle: SHA-256 over the length-prefixed components, then the material's SHA-256.
    h = hashlib.sha256()
    for part in (b"op", b"1", b"default"):
        h.update(len(part).to_bytes(4, "big") + part)
    h.update(hashlib.sha256(body).digest())
    assert fresh == h.hexdigest()


def test_a_body_that_is_not_the_material_lends_nothing() -> None:
    material = canonical_bytes(_request(), ("page_size", "page_token"))
    other = material + b"\x00"
    # A (deliberately wrong) digest of other bytes is never used for this material.
    assert key_digest("op", 1, "default", material, known=(other, "00" * 32)) == key_digest(
        "op", 1, "default", material
    )
