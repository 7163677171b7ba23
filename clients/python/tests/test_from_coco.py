"""``from_coco``: the columnar request built from COCO files gives the COCO JSON request's numbers."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest

from curation_client import CurationClient, RestCurationClient, _coco_results, from_coco
from curation_client.v1 import detection_pb2 as pb

from .conftest import RunningServer


def _coco(seed: int, *, string_ids: bool = False) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A small set with crowds, ignore flags, a missing area, annotations and results naming an unknown
    category, and image / category ids out of order (optionally strings)."""
    rng = np.random.default_rng(seed)
    ids = [int(i) for i in rng.permutation(np.arange(3, 40))[:12]]
    cats = [7, 2, 5]

    def key(i: int) -> int | str:
        return f"im-{i:03d}" if string_ids else i

    images = [{"id": key(i), "height": 100, "width": 120} for i in ids]
    anns: list[dict[str, Any]] = []
    for n in range(60):
        x, y, w, h = (float(v) for v in rng.uniform(0, 60, 4))
        ann: dict[str, Any] = {
            "id": n + 1,
            "image_id": key(ids[n % len(ids)]),
            "category_id": int(rng.choice([*cats, 99])),
            "bbox": [x, y, w + 1, h + 1],
            "area": (w + 1) * (h + 1) * 0.8,
            "iscrowd": int(rng.random() < 0.1),
        }
        if n == 5:
            del ann["area"]
        anns.append(ann)
    results = []
    for ann in anns:
        for _ in range(3):
            box = [float(b + d) for b, d in zip(ann["bbox"], rng.normal(0, 4, 4), strict=True)]
            box[2], box[3] = abs(box[2]), abs(box[3])
            results.append({
                "image_id": ann["image_id"],
                "category_id": int(rng.choice([*cats, 42])),
                "bbox": box,
                "score": round(float(rng.random()), 3),
            })  # fmt: skip
    gt = {"images": images, "categories": [{"id": c, "name": f"cat{c}"} for c in cats], "annotations": anns}
    return gt, results


def _numbers(response: Any) -> list[float]:
    return [s.value for s in response.summary]


@pytest.mark.parametrize("seed, string_ids", [(0, False), (1, True), (2, False)])
def test_from_coco_gives_the_json_requests_numbers(
    server: RunningServer, seed: int, string_ids: bool
) -> None:
    gt, results = _coco(seed, string_ids=string_ids)
    as_json = pb.ScoreDetectionRequest(coco_gt_json=json.dumps(gt), coco_results_json=json.dumps(results))
    columnar = from_coco(gt, results)
    assert len(columnar.asset_ids) == 12 and list(columnar.category_names) == ["cat2", "cat5", "cat7"]
    with CurationClient(server.grpc_target, timeout=60) as client:
        expected = client.call("ScoreDetection", as_json)
        got = client.call("ScoreDetection", columnar)
    assert _numbers(got) == _numbers(expected)
    assert getattr(got, "assets_total") == getattr(expected, "assets_total")  # noqa: B009


def test_from_coco_reads_paths_bytes_and_gzip(server: RunningServer, tmp_path: Path) -> None:
    gt, results = _coco(3)
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "res.json.gz").write_bytes(gzip.compress(json.dumps(results).encode()))
    from_paths = from_coco(tmp_path / "gt.json", str(tmp_path / "res.json.gz"))
    from_bytes = from_coco(json.dumps(gt).encode(), gzip.compress(json.dumps(results).encode()))
    assert from_paths == from_bytes == from_coco(gt, results)


@pytest.mark.parametrize("image_id", [10_000, -10_000, 2**70, "known", None])
def test_from_coco_refuses_a_result_on_an_unknown_image(image_id: Any) -> None:
    """Ids are looked up as they are: a string "7" is not image 7, a huge int is no image."""
    gt, results = _coco(4)
    results[3]["image_id"] = str(gt["images"][0]["id"]) if image_id == "known" else image_id
    with pytest.raises(ValueError, match=r"results\[3\]"):
        from_coco(gt, results)


@pytest.mark.parametrize("string_ids", [False, True])
def test_from_coco_results_cut_in_pieces_read_as_whole(
    monkeypatch: pytest.MonkeyPatch, string_ids: bool
) -> None:
    """The results text decoded a piece at a time gives the request decoding it whole gives, also when
    ``}, {`` appears inside a string (no cut there) and with any JSON whitespace between results."""
    gt, results = _coco(5, string_ids=string_ids)
    for r in results[::7]:
        r["note"] = "a}, {b"
    whole = from_coco(gt, results)
    monkeypatch.setattr(_coco_results, "PIECE_BYTES", 1)
    for sep in (",", " , ", "\n,\r\n\t"):
        text = b" \n" + json.dumps(results, separators=(sep, ":")).encode() + b"\n"
        assert from_coco(gt, text) == whole
    results[40]["image_id"] = 10_000
    with pytest.raises(ValueError, match=r"results\[40\]"):
        from_coco(gt, results)
    del results[50]["score"]
    results[30]["score"] = "high"
    with pytest.raises(ValueError, match=r"\$\[30\]\.score"):
        from_coco(gt, results)


