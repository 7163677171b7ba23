# The two set-up commands of the README are `make serve` and `make test`; everything else is a step of them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: serve test check lint-proto breaking-proto proto proto-deps proto-client proto-check proto-go install install-dev bench-smoke
.PHONY: proto-ts proto-ts-check test-ts

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

install: $(VENV)/bin/activate
	$(PIP) install --quiet -e .
	$(MAKE) --no-print-directory $(VENV)/.kernels-warm

# The numba kernels compiled once, here, not at every start (curation-warm; the cache sits beside the
# sources). Redone when a module of the core changes; a start finds them and reports SERVING in seconds.
$(VENV)/.kernels-warm: $(shell find service/curation/core -name '*.py')
	$(VENV)/bin/curation-warm > /dev/null
	touch $@

# torch is pinned first so that snorkel (a test oracle) takes the CPU build instead of a CUDA one.
install-dev: $(VENV)/bin/activate
	$(PIP) install --quiet "torch==2.13.0"
	$(PIP) install --quiet -e ".[dev]" -r requirements-oracles.txt -e clients/python

serve: install
	$(VENV)/bin/curation-serve

# The google/api and google/rpc .proto files ours import, copied from the installed googleapis-common-protos
# into build/ (ignored by git): protoc and buf read them there, nothing is fetched from buf.build.
PROTO_DEPS := build/proto-deps
PROTOC := $(PY) -m grpc_tools.protoc -Iproto -I$(PROTO_DEPS)
proto-deps: install-dev
	$(PY) scripts/proto_deps.py $(PROTO_DEPS)

# Python stubs and .pyi of the public protos (with gRPC services) and of the internal storage messages.
# Old stubs are removed first, so a deleted .proto leaves no stale module behind (proto-check sees it).
proto: proto-deps
	rm -f service/curation/v1/*_pb2*.py* service/curation/internal/v1/*_pb2*.py*
	$(PROTOC) --python_out=service --pyi_out=service --grpc_python_out=service proto/curation/v1/*.proto
	$(PROTOC) --python_out=service --pyi_out=service proto/curation/internal/v1/*.proto

# The Python client's own protobuf modules (curation_client/v1, public protos only) and its typed surface
# (curation_client/_surface.py), both derived from the protos by clients/python/tools/generate.py.
CLIENT_GENERATED := clients/python/curation_client/v1 clients/python/curation_client/_surface.py
proto-client: install-dev
	$(PY) clients/python/tools/generate.py

# Fails when the checked-in stubs differ from what the pinned grpcio-tools generates (or new ones are untracked).
proto-check: proto proto-client
	git diff --exit-code -- service/curation/v1 service/curation/internal
	test -z "$$(git status --porcelain -- service/curation/v1 service/curation/internal)"
	git diff --exit-code -- $(CLIENT_GENERATED)
	test -z "$$(git status --porcelain -- $(CLIENT_GENERATED))"

# buf (from the npm registry) keeps the protos conventional: STANDARD lint rules, see buf.yaml. buf reads a
# FileDescriptorSet image that protoc builds (scripts/proto-image.sh) and checks only our files (--path
# curation), so the googleapis imports need no buf.build dependency and no network.
BUF := npx --yes @bufbuild/buf@1.75.0
PROTO_IMAGES := build/proto-images
lint-proto: proto-deps
	PY=$(PY) scripts/proto-image.sh $(PROTO_IMAGES)/worktree.binpb
	$(BUF) lint $(PROTO_IMAGES)/worktree.binpb --path curation --config buf.yaml

# Wire and source compatibility of the protos with an earlier commit (default: the previous one).
# CI runs it; a deliberate break names another base: make breaking-proto BREAKING_AGAINST=<ref>.
BREAKING_AGAINST ?= HEAD~1
breaking-proto: proto-deps
	PY=$(PY) scripts/proto-image.sh $(PROTO_IMAGES)/worktree.binpb
	PY=$(PY) scripts/proto-image.sh $(PROTO_IMAGES)/against.binpb $(BREAKING_AGAINST)
	$(BUF) breaking $(PROTO_IMAGES)/worktree.binpb --against $(PROTO_IMAGES)/against.binpb --path curation --config buf.yaml

# Go stubs (and Python ones) of the public protos, made by buf with buf.gen.yaml's local plugins from the
# protoc-built image (as lint-proto) into build/gen, then vetted and compiled, with the interop test's Go program, against Debian's Go packages
# in GOPATH mode: no Go module proxy here (.ci/run installs golang-go, golang-google-grpc-dev,
# golang-google-genproto-dev, golang-google-protobuf-dev, protoc-gen-go and protoc-gen-go-grpc).
GO := GO111MODULE=off GOFLAGS= GOPATH=/usr/share/gocode:$(CURDIR)/build/gen/go go
proto-go: proto-deps
	PY=$(PY) scripts/proto-image.sh $(PROTO_IMAGES)/worktree.binpb
	$(BUF) generate $(PROTO_IMAGES)/worktree.binpb --path curation/v1 --template buf.gen.yaml
	cd build/gen/go/src && $(GO) vet ./... && $(GO) build ./...
	cd tests/interop/go/status_details && $(GO) vet .

# The same checks as the pre-commit hooks (.pre-commit-config.yaml): format, lint, types, the house's
# import rules (pyproject's [tool.importlinter]) and the protos' lint.
check: install-dev lint-proto
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	cd clients/python && ../../$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

# The whole suite: lint + types, then every test against a real Redis (started when none answers).
test: install-dev check
	CURATION_TEST_REDIS_URL="$$(scripts/ensure-redis.sh)/15" $(VENV)/bin/pytest -q

# The TypeScript client (clients/typescript): its npm packages as locked, its generated code, its tests
# against a real server started from this venv (typecheck included: see its package.json).
TS := clients/typescript
$(TS)/node_modules/.package-lock.json: $(TS)/package-lock.json $(TS)/package.json
	cd $(TS) && npm ci --no-audit --no-fund

proto-ts: install-dev $(TS)/node_modules/.package-lock.json
	cd $(TS) && scripts/generate.sh $(abspath $(PY))

proto-ts-check: proto-ts
	git diff --exit-code -- $(TS)/src/gen
	test -z "$$(git status --porcelain -- $(TS)/src/gen)"

proto-check: proto-ts-check

test-ts: install
	cd $(TS) && npm ci --no-audit --no-fund && CURATION_SERVE=$(abspath $(VENV))/bin/curation-serve npm test

test: test-ts

bench-smoke: install-dev
	$(VENV)/bin/python -m bench --smoke
