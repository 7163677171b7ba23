"""Renders ``curation_client/_surface.py`` from the protos' descriptors (for ``generate.py``).

Per RPC, read from the descriptors and nowhere else:
- its REST route: the ``google.api.http`` option (verb and path; none for a streaming RPC);
- whether it may be retried: ``idempotency_level`` IDEMPOTENT or NO_SIDE_EFFECTS;
- the field it pages, when the request has ``page_size`` / ``page_token`` and the response
  ``next_page_token``: the response's one repeated message field ``F`` with a count beside it named
  ``F_total`` or ``total_F`` (``misclassified`` / ``misclassified_total``). None or several is an error
  here, not a guess.
Then one typed method per RPC on the sync and async mixins, ``iter_`` / ``aiter_`` per paged RPC, and the
client-streaming RPCs on the gRPC-only mixins.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import Any

from google.api import annotations_pb2
from google.protobuf import descriptor_pb2

__all__ = ["render_surface"]

_PAGING = ("page_size", "page_token")
_RETRYABLE = (
    descriptor_pb2.MethodOptions.IDEMPOTENT,
    descriptor_pb2.MethodOptions.NO_SIDE_EFFECTS,
)
_FieldProto = descriptor_pb2.FieldDescriptorProto
# The extension (its .pyi types it as a plain FieldDescriptor, which Extensions[] does not take).
_HTTP: Any = annotations_pb2.http


@dataclass(frozen=True)
class RpcInfo:
    """What the surface says of one RPC."""

    service: str
    name: str
    request: str
    response: str
    http_method: str
    http_path: str
    idempotent: bool
    client_streaming: bool
    page_field: str
    page_item: str
    doc: str

    @property
    def constant(self) -> str:
        return snake(self.name).upper()

    @property
    def method(self) -> str:
        return snake(self.name)


def snake(name: str) -> str:
    """``FindNearDuplicates`` -> ``find_near_duplicates``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _python_types(files: list[descriptor_pb2.FileDescriptorProto]) -> dict[str, str]:
    """Every message's full name (``.curation.v1.X``) -> its Python expression (``x_pb2.X``)."""
    found: dict[str, str] = {}

    def walk(prefix: str, expr: str, messages: list[descriptor_pb2.DescriptorProto]) -> None:
        for message in messages:
            found[f"{prefix}.{message.name}"] = f"{expr}.{message.name}"
            walk(f"{prefix}.{message.name}", f"{expr}.{message.name}", list(message.nested_type))

    for file in files:
        module = file.name.rsplit("/", 1)[1].removesuffix(".proto") + "_pb2"
        walk("." + file.package, module, list(file.message_type))
    return found


def _http(options: descriptor_pb2.MethodOptions) -> tuple[str, str]:
    """The verb and path of the ``google.api.http`` option, or ``("", "")``."""
    if not options.HasExtension(_HTTP):
        return "", ""
    rule = options.Extensions[_HTTP]
    verb = rule.WhichOneof("pattern")
    if verb is None or verb == "custom":
        raise SystemExit(f"unsupported google.api.http rule: {rule}")
    path: str = getattr(rule, verb)
    if "{" in path or rule.body != "*":
        raise SystemExit(f"{path}: the REST clients send the whole request as the body, with no path fields")
    return verb.upper(), path


def _paging(
    rpc: str, request: descriptor_pb2.DescriptorProto, response: descriptor_pb2.DescriptorProto
) -> tuple[str, str]:
    """The repeated field a paged RPC pages and its item type's full name, or ``("", "")``."""
    request_fields = {f.name for f in request.field}
    response_fields = {f.name: f for f in response.field}
    if not set(_PAGING) <= request_fields or "next_page_token" not in response_fields:
        return "", ""
    paged = [
        f
        for f in response.field
        if f.label == _FieldProto.LABEL_REPEATED
        and f.type == _FieldProto.TYPE_MESSAGE
        and ({f"{f.name}_total", f"total_{f.name}"} & response_fields.keys())
    ]
    if len(paged) != 1:
        raise SystemExit(f"{rpc}: cannot tell which repeated field pages (found {[f.name for f in paged]})")
    return paged[0].name, paged[0].type_name


