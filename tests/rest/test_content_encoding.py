"""``Content-Encoding`` on REST bodies: gzip inflated (bounded by the request size limit), identity as
is, anything else 415."""

from __future__ import annotations

import gzip
import json
import zlib

import httpx
import pytest

from curation.errors import InvalidArgument, PayloadTooLarge
from curation.rest.encoding import Inflater
from tests.wire_errors import rest_error

PATH = "/v1/diagnostics/classification:score"
BODY = {"class_names": ["cat", "dog"], "asset_ids": ["a", "b", "c"], "y_true": [0, 1, 1], "y_pred": [0, 1, 0]}
HEADERS = {"content-type": "application/json"}


async def test_gzip_body_gives_the_plain_bodys_answer(client: httpx.AsyncClient) -> None:
    raw = json.dumps(BODY).encode()
    plain = await client.post(PATH, content=raw, headers=HEADERS)
    zipped = await client.post(
        PATH, content=gzip.compress(raw), headers={**HEADERS, "content-encoding": "gzip"}
    )
    assert plain.status_code == zipped.status_code == 200
    assert plain.json()["summary"] == zipped.json()["summary"]


async def test_unknown_encoding_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        PATH, content=zlib.compress(json.dumps(BODY).encode()), headers={**HEADERS, "content-encoding": "br"}
    )
    assert response.status_code == 415
    assert (rest_error(response).kind, rest_error(response).field) == (
        "unsupported_media_type",
        "content-encoding",
    )


async def test_a_gzip_bomb_is_refused_at_the_limit(client: httpx.AsyncClient) -> None:
    """64 KiB is the fixture's request limit: 10 MB of spaces compress to ~10 KB and stop inflating there."""
    bomb = gzip.compress(b"{" + b" " * 10_000_000 + b"}")
    assert len(bomb) < 64 * 1024
    response = await client.post(PATH, content=bomb, headers={**HEADERS, "content-encoding": "gzip"})
    assert response.status_code == 413
    assert rest_error(response).field == "content-encoding"


async def test_bad_gzip_is_invalid_argument(client: httpx.AsyncClient) -> None:
    broken = gzip.compress(json.dumps(BODY).encode())[:-12]
    for content in (b"not gzip at all", broken):
        response = await client.post(PATH, content=content, headers={**HEADERS, "content-encoding": "gzip"})
        assert response.status_code == 400, content
        assert rest_error(response).field == "content-encoding"


def test_inflater_takes_members_and_chunks_and_stops_at_its_limit() -> None:
    data = gzip.compress(b"a" * 1000) + gzip.compress(b"b" * 1000)
    inflater = Inflater(limit=2000)
    out = b"".join(inflater.feed(data[i : i + 7]) for i in range(0, len(data), 7)) + inflater.finish()
    assert out == b"a" * 1000 + b"b" * 1000
    with pytest.raises(PayloadTooLarge):
        Inflater(limit=1999).feed(data)
    with pytest.raises(InvalidArgument):
        truncated = Inflater(limit=2000)
        truncated.feed(data[:20])
        truncated.finish()
