"""ScoreDetection's views over REST: enum names and numbers both read, the same answer as the seam, and
a bad view (unknown number or name, UNSPECIFIED) refused naming ``views[i]``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from curation.ops import Context
from curation.rest import create_app, protojson
from curation.settings import Settings
from curation.v1 import detection_pb2 as pb
from curation.wiring import Runtime, build_runtime
from tests.support import answer
from tests.wire_errors import rest_error

PATH = "/v1/diagnostics/detection:score"
NAME = "curation.v1.DiagnosticsService/ScoreDetection"
BODY: dict[str, Any] = {
    "asset_ids": ["img1", "img2"],
    "category_names": ["car", "person"],
    "gt_asset": [0, 0, 1],
    "gt_category": [0, 1, 1],
    "gt_boxes": [10, 10, 50, 40, 100, 100, 30, 60, 5, 5, 20, 40],
    "pred_asset": [0, 0, 1, 1],
    "pred_category": [0, 0, 1, 0],
    "pred_boxes": [12, 11, 48, 40, 200, 200, 10, 10, 6, 5, 20, 38, 6, 5, 20, 38],
    "pred_scores": [0.9, 0.4, 0.8, 0.3],
}


@pytest.fixture
async def runtime() -> AsyncIterator[Runtime]:
    rt = build_runtime(Settings(workers=1))
    rt.serving = True
    yield rt
    await rt.close()


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://rest") as c:
        yield c


async def test_view_names_and_numbers_are_one_request(client: httpx.AsyncClient, runtime: Runtime) -> None:
    by_name = await client.post(PATH, json={**BODY, "views": ["DETECTION_VIEW_TIDE", "DETECTION_VIEW_COCO"]})
    assert by_name.status_code == 200
    doc = by_name.json()
    assert doc["views"] == ["DETECTION_VIEW_COCO", "DETECTION_VIEW_TIDE"]
    assert len(doc["summary"]) == 12 and doc["errors"]["errors"]
    assert doc["per_class"] == [] and doc["assets"] == [] and doc["slices"] == []
    by_number = (await client.post(PATH, json={**BODY, "views": [1, 3, 1]})).json()
    assert by_number["cache"]["cached"] is True
    assert by_number["cache"]["key_digest"] == doc["cache"]["key_digest"]
    request = pb.ScoreDetectionRequest()
    protojson.parse_object({**BODY, "views": ["DETECTION_VIEW_COCO", "DETECTION_VIEW_TIDE"]}, request)
    direct = await answer(runtime.ops, NAME, request, pb.ScoreDetectionResponse, Context())
    assert direct.cache.cached
    assert protojson.to_dict(direct) == by_number


@pytest.mark.parametrize(
    ("views", "field"),
    [
        (["DETECTION_VIEW_COCO", 99], "views[1]"),
        (["DETECTION_VIEW_UNSPECIFIED"], "views[0]"),
        (["DETECTION_VIEW_COCO", "DETECTION_VIEW_NOPE"], "views[1]"),
    ],
)
async def test_a_bad_view_is_400_naming_it(client: httpx.AsyncClient, views: list[Any], field: str) -> None:
    response = await client.post(PATH, json={**BODY, "views": views})
    assert response.status_code == 400
    assert rest_error(response).field == field