def _comment(file: descriptor_pb2.FileDescriptorProto, path: tuple[int, ...]) -> str:
    for location in file.source_code_info.location:
        if tuple(location.path) == path:
            return " ".join(line.strip() for line in location.leading_comments.splitlines()).strip()
    return ""


def collect(files: descriptor_pb2.FileDescriptorSet, public: str) -> list[RpcInfo]:
    """Every RPC of the public files, in file and declaration order."""
    messages = {
        f".{file.package}.{m.name}": m for file in files.file for m in file.message_type if file.package
    }
    rpcs: list[RpcInfo] = []
    for file in (f for f in files.file if f.name.startswith(public)):
        for s, service in enumerate(file.service):
            for m, method in enumerate(service.method):
                full = f"{file.package}.{service.name}/{method.name}"
                if method.server_streaming:
                    raise SystemExit(f"{full}: server streaming has no client surface yet")
                verb, path = ("", "") if method.client_streaming else _http(method.options)
                field, item = _paging(full, messages[method.input_type], messages[method.output_type])
                rpcs.append(
                    RpcInfo(
                        service=f"{file.package}.{service.name}",
                        name=method.name,
                        request=method.input_type,
                        response=method.output_type,
                        http_method=verb,
                        http_path=path,
                        idempotent=method.options.idempotency_level in _RETRYABLE,
                        client_streaming=method.client_streaming,
                        page_field=field,
                        page_item=item,
                        doc=_comment(file, (6, s, 2, m)),
                    )
                )
    names = [rpc.method for rpc in rpcs]
    if len(set(names)) != len(names):
        raise SystemExit(f"two RPCs share a method name: {sorted(names)}")
    return rpcs


def _docstring(paragraphs: list[str], indent: int) -> str:
    """A docstring of wrapped paragraphs at ``indent``."""
    pad = " " * indent
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += ([""] if lines else []) + textwrap.wrap(_escape(paragraph), width=106 - indent)
    if len(lines) == 1:
        return f'{pad}"""{lines[0]}"""\n'
    body = "\n".join(pad + line if line else "" for line in lines[1:])
    return f'{pad}"""{lines[0]}\n{body}\n{pad}"""\n'


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', "'''")


_PARAMS = """        *,
        timeout: float | None = None,
        metadata: Metadata = (),
        request_id: str | None = None,
"""
_ARGS = "CallOptions(timeout, metadata, request_id)"


def _record(rpc: RpcInfo, types: dict[str, str]) -> str:
    return (
        f"{rpc.constant} = Rpc(\n"
        f'    service="{rpc.service}",\n'
        f'    name="{rpc.name}",\n'
        f'    method="{rpc.method}",\n'
        f"    request_type={types[rpc.request]},\n"
        f"    response_type={types[rpc.response]},\n"
        f'    http_method="{rpc.http_method}",\n'
        f'    http_path="{rpc.http_path}",\n'
        f"    idempotent={rpc.idempotent},\n"
        f"    client_streaming={rpc.client_streaming},\n"
        f'    page_field="{rpc.page_field}",\n'
        ")\n"
    )


def _summary(rpc: RpcInfo) -> list[str]:
    """The proto's comment, then the RPC's name and REST route."""
    route = f"REST ``{rpc.http_method} {rpc.http_path}``" if rpc.http_path else "gRPC only"
    where = f"``{rpc.service.rsplit('.', 1)[1]}.{rpc.name}``; {route}."
    return [rpc.doc, where] if rpc.doc else [where]


def _unary(rpc: RpcInfo, types: dict[str, str], asynchronous: bool) -> str:
    define, wait = ("async def", "await ") if asynchronous else ("def", "")
    text = (
        f"    {define} {rpc.method}(\n        self,\n        request: {types[rpc.request]},\n{_PARAMS}"
        f"    ) -> {types[rpc.response]}:\n"
        + _docstring(_summary(rpc), 8)
        + f"        return {wait}self._invoke({rpc.constant}, request, {_ARGS})\n"
    )
    if not rpc.page_field:
        return text
    prefix, kind, helper = (
        ("aiter", "AsyncIterator", "_aiterate") if asynchronous else ("iter", "Iterator", "_iterate")
    )
    doc = (
        f"Every ``{rpc.page_field}`` entry of every page of :meth:`{rpc.method}`, which this calls again "
        "with each ``next_page_token`` until the last page (the request itself is not changed)."
    )
    return text + (
        f"\n    def {prefix}_{rpc.method}(\n        self,\n        request: {types[rpc.request]},\n{_PARAMS}"
        f"    ) -> {kind}[{types[rpc.page_item]}]:\n"
        + _docstring([doc], 8)
        + f"        return self.{helper}(\n"
        f"            {rpc.constant}, request, lambda page: page.{rpc.page_field}, {_ARGS}\n        )\n"
    )


