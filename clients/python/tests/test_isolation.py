"""The client stands alone: its wheel installs in a fresh virtual environment with only its declared
dependencies (no service, no numpy) and calls a live server there; and where the service is installed
too, both sets of generated modules load in one process (the same files, byte for byte, in protobuf's
default descriptor pool), in either order."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from .conftest import RunningServer

CLIENT = Path(__file__).resolve().parents[1]
REPO = CLIENT.parents[1]

_BOTH = """
import importlib, json, pkgutil, sys
import curation_client.v1, curation.v1
order = sys.argv[1].split(",")
found = {}
for package in order:
    root = importlib.import_module(package)
    for info in pkgutil.iter_modules(root.__path__):
        if info.name.endswith("_pb2"):
            module = importlib.import_module(f"{package}.{info.name}")
            found.setdefault(info.name, {})[package] = module.DESCRIPTOR.serialized_pb.hex()
from curation_client.v1 import classification_pb2 as c
from curation.v1 import classification_pb2 as s
wire = c.ScoreClassificationRequest(class_names=["a"]).SerializeToString()
print(json.dumps({"files": found, "parsed": list(s.ScoreClassificationRequest.FromString(wire).class_names)}))
"""


@pytest.mark.parametrize("order", ["curation_client.v1,curation.v1", "curation.v1,curation_client.v1"])
def test_service_and_client_modules_load_in_one_process(order: str) -> None:
    path = f"{REPO / 'service'}:{CLIENT}"
    env = {"PYTHONPATH": path}
    out = subprocess.run(
        [sys.executable, "-c", _BOTH, order], capture_output=True, text=True, check=False, env=env
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    client_files = {name for name, where in doc["files"].items() if "curation_client.v1" in where}
    assert client_files and doc["parsed"] == ["a"]
    for name in client_files:  # every public file the client ships is the service's, byte for byte
        assert doc["files"][name]["curation_client.v1"] == doc["files"][name]["curation.v1"], name


_FRESH = """
import importlib.util, json, sys
from curation_client import CurationClient, CurationClientError, RestCurationClient, from_coco
from curation_client.v1 import classification_pb2 as pb

grpc_target, base_url = sys.argv[1:3]
request = pb.ScoreClassificationRequest(
    class_names=["cat", "dog"], asset_ids=["a", "b", "c"], y_true=[0, 1, 1], y_pred=[0, 1, 0]
)
bad = pb.ScoreClassificationRequest(class_names=["cat"], asset_ids=["a"], y_true=[3], y_pred=[0])
answers = {}
with CurationClient(grpc_target, timeout=60) as g, RestCurationClient(base_url, timeout=60) as r:
    answers["grpc"] = g.score_classification(request).summary.accuracy
    answers["rest"] = r.score_classification(request).summary.accuracy
    try:
        r.score_classification(bad)
    except CurationClientError as error:
        answers["field"] = error.field
try:
    from_coco({}, [])
except ImportError as missing:
    answers["coco"] = str(missing)
answers["absent"] = [m for m in ("curation", "numpy", "msgspec") if importlib.util.find_spec(m) is None]
print(json.dumps(answers))
"""


def _declared(wheel: Path) -> list[str]:
    """The wheel's dependencies (not its extras), pinned to the versions of this environment."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        lines = archive.read(name).decode().splitlines()
    requirements = [Requirement(line.split(":", 1)[1]) for line in lines if line.startswith("Requires-Dist:")]
    return [f"{r.name}=={metadata.version(r.name)}" for r in requirements if r.marker is None]


@pytest.mark.slow
def test_the_wheel_works_in_a_fresh_environment(tmp_path: Path, server: RunningServer) -> None:
    source = tmp_path / "src"
    shutil.copytree(CLIENT, source, ignore=shutil.ignore_patterns("tests", "tools", "__pycache__", "build"))
    pip = [sys.executable, "-m", "pip"]
    quiet = ["--quiet", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", *quiet, "--no-deps", "--no-build-isolation", "-w", tmp_path, source], check=True
    )
    wheel = next(tmp_path.glob("curation_client-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    target = ["--python", str(python), "install", *quiet]
    subprocess.run([*pip, *target, "--no-deps", wheel], check=True)
    subprocess.run([*pip, *target, *_declared(wheel)], check=True)
    script = textwrap.dedent(_FRESH)
    out = subprocess.run(
        [python, "-c", script, server.grpc_target, server.base_url],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    answers = json.loads(out.stdout)
    assert answers["grpc"] == answers["rest"] == pytest.approx(2 / 3)
    assert answers["field"] == "y_true[0]"
    assert "pip install 'curation-client[coco]'" in answers["coco"]
    assert answers["absent"] == ["curation", "numpy", "msgspec"]
