"""The detection family's public surface: the package names everything the ops seam uses, and the
seam imports nothing else from the core."""

from __future__ import annotations

import ast
from pathlib import Path

import curation.core.detection as det
import curation.ops.detection as od


def test_every_public_name_is_there_once() -> None:
    assert len(set(det.__all__)) == len(det.__all__)
    for name in det.__all__:
        assert hasattr(det, name), name
    # The function, not the module of the same idea (diagnosis.py).
    assert det.diagnose.__module__ == "curation.core.detection.diagnosis"


def test_ops_imports_the_detection_core_only_through_its_package() -> None:
    files = sorted(Path(od.__file__).parent.rglob("*.py"))
    assert len(files) > 1
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("curation.core"):
                assert node.module in ("curation.core", "curation.core.detection"), (path.name, node.module)
                if node.module == "curation.core.detection":
                    for alias in node.names:
                        assert alias.name in det.__all__, (path.name, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("curation.core."), (path.name, alias.name)


def test_ops_surface() -> None:
    assert set(od.__all__) >= {"SPECS", "evaluate", "respond", "merge_stream", "stream_response", "warm_up"}
    assert [s.name for s in od.SPECS] == [
        "curation.v1.DiagnosticsService/ScoreDetection",
        "curation.v1.DiagnosticsService/ScoreDetectionStream",
    ]
    unary, stream = od.SPECS
    assert unary.warm_up is det.warm_up
    assert unary.paging_fields == ("page_size", "page_token")
    assert stream.stream is not None and stream.stream.answered_by == unary.name
