"""Every RPC called through each of the four clients against a real server, the pages of a paged RPC
followed by ``iter_`` / ``aiter_``, and a bad request decoded to the field it names, on both protocols."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from google.rpc import error_details_pb2

from curation_client import (
    AsyncCurationClient,
    AsyncRestCurationClient,
    CurationClient,
    CurationClientError,
    RestCurationClient,
    resolve,
)
from curation_client._surface import RPCS

from .conftest import RunningServer
from .tour import BAD_CLASSIFICATION, BAD_FIELD, Answers, classification, steps

SYNC = ["grpc", "rest"]
ASYNC = ["grpc-async", "rest-async"]


def sync_client(kind: str, server: RunningServer) -> CurationClient | RestCurationClient:
    if kind == "grpc":
        return CurationClient(server.grpc_target, namespace="every-rpc", timeout=60)
    return RestCurationClient(server.base_url, namespace="every-rpc", timeout=60)


def async_client(kind: str, server: RunningServer) -> AsyncCurationClient | AsyncRestCurationClient:
    if kind == "grpc-async":
        return AsyncCurationClient(server.grpc_target, namespace="every-rpc", timeout=60)
    return AsyncRestCurationClient(server.base_url, namespace="every-rpc", timeout=60)


def expected(kind: str) -> set[str]:
    """Every RPC over gRPC; over REST every RPC with a route (client streaming has none)."""
    return {rpc.name for rpc in RPCS if kind.startswith("grpc") or rpc.http_path}


def _tour(kind: str) -> Iterator[tuple[Any, Any]]:
    """(step, rpc) for the RPCs the client of ``kind`` has."""
    for step in steps(kind):
        rpc = resolve(step.rpc)
        if rpc.name in expected(kind):
            yield step, rpc


@pytest.mark.parametrize("kind", SYNC)
def test_every_rpc_through_the_sync_clients(server: RunningServer, kind: str) -> None:
    answers: Answers = {}
    with sync_client(kind, server) as client:
        for step, rpc in _tour(kind):
            response = getattr(client, rpc.method)(step.request(answers))
            assert isinstance(response, rpc.response_type), rpc.name
            assert step.check(response), (rpc.name, response)
            answers[rpc.name] = response
    assert set(answers) == expected(kind)


@pytest.mark.parametrize("kind", ASYNC)
async def test_every_rpc_through_the_async_clients(server: RunningServer, kind: str) -> None:
    answers: Answers = {}
    async with async_client(kind, server) as client:
        for step, rpc in _tour(kind):
            response = await getattr(client, rpc.method)(step.request(answers))
            assert isinstance(response, rpc.response_type), rpc.name
            assert step.check(response), (rpc.name, response)
            answers[rpc.name] = response
    assert set(answers) == expected(kind)


def violations(error: CurationClientError) -> list[str]:
    """The fields of the ``BadRequest`` field violations in the error's ``google.rpc.Status``."""
    fields = []
    for detail in error.rpc_status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            fields += [v.field for v in bad.field_violations]
    return fields


def _paged() -> tuple[Any, Any]:
    small = classification()
    small.page_size = 2
    return classification(), small


@pytest.mark.parametrize("kind", SYNC)
def test_iterators_follow_every_page(server: RunningServer, kind: str) -> None:
    whole, small = _paged()
    with sync_client(kind, server) as client:
        everything = client.score_classification(whole)
        first = client.score_classification(small)
        followed = list(client.iter_score_classification(small))
    assert first.next_page_token and len(first.misclassified) == 2
    assert len(everything.misclassified) == 5 and not everything.next_page_token
    assert followed == list(everything.misclassified)
    assert small.page_token == ""  # the caller's request is left as it was


@pytest.mark.parametrize("kind", ASYNC)
async def test_async_iterators_follow_every_page(server: RunningServer, kind: str) -> None:
    whole, small = _paged()
    async with async_client(kind, server) as client:
        everything = await client.score_classification(whole)
        followed = [item async for item in client.aiter_score_classification(small)]
    assert len(everything.misclassified) == 5
    assert followed == list(everything.misclassified)


@pytest.mark.parametrize("kind", SYNC)
def test_a_bad_request_names_its_field(server: RunningServer, kind: str) -> None:
    with sync_client(kind, server) as client, pytest.raises(CurationClientError) as raised:
        client.score_classification(BAD_CLASSIFICATION, request_id=f"bad-{kind}")
    error = raised.value
    assert (error.kind, error.field, error.request_id) == ("invalid_argument", BAD_FIELD, f"bad-{kind}")
    assert (error.code, violations(error)) == ("INVALID_ARGUMENT", [BAD_FIELD])


@pytest.mark.parametrize("kind", ASYNC)
async def test_a_bad_request_names_its_field_async(server: RunningServer, kind: str) -> None:
    async with async_client(kind, server) as client:
        with pytest.raises(CurationClientError) as raised:
            await client.score_classification(BAD_CLASSIFICATION)
    assert (raised.value.kind, raised.value.field) == ("invalid_argument", BAD_FIELD)
    assert (raised.value.code, violations(raised.value)) == ("INVALID_ARGUMENT", [BAD_FIELD])
    assert raised.value.request_id  # the server's, read back from the trailer / header
