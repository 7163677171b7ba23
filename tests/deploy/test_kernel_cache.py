"""Compiled kernels shipped in the image (issue 10), checked by reproducing the image's kernel steps.

The builder's ``curation-warm`` (with the Dockerfile's NUMBA_CPU_NAME and cache directory) compiles every
kernel; the runtime environment (shipped cache copied into an empty writable cache directory) loads every
one and compiles none; and a server started that way answers requests of every family without compiling
anything new -- numba writes a new entry (and rewrites the index) for any signature not in the cache, so
the cache directory staying byte-for-byte the same is the oracle.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from bench._traffic import detection_request
from google.protobuf.message import Message

from curation.v1 import classification_pb2 as cls_pb
from curation.v1 import detection_pb2 as det_pb
from curation.v1 import embeddings_pb2 as emb_pb
from curation.v1 import labeling_pb2 as lf_pb
from curation.v1 import sampling_pb2 as smp_pb
from curation_client import CurationClient
from tests.deploy.image_build import DOCKERFILE, Image, dockerfile_kernel_settings, reproduce
from tests.deploy.served import serving

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    return reproduce(tmp_path_factory.mktemp("image"))


def _warm(image: Image, cache: Path, *args: str) -> tuple[int, dict[str, object]]:
    proc = subprocess.run(
        [image.bin("curation-warm"), *args],
        capture_output=True,
        text=True,
        env=image.runtime_env(cache),
        timeout=600,
        check=False,
    )
    return proc.returncode, json.loads(proc.stdout)


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(directory)): (p.stat().st_size, p.stat().st_mtime_ns) for p in directory.rglob("*")
    }


def test_the_dockerfile_builds_and_runs_with_the_same_kernel_settings() -> None:
    settings = dockerfile_kernel_settings()
    assert settings["cpu"] == settings["runtime_cpu"] == "generic"
    assert settings["shipped"] == settings["runtime_shipped"]
    assert settings["shipped"].startswith("/opt/venv/"), "the runtime stage copies only /opt/venv"
    assert settings["runtime_cache"].startswith("/tmp/"), "the chart's writable emptyDir"
    runtime = DOCKERFILE.read_text().rsplit("\nFROM ", 1)[1]
    check = runtime.index("curation-warm --check")
    assert runtime.index("COPY --from=builder /opt/venv") < check < runtime.index("\nUSER "), (
        "the runtime stage checks the shipped kernels load, after copying them in"
    )


def test_the_build_compiles_every_kernel(image: Image) -> None:
    report = image.warm_report
    assert report["cpu"] == "generic" and report["cache_dir"] == str(image.shipped)
    assert report["loaded"] == 0 and report["compiled"] >= 15
    assert any(image.shipped.rglob("*.nbc"))


def test_a_fresh_runtime_loads_every_kernel_and_compiles_none(image: Image, tmp_path: Path) -> None:
    code, report = _warm(image, tmp_path / "numba", "--check")
    assert code == 0, report
    per_kernel = report["per_kernel"]
    assert isinstance(per_kernel, dict)
    assert report["compiled"] == 0
    assert report["loaded"] == sum(k["signatures"] for k in per_kernel.values()) >= 15


def test_check_fails_when_the_cache_is_not_warm(image: Image, tmp_path: Path) -> None:
    """The same step against a cache for another CPU: everything compiles, and ``--check`` says so."""
    env = image.runtime_env(tmp_path / "numba", NUMBA_CPU_NAME="x86-64", CURATION_KERNEL_CACHE="")
    argv = [image.bin("curation-warm"), "--check"]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["loaded"] == 0
    assert "were not in the cache" in proc.stderr


def _detection() -> det_pb.ScoreDetectionRequest:
    return detection_request(12, seed=3, categories=4, edge_cases=True)


def _rle(mask: np.ndarray) -> dict[str, object]:
    """Uncompressed COCO RLE: run lengths of the column-major mask, starting with a run of zeros."""
    flat = mask.ravel(order="F").astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flat, [1 - flat[-1]]])))
    return {"size": list(mask.shape), "counts": np.diff(np.concatenate([[0], edges])).tolist()}


def _segmentation() -> det_pb.ScoreDetectionRequest:
    """Polygons in COCO JSON (rasterised, merged and compared as RLE masks)."""
    square = [[10.0, 10.0, 40.0, 10.0, 40.0, 40.0, 10.0, 40.0]]
    two = [[5.0, 5.0, 20.0, 5.0, 20.0, 20.0], [30.0, 30.0, 45.0, 30.0, 45.0, 45.0]]
    gt = {
        "images": [{"id": 1, "width": 64, "height": 48}, {"id": 2, "width": 64, "height": 48}],
        "categories": [{"id": 1, "name": "a"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "segmentation": square, "area": 900.0,
             "bbox": [10, 10, 30, 30], "iscrowd": 0},
            {"id": 2, "image_id": 2, "category_id": 1, "segmentation": two, "area": 225.0,
             "bbox": [5, 5, 40, 40], "iscrowd": 0},
        ],
    }  # fmt: skip
    mask = np.zeros((48, 64), bool)
    mask[12:40, 10:38] = True
    results = [
        {"image_id": 1, "category_id": 1, "segmentation": _rle(mask), "score": 0.9},
        {"image_id": 2, "category_id": 1, "segmentation": _rle(mask[::-1]), "score": 0.6},
    ]
    return det_pb.ScoreDetectionRequest(
        coco_gt_json=json.dumps(gt),
        coco_results_json=json.dumps(results),
        iou_type=det_pb.DETECTION_IOU_TYPE_SEGM,
    )


def _matrix() -> lf_pb.LabelMatrix:
    rng = np.random.default_rng(0)
    rows, functions = np.nonzero(rng.random((200, 6)) < 0.5)
    return lf_pb.LabelMatrix(
        num_rows=200,
        num_functions=6,
        rows=rows.tolist(),
        functions=functions.tolist(),
        labels=rng.integers(0, 3, size=rows.size).tolist(),
    )


def _requests() -> Iterator[tuple[str, Message]]:
    """At least one request of every family, and every label model."""
    yield (
        "ScoreClassification",
        cls_pb.ScoreClassificationRequest(
            class_names=["a", "b"], asset_ids=["x", "y", "z"], y_true=[0, 1, 1], y_pred=[0, 0, 1]
        ),
    )
    yield "ScoreDetection", _detection()
    yield "ScoreDetection", _segmentation()
    names = ["a", "b", "c"]
    yield (
        "AnalyzeLabelingFunctions",
        lf_pb.AnalyzeLabelingFunctionsRequest(class_names=names, label_matrix=_matrix()),
    )
    for model in lf_pb.LabelModelType.keys():  # noqa: SIM118 - an enum wrapper, not a dict
        if model != "LABEL_MODEL_TYPE_UNSPECIFIED":
            yield (
                "FitLabelModel",
                lf_pb.FitLabelModelRequest(class_names=names, label_matrix=_matrix(), model=model),
            )
    vectors = np.random.default_rng(1).normal(size=(64, 8)).astype("<f4")
    ids = [f"e-{i}" for i in range(64)]
    yield (
        "PutEmbeddings",
        emb_pb.PutEmbeddingsRequest(collection="c", dimension=8, asset_ids=ids, vectors=vectors.tobytes()),
    )
    diversity = smp_pb.SamplingStrategy(kind=smp_pb.STRATEGY_KIND_DIVERSITY, fraction=1.0)
    yield "Select", smp_pb.SelectRequest(asset_ids=ids, collection="c", budget=5, strategies=[diversity])


def test_requests_of_every_family_compile_nothing_new(image: Image, tmp_path: Path) -> None:
    cache = tmp_path / "numba"
    env = image.runtime_env(cache, CURATION_COMPUTE_PROCESSES="0")
    with serving([image.bin("curation-serve")], env) as ports:
        before = _snapshot(cache)
        assert any(name.endswith(".nbc") for name in before), "the shipped kernels were not copied in"
        with CurationClient(f"127.0.0.1:{ports.grpc}", namespace="warm", timeout=120) as client:
            for method, request in _requests():
                client.call(method, request)
        after = _snapshot(cache)
    assert after == before, sorted(set(after.items()) ^ set(before.items()))
