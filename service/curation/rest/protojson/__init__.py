"""Proto3 JSON mapping (https://protobuf.dev/programming-guides/json/), fast for big repeated fields.

``google.protobuf.json_format`` converts element by element in Python; a 1M-row request spends most of
its time there. This converter walks the descriptors once per message and converts repeated scalar
fields in bulk: the element types of a JSON array are checked in one pass, numbers are range-checked
with numpy, and float/double arrays are appended as packed wire-format chunks. Big flat arrays are not
decoded with the rest of the body: they are cut out of the text and decoded a slice at a time, so the
peak is the message plus one slice rather than a Python object per element (``_document``). The
output of ``parse`` equals ``json_format.Parse`` on every input both accept; ``to_dict`` equals
``json_format.MessageToDict(m, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)``.

Choices (see the mapping): output uses the proto field names (``y_true``), prints scalars, repeated
fields and maps at their defaults so clients see zeros, prints 64-bit integers as strings and
non-finite floats as ``"NaN"``/``"Infinity"``/``"-Infinity"``. Input accepts the proto name or the
lowerCamelCase JSON name; integers as numbers (``1.0`` included) or decimal strings; floats as numbers,
numeric strings or the three special strings; enums by name or number; bytes as base64 (standard or
URL-safe, padding optional); ``null`` as "field absent". Unknown fields, duplicate fields (a key
repeated in one object, or a field given by both its names), two members of one oneof and wrong JSON
types are rejected with ``InvalidArgument`` naming the field path, for example ``metadata[2].values[5]``.
Stricter than json_format where it is lax: integer strings must be ``-?[0-9]+`` (Python's ``int`` also
takes ``"+5"``, ``"1_000"``), float strings must look like JSON numbers (Python's ``float`` also takes
``"inf"``).
"""

from __future__ import annotations

from typing import TypeVar

from google.protobuf.message import Message

from curation.ops import BodyFormat
from curation.rest.protojson.dump import dumps, to_dict
from curation.rest.protojson.parse import parse, parse_object

__all__ = ["CODEC", "JsonCodec", "dumps", "parse", "parse_object", "to_dict"]

M = TypeVar("M", bound=Message)


class JsonCodec:
    """The proto3 JSON mapping as a ``curation.ops.gateway.Codec`` (REST bodies)."""

    format = BodyFormat.JSON

    def decode(self, body: bytes, message_type: type[M]) -> M:
        return parse(body, message_type)

    def encode(self, message: Message) -> bytes:
        return dumps(message)


CODEC = JsonCodec()