def test_from_coco_segm_masks_read_from_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """SEGM: the kept results' masks, read from pieces, are the ones read from the whole text."""
    gt, results = _coco(6)
    for k, obj in enumerate([*gt["annotations"], *results]):
        obj["segmentation"] = {"size": [100, 120], "counts": f"m{k}}}, {{x"}
    segm = pb.DETECTION_IOU_TYPE_SEGM
    whole = from_coco(gt, results, iou_type=segm)
    monkeypatch.setattr(_coco_results, "PIECE_BYTES", 1)
    cut = from_coco(gt, results, iou_type=segm)
    assert cut == whole
    kept = [r for r in results if r["category_id"] in (7, 2, 5)]
    assert [m.counts for m in cut.pred_masks] == [r["segmentation"]["counts"] for r in kept]


def test_from_coco_names_a_missing_box_or_score() -> None:
    gt, results = _coco(4)
    kept = [a for a in gt["annotations"] if a["category_id"] != 99]
    del kept[4]["bbox"]
    with pytest.raises(ValueError, match=r"annotations\[4\] \(kept objects\) has no bbox"):
        from_coco(gt, results)
    gt, results = _coco(4)
    del results[7]["score"]
    with pytest.raises(ValueError, match="a result has no score"):
        from_coco(gt, results)


def test_gzip_files_and_gzip_messages_over_both_protocols(server: RunningServer) -> None:
    """The bytes fields take gzip (over REST as base64); gRPC takes a gzip-compressed message."""
    gt, results = _coco(5)
    as_json = pb.ScoreDetectionRequest(coco_gt_json=json.dumps(gt), coco_results_json=json.dumps(results))
    as_files = pb.ScoreDetectionRequest(
        coco_gt_file=gzip.compress(json.dumps(gt).encode()), coco_results_file=json.dumps(results).encode()
    )
    with CurationClient(server.grpc_target, timeout=60) as client:
        expected = _numbers(client.call("ScoreDetection", as_json))
        assert _numbers(client.call("ScoreDetection", as_files)) == expected
    channel = grpc.insecure_channel(server.grpc_target, compression=grpc.Compression.Gzip)
    with CurationClient(server.grpc_target, channel=channel, timeout=60) as client:
        assert _numbers(client.call("ScoreDetection", as_files)) == expected
    with RestCurationClient(server.base_url, timeout=60) as rest:
        assert _numbers(rest.call("ScoreDetection", as_files)) == expected


def _with_keypoints(seed: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``_coco``'s set with 17 keypoints on every GT (some unlabelled) and result, results without boxes."""
    gt, results = _coco(seed)
    rng = np.random.default_rng(seed)
    for ann in gt["annotations"]:
        x, y, w, h = ann["bbox"]
        v = rng.choice([0, 1, 2], 17) * (rng.random() > 0.1)
        pts = np.stack([np.round(rng.uniform(x, x + w, 17)), np.round(rng.uniform(y, y + h, 17)), v], 1)
        pts[v == 0, :2] = 0
        ann["keypoints"] = [int(c) for c in pts.reshape(-1)]
        ann["num_keypoints"] = int((v > 0).sum())
    for r in results:
        x, y, w, h = r.pop("bbox")
        r["keypoints"] = [float(c) for c in np.stack(
            [rng.uniform(x, x + w, 17), rng.uniform(y, y + h, 17), rng.random(17)], 1
        ).reshape(-1)]  # fmt: skip
    return gt, results


def test_from_coco_keypoints_gives_the_json_requests_numbers(server: RunningServer) -> None:
    gt, results = _with_keypoints(7)
    kp = pb.DETECTION_IOU_TYPE_KEYPOINTS
    as_json = pb.ScoreDetectionRequest(
        coco_gt_json=json.dumps(gt), coco_results_json=json.dumps(results), iou_type=kp, include_arrays=True
    )
    columnar = from_coco(gt, results, iou_type=kp, include_arrays=True)
    assert len(columnar.pred_boxes) == 0 and len(columnar.gt_keypoints) == 51 * len(columnar.gt_asset)
    with CurationClient(server.grpc_target, timeout=60) as client:
        expected = client.call("ScoreDetection", as_json)
        got = client.call("ScoreDetection", columnar)
    assert len(_numbers(got)) == 10 and _numbers(got) == _numbers(expected)
    assert list(getattr(got, "arrays").precision) == list(getattr(expected, "arrays").precision)  # noqa: B009
    del next(r for r in results if r["category_id"] in (7, 2, 5))["keypoints"]
    with pytest.raises(ValueError, match=r"results\[\d+\] \(kept objects\) has no keypoints"):
        from_coco(gt, results, iou_type=kp)
