#!/usr/bin/env bash
# Build a buf image of our protos: the FileDescriptorSet protoc writes with every import and the source
# info (buf reads it as an image), so `buf lint` and `buf breaking` need no network and no buf.build
# dependency. The google/api and google/rpc imports are read from build/proto-deps (`make proto-deps`).
# Usage: scripts/proto-image.sh OUT [GIT_REF]   — the working tree's proto/, or that commit's (git archive).
set -euo pipefail
out="$1"
ref="${2:-}"
py="${PY:-.venv/bin/python}"
root=proto
if [ -n "$ref" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  git archive "$ref" proto | tar -x -C "$tmp"
  root="$tmp/proto"
fi
mapfile -t files < <(find "$root/curation" -name '*.proto' | sort)
mkdir -p "$(dirname "$out")"
"$py" -m grpc_tools.protoc -I"$root" -Ibuild/proto-deps --include_imports --include_source_info -o "$out" "${files[@]}"
