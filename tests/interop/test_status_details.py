"""Generic tooling reads the service's error details with its own standard call.

A request whose ``y_true[1]`` is out of range is refused with INVALID_ARGUMENT and a ``google.rpc.Status``
in ``grpc-status-details-bin``: grpcurl (which finds every type by server reflection, the ``Any`` details
included) and grpc-go's ``status.FromError(err).Details()`` must each print the BadRequest field
violation, the ErrorInfo and the RequestInfo holding the request ID that was sent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from curation.rpc import GrpcServer
from curation.v1 import classification_pb2 as pb

from .conftest import run

METHOD = "curation.v1.DiagnosticsService/ScoreClassification"
BAD = pb.ScoreClassificationRequest(
    class_names=["a", "b"], asset_ids=["x", "y"], y_true=[0, 7], y_pred=[0, 1]
)
FIELD = "y_true[1]"


def grpcurl_details(output: str) -> dict[str, dict[str, Any]]:
    """grpcurl's numbered ``Details`` lines (``  1)\t{json}``), by ``@type`` name."""
    details = [json.loads(m) for m in re.findall(r"^\s+\d+\)\s+(\{.*\})$", output, flags=re.MULTILINE)]
    return {d.pop("@type").rsplit("/", 1)[-1]: d for d in details}


async def test_grpcurl_prints_the_field_violation(server: GrpcServer, grpcurl: str) -> None:
    ran = await run(
        [
            grpcurl,
            "-plaintext",
            "-H",
            "x-request-id: interop-grpcurl",
            "-d",
            json_format.MessageToJson(BAD, indent=None),
            f"127.0.0.1:{server.port}",
            METHOD,
        ]
    )
    output = ran.stdout + ran.stderr
    assert ran.returncode != 0, output  # grpcurl exits 64 + the status code
    assert "Code: InvalidArgument" in output, output
    details = grpcurl_details(output)
    assert list(details) == ["google.rpc.ErrorInfo", "google.rpc.BadRequest", "google.rpc.RequestInfo"], (
        output
    )
    [violation] = details["google.rpc.BadRequest"]["field_violations"]
    assert violation["field"] == FIELD and violation["description"], output
    info = details["google.rpc.ErrorInfo"]
    assert (info["reason"], info["domain"], info["metadata"]) == (
        "INVALID_ARGUMENT",
        "curation.v1",
        {"field": FIELD},
    )
    assert details["google.rpc.RequestInfo"]["request_id"] == "interop-grpcurl"


async def test_go_status_details_decodes_the_field_violation(
    server: GrpcServer, go_status_details: Path, tmp_path: Path
) -> None:
    request = tmp_path / "request.bin"
    request.write_bytes(BAD.SerializeToString())
    ran = await run(
        [
            str(go_status_details),
            "-addr",
            f"127.0.0.1:{server.port}",
            "-method",
            f"/{METHOD}",
            "-request",
            str(request),
            "-request-id",
            "interop-go",
        ]
    )
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0] == "code: InvalidArgument", ran.stdout
    assert f"error info: reason=INVALID_ARGUMENT domain=curation.v1 metadata=map[field:{FIELD}]" in lines
    assert any(line.startswith(f"field violation: {FIELD}: ") for line in lines), ran.stdout
    assert "request info: request_id=interop-go" in lines
    assert not any(line.startswith("undecodable detail") for line in lines), ran.stdout
