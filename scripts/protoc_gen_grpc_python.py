"""protoc plugin (for buf.gen.yaml): gRPC Python stubs made by the pinned grpcio-tools' own generator.

grpcio-tools builds its gRPC Python generator into its protoc (``--grpc_python_out``) and ships no plugin
executable, so buf cannot call it directly. This plugin reads the CodeGeneratorRequest on stdin, hands its
files to ``grpc_tools.protoc`` as a descriptor set and answers with the files that wrote.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from grpc_tools import protoc


def generate(request: plugin_pb2.CodeGeneratorRequest) -> plugin_pb2.CodeGeneratorResponse:
    """The response to ``request``: the ``*_pb2_grpc.py`` files, or an error."""
    response = plugin_pb2.CodeGeneratorResponse(
        supported_features=plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    )
    with tempfile.TemporaryDirectory() as tmp:
        descriptors = Path(tmp, "descriptors.binpb")
        descriptors.write_bytes(descriptor_pb2.FileDescriptorSet(file=request.proto_file).SerializeToString())
        out = Path(tmp, "out")
        out.mkdir()
        target = f"{request.parameter}:{out}" if request.parameter else str(out)
        argv = ["protoc", f"--descriptor_set_in={descriptors}", f"--grpc_python_out={target}"]
        status = protoc.main([*argv, *request.file_to_generate])
        if status != 0:
            response.error = f"grpc_tools.protoc --grpc_python_out exited with {status}"
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            response.file.add(name=path.relative_to(out).as_posix(), content=path.read_text())
    return response


def main() -> None:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    sys.stdout.buffer.write(generate(request).SerializeToString())


if __name__ == "__main__":
    main()
