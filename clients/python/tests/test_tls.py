"""TLS and mutual TLS on both protocols, against the real server behind a TLS-terminating proxy (as an
ingress would put it): certificates from ``trustme``, the client's certificate required by the proxy."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import trustme

from curation_client import CurationClient, CurationClientError, RestCurationClient
from curation_client.v1 import classification_pb2 as pb

from .conftest import RunningServer

REQUEST = pb.ScoreClassificationRequest(
    class_names=["cat", "dog"], asset_ids=["a", "b"], y_true=[0, 1], y_pred=[0, 0]
)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


@contextmanager
def tls_proxy(upstream: int, context: ssl.SSLContext) -> Iterator[int]:
    """TLS on a free port, forwarded in plaintext to ``upstream``; yields the port."""
    loop = asyncio.new_event_loop()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer), return_exceptions=True)

    server = loop.run_until_complete(asyncio.start_server(handle, "127.0.0.1", 0, ssl=context))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def proxies(server: RunningServer, ca: trustme.CA) -> Iterator[tuple[int, int]]:
    """(gRPC port, HTTPS port), both requiring a client certificate signed by ``ca``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED
    context.set_alpn_protocols(["h2", "http/1.1"])
    with tls_proxy(server.grpc_port, context) as grpc_port, tls_proxy(server.http_port, context) as http_port:
        yield grpc_port, http_port


def test_grpc_over_mutual_tls(proxies: tuple[int, int], ca: trustme.CA) -> None:
    me = ca.issue_cert("client@example.com")
    pems = {
        "root_certificates": ca.cert_pem.bytes(),
        "private_key": me.private_key_pem.bytes(),
        "certificate_chain": b"".join(blob.bytes() for blob in me.cert_chain_pems),
    }
    with CurationClient(f"127.0.0.1:{proxies[0]}", timeout=30, **pems) as client:  # type: ignore[arg-type]
        assert client.score_classification(REQUEST).summary.num_assets == 2
    stranger = trustme.CA()  # a server certificate the client does not trust: refused
    with (
        CurationClient(
            f"127.0.0.1:{proxies[0]}", timeout=5, root_certificates=stranger.cert_pem.bytes()
        ) as c,
        pytest.raises(CurationClientError) as raised,
    ):
        c.score_classification(REQUEST)
    assert raised.value.kind == "unavailable"


def test_rest_over_mutual_tls(proxies: tuple[int, int], ca: trustme.CA, tmp_path: Path) -> None:
    me = ca.issue_cert("client@example.com")
    bundle, mine = tmp_path / "ca.pem", tmp_path / "me.pem"
    ca.cert_pem.write_to_path(str(bundle))
    me.private_key_and_cert_chain_pem.write_to_path(str(mine))
    url = f"https://127.0.0.1:{proxies[1]}"
    with RestCurationClient(url, timeout=30, verify=str(bundle), cert=str(mine)) as client:
        assert client.score_classification(REQUEST).summary.num_assets == 2
    with (
        RestCurationClient(url, timeout=5, verify=str(bundle), retry=None) as client,
        pytest.raises(CurationClientError),
    ):
        client.score_classification(REQUEST)  # no client certificate: the proxy refuses
