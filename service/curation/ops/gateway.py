"""The one request path of both adapters: raw body in, encoded answer out.

An adapter reads a body (REST JSON, gRPC wire bytes, or a client stream's chunks) and hands it to a
:class:`Gateway` with the codec of its protocol; it writes back the bytes it gets or maps the
``CurationError`` raised. Everything between — the body digest and the fast path for a byte-identical
repeat, decoding, the seam, encoding — happens here, once for both protocols.

:class:`InProcess` does it in this process (large bodies decoded and encoded in the seam's worker
threads), each stage in a span of its own when tracing is on (``curation.tracing.Stages``: lookup by
digest, decode, compute, encode). ``curation.workers`` implements the same protocol with worker
processes, so that parsing and computing a maximum-size request never holds the serving process's
interpreter: health checks stay prompt and one pod uses all its cores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from google.protobuf.message import DecodeError, Message

from curation.contract import OFF_LOOP_BYTES
from curation.errors import InvalidArgument
from curation.ops.keys import body_digest
from curation.ops.operation_spec import BodyFormat, Context
from curation.ops.operations import Operations
from curation.tracing import Stages

__all__ = ["PROTO", "Codec", "Gateway", "InProcess", "ProtoCodec"]

M = TypeVar("M", bound=Message)


class Codec(Protocol):
    """How one protocol encodes messages: ``format`` names it (the fast path keys repeats per format)."""

    @property
    def format(self) -> BodyFormat: ...

    def decode(self, body: bytes, message_type: type[M]) -> M:
        """Parse ``body``; ``InvalidArgument`` when it is not a valid ``message_type``."""
        ...

    def encode(self, message: Message) -> bytes: ...


class ProtoCodec:
    """Protobuf wire bytes (gRPC)."""

    format = BodyFormat.PROTO

    def decode(self, body: bytes, message_type: type[M]) -> M:
        try:
            return message_type.FromString(body)
        except DecodeError:
            full_name = message_type.DESCRIPTOR.full_name
            raise InvalidArgument(f"the request is not a valid {full_name} message") from None

    def encode(self, message: Message) -> bytes:
        return message.SerializeToString()


PROTO = ProtoCodec()


class Gateway(Protocol):
    """What the adapters call with a request's raw bytes."""

    async def answer(
        self, name: str, body: bytes, codec: Codec, ctx: Context, *, digest: str | None = None
    ) -> bytes:
        """The encoded answer of operation ``name`` to ``body`` (``digest``: its SHA-256 if known)."""
        ...

    async def answer_stream(self, name: str, chunks: Sequence[bytes], codec: Codec, ctx: Context) -> bytes:
        """The encoded answer of the client-streaming operation ``name`` to its chunks."""
        ...

    def cancel_running(self, reason: str) -> None:
        """Answer every running call ``Unavailable`` now; its computation stops at its next checkpoint."""
        ...

    async def close(self) -> None:
        """Stop: running work is cancelled."""
        ...


class InProcess:
    """The gateway over this process's seam."""

    def __init__(self, ops: Operations, stages: Stages | None = None) -> None:
        self.ops = ops
        self.stages = Stages() if stages is None else stages

    async def answer(
        self, name: str, body: bytes, codec: Codec, ctx: Context, *, digest: str | None = None
    ) -> bytes:
        big = len(body) >= OFF_LOOP_BYTES
        with self.ops.heavy_request(big):  # a large body's stages take its tenant's heavy tickets
            return await self._answer(name, body, codec, ctx, digest, big=big)

    async def _answer(
        self, name: str, body: bytes, codec: Codec, ctx: Context, digest: str | None, *, big: bool
    ) -> bytes:
        if digest is None:
            digest = await self.ops.run(body_digest, body, ctx=ctx) if big else body_digest(body)
        with self.stages.span("curation.lookup"):
            response = await self.ops.dispatch_body(name, ctx, digest, body_format=codec.format)
        if response is None:
            request_type = self.ops.spec(name).request_type
            with self.stages.span("curation.decode"):
                if big:
                    request = await self.ops.run(codec.decode, body, request_type, ctx=ctx)
                else:
                    request = codec.decode(body, request_type)
            with self.stages.span("curation.compute"):
                response = await self.ops.dispatch(
                    name,
                    request,
                    ctx,
                    body_digest=digest,
                    body_format=codec.format,
                    body_size=len(body),
                    body=body,
                )
        return await self._encode(codec, response, ctx)

    async def answer_cheap(
        self, name: str, body: bytes, codec: Codec, ctx: Context, *, digest: str, max_work: int
    ) -> bytes | None:
        """The answer to a small body (not a known repeat: see :meth:`answer_known`) computed here when
        the operation's estimated work is at most ``max_work``; None when it is more (compute it elsewhere:
        the body is parsed again there, which for a small body costs less than holding this process)."""
        spec = self.ops.spec(name)
        with self.stages.span("curation.decode"):
            request = codec.decode(body, spec.request_type)
        if self.ops.estimate(spec, request).work > max_work:
            return None
        with self.stages.span("curation.compute"):
            response = await self.ops.dispatch(
                name, request, ctx, body_digest=digest, body_format=codec.format
            )
        return await self._encode(codec, response, ctx)

    async def answer_known(
        self, name: str, digest: str, codec: Codec, ctx: Context, *, max_payload_bytes: int | None = None
    ) -> bytes | None:
        """The encoded answer to a body seen before, from its digest alone, or None (then send it);
        ``max_payload_bytes`` bounds the cached result it may decode (see ``dispatch_body``)."""
        with self.stages.span("curation.lookup"):
            response = await self.ops.dispatch_body(
                name, ctx, digest, body_format=codec.format, max_payload_bytes=max_payload_bytes
            )
        return None if response is None else await self._encode(codec, response, ctx)

    async def answer_stream(self, name: str, chunks: Sequence[bytes], codec: Codec, ctx: Context) -> bytes:
        chunk_type = self.ops.spec(name).request_type
        big = sum(len(chunk) for chunk in chunks) >= OFF_LOOP_BYTES
        with self.ops.heavy_request(big):
            with self.stages.span("curation.decode"):
                if big:
                    messages = await self.ops.run(_decode_all, codec, chunks, chunk_type, ctx=ctx)
                else:
                    messages = _decode_all(codec, chunks, chunk_type)
            with self.stages.span("curation.compute"):
                response = await self.ops.dispatch_stream(name, messages, ctx)
            return await self._encode(codec, response, ctx)

    def cancel_running(self, reason: str) -> None:
        self.ops.cancel_running(reason)

    async def close(self) -> None:
        self.ops.close()

    async def _encode(self, codec: Codec, response: Message, ctx: Context) -> bytes:
        with self.stages.span("curation.encode"):
            if response.ByteSize() >= OFF_LOOP_BYTES:
                return await self.ops.run(codec.encode, response, ctx=ctx)
            return codec.encode(response)


def _decode_all(codec: Codec, chunks: Sequence[bytes], message_type: type[M]) -> list[M]:
    """Every chunk decoded; a bad one is named by its position in the stream."""
    messages = []
    for i, chunk in enumerate(chunks):
        try:
            messages.append(codec.decode(chunk, message_type))
        except InvalidArgument as exc:
            raise InvalidArgument(exc.message, field=f"stream[{i}]") from None
    return messages