def _streaming(rpc: RpcInfo, types: dict[str, str], asynchronous: bool) -> str:
    request = types[rpc.request]
    if asynchronous:
        define, wait, requests = "async def", "await ", f"AsyncIterable[{request}] | Iterable[{request}]"
    else:
        define, wait, requests = "def", "", f"Iterable[{request}]"
    return (
        f"    {define} {rpc.method}(\n        self,\n        requests: {requests},\n{_PARAMS}"
        f"    ) -> {types[rpc.response]}:\n"
        + _docstring(_summary(rpc), 8)
        + f"        return {wait}self._invoke_stream({rpc.constant}, requests, {_ARGS})\n"
    )


_HEAD = '''"""GENERATED from proto/curation/v1 by tools/generate.py (``make proto-client``): do not edit.

One ``Rpc`` record per RPC (``RPCS``), and one typed method per RPC on the mixins the clients inherit:
``SyncMethods`` / ``AsyncMethods`` (unary RPCs and their page iterators: gRPC and REST) and
``SyncStreamingMethods`` / ``AsyncStreamingMethods`` (client-streaming RPCs too: gRPC only).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

from curation_client._base import (
    AsyncBase,
    AsyncStreamingBase,
    CallOptions,
    Metadata,
    SyncBase,
    SyncStreamingBase,
)
from curation_client.rpc import Rpc
'''


def render_surface(files: descriptor_pb2.FileDescriptorSet, public: str, package: str) -> str:
    """The text of ``_surface.py`` (before ``ruff format``)."""
    rpcs = collect(files, public)
    types = _python_types([f for f in files.file if f.name.startswith(public)])
    modules = sorted(
        {expr.split(".", 1)[0] for rpc in rpcs for expr in (types[rpc.request], types[rpc.response])}
    )
    modules = sorted(set(modules) | {types[r.page_item].split(".", 1)[0] for r in rpcs if r.page_item})
    exported = ["RPCS", "AsyncMethods", "AsyncStreamingMethods", "SyncMethods", "SyncStreamingMethods"]
    parts = [_HEAD, f"from {package} import {', '.join(modules)}\n"]
    parts.append(f"\n__all__ = {sorted(exported + [r.constant for r in rpcs])!r}\n\n")
    parts += [_record(rpc, types) + "\n" for rpc in rpcs]
    parts.append(f"RPCS: tuple[Rpc[Any, Any], ...] = ({', '.join(r.constant for r in rpcs)},)\n")
    unary = [rpc for rpc in rpcs if not rpc.client_streaming]
    streaming = [rpc for rpc in rpcs if rpc.client_streaming]
    for name, base, asynchronous, doc in (
        ("SyncMethods", "SyncBase", False, "One blocking method per unary RPC (gRPC and REST)."),
        ("AsyncMethods", "AsyncBase", True, "One awaitable method per unary RPC (gRPC and REST)."),
    ):
        parts.append(f"\n\nclass {name}({base}):\n" + _docstring([doc], 4))
        parts += ["\n" + _unary(rpc, types, asynchronous) for rpc in unary]
    for name, bases, asynchronous in (
        ("SyncStreamingMethods", "SyncMethods, SyncStreamingBase", False),
        ("AsyncStreamingMethods", "AsyncMethods, AsyncStreamingBase", True),
    ):
        parts.append(
            f"\n\nclass {name}({bases}):\n" + _docstring(["The client-streaming RPCs too (gRPC)."], 4)
        )
        parts += ["\n" + _streaming(rpc, types, asynchronous) for rpc in streaming]
    return "".join(parts)
