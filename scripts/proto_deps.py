"""Copy the google/api and google/rpc .proto files our protos import into a build directory.

They ship inside the installed googleapis-common-protos package, so protoc and buf read them from there
with no network (buf.build is never asked) and no copy is committed. Usage: proto_deps.py DIR
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import google.api.http_pb2


def main(target: str) -> None:
    """Replace ``target``/google/{api,rpc} by the package's .proto files (nothing else of it)."""
    source = Path(google.api.http_pb2.__file__).parents[1]
    for part in ("api", "rpc"):
        dest = Path(target, "google", part)
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(
            source / part,
            dest,
            ignore=shutil.ignore_patterns("*.py", "*.pyi", "__pycache__"),
        )


if __name__ == "__main__":
    main(*sys.argv[1:])
