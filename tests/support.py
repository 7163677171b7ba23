"""Helpers shared by the tests: a typed answer of the ops seam, a cache fake over a plain dict, and the
Python-typed descriptor of a message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from curation.ops import Context, Host

M = TypeVar("M", bound=Message)


async def answer(host: Host, name: str, request: Message, response_type: type[M], ctx: Context) -> M:
    """``host.dispatch(name, request, ctx)``, checked to be the ``response_type`` operation ``name`` answers.

    ``dispatch`` is typed ``Message`` (it answers every operation); a test reads the fields of one response
    type, so it says which one it expects and fails here, by name, if the seam answered another.
    """
    response = await host.dispatch(name, request, ctx)
    assert isinstance(response, response_type), f"{name} answered a {type(response).__name__}"
    return response


def build_message(message: M, values: Mapping[str, Any]) -> M:
    """``message`` filled from a dict of field name -> value (nested dicts for message fields, lists for
    repeated ones), as the property tests draw them; returns ``message``."""
    for name, value in values.items():
        fd = message.DESCRIPTOR.fields_by_name[name]
        if fd.type == FieldDescriptor.TYPE_MESSAGE:
            if fd.is_repeated:
                for item in value:
                    build_message(getattr(message, name).add(), item)
            else:
                build_message(getattr(message, name), value).SetInParent()
        elif fd.is_repeated:
            getattr(message, name).extend(value)
        else:
            setattr(message, name, value)
    return message


def descriptor_of(message: Message | type[Message]) -> Descriptor:
    """``message.DESCRIPTOR`` as a ``google.protobuf.descriptor.Descriptor``.

    The stubs type ``Message.DESCRIPTOR`` as the Python or the upb implementation's class; the upb one
    passes ``isinstance(d, Descriptor)`` too (protobuf's descriptor metaclass says so), so the assertion
    holds under either implementation and the fields read from it have the Python descriptor types.
    """
    descriptor = message.DESCRIPTOR
    assert isinstance(descriptor, Descriptor)
    return descriptor


class DictCache:
    """A ``curation.cache.base.Cache`` over a plain dict the test reads and corrupts: no TTL, no size limit,
    never fails."""

    name = "dict"

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    async def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    async def set(self, key: str, value: bytes, *, ttl_seconds: int) -> bool:
        self.data[key] = value
        return True

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self.data.get(key) for key in keys]

    async def set_many(self, items: Mapping[str, bytes], *, ttl_seconds: int) -> int:
        self.data.update(items)
        return len(items)

    async def delete(self, key: str) -> None:
        self.data.pop(key, None)

    async def delete_prefix(self, prefix: str) -> int:
        doomed = [key for key in self.data if key.startswith(prefix)]
        for key in doomed:
            del self.data[key]
        return len(doomed)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        pass

    def describe(self) -> dict[str, str]:
        return {"backend": self.name, "entries": str(len(self.data))}
