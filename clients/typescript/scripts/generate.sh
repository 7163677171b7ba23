#!/usr/bin/env bash
# Regenerates src/gen: TypeScript (protoc-gen-es) for the public curation.v1 protos, the google.rpc
# error model the client decodes (status, error_details, code), google.api.http (the REST client's
# routes), and every .proto those import, transitively. protoc is the venv's grpc_tools; the google/*
# protos are read from the installed googleapis-common-protos, never copied. google/protobuf/* map to
# @bufbuild/protobuf/wkt.
# Usage: scripts/generate.sh PYTHON   (run from clients/typescript; `make proto-ts` does)
set -euo pipefail
PY=${1:?usage: scripts/generate.sh PYTHON}
ROOT=../..
SITE=$("$PY" -c 'import pathlib, google.rpc.status_pb2 as m; print(pathlib.Path(m.__file__).parents[2])')

# The closure of imports, starting from the public protos and the error model.
todo=()
for f in "$ROOT"/proto/curation/v1/*.proto; do todo+=("curation/v1/$(basename "$f")"); done
todo+=(google/rpc/status.proto google/rpc/error_details.proto google/rpc/code.proto google/api/annotations.proto)
declare -A seen=()
files=()
while [ ${#todo[@]} -gt 0 ]; do
  f=${todo[0]}; todo=("${todo[@]:1}")
  [[ -n ${seen[$f]:-} || $f == google/protobuf/* ]] && continue
  seen[$f]=1; files+=("$f")
  src="$ROOT/proto/$f"; [ -f "$src" ] || src="$SITE/$f"
  while read -r dep; do todo+=("$dep"); done < <(sed -n 's/^import \(public \)\{0,1\}"\([^"]*\)";.*/\2/p' "$src")
done

rm -rf src/gen
mkdir -p src/gen
"$PY" -m grpc_tools.protoc -I"$ROOT/proto" -I"$SITE" \
  --plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es \
  --es_out=src/gen --es_opt=target=ts,import_extension=js \
  "${files[@]}"
