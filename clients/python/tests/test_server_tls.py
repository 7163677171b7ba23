"""The server's own TLS on both protocols (``CURATION_TLS_*``), through the Python client: certificates
from ``trustme``, laid out like a mounted Kubernetes Secret (files that are symlinks into a ``..data``
directory swapped atomically), so a rotation is what the kubelet does."""

from __future__ import annotations

import os
import ssl
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest
import trustme

from curation_client import CurationClient, CurationClientError, RestCurationClient
from curation_client.v1 import classification_pb2 as pb

from .conftest import RunningServer, run_server

REQUEST = pb.ScoreClassificationRequest(
    class_names=["cat", "dog"], asset_ids=["a", "b"], y_true=[0, 1], y_pred=[0, 0]
)


class SecretDir:
    """tls.crt / tls.key / ca.crt as symlinks through ``..data``, as a Secret volume mounts them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.generation = 0
        for name in ("tls.crt", "tls.key", "ca.crt"):
            (root / name).symlink_to(Path("..data") / name)

    def publish(self, files: dict[str, bytes]) -> None:
        """Write a new generation and swap ``..data`` to it in one rename."""
        self.generation += 1
        target = self.root / f"..gen{self.generation}"
        target.mkdir()
        for name, data in files.items():
            (target / name).write_bytes(data)
        staged = self.root / "..data_tmp"
        staged.symlink_to(target.name)
        os.replace(staged, self.root / "..data")

    def env(self, *, mutual: bool = False) -> dict[str, str]:
        env = {
            "CURATION_TLS_CERT_FILE": str(self.root / "tls.crt"),
            "CURATION_TLS_KEY_FILE": str(self.root / "tls.key"),
        }
        return env | ({"CURATION_TLS_CLIENT_CA_FILE": str(self.root / "ca.crt")} if mutual else {})


def server_files(ca: trustme.CA, client_ca: trustme.CA | None = None) -> dict[str, bytes]:
    """A server certificate for 127.0.0.1 signed by ``ca`` (and the CA that signs client certificates)."""
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    return {
        "tls.crt": b"".join(blob.bytes() for blob in leaf.cert_chain_pems),
        "tls.key": leaf.private_key_pem.bytes(),
        "ca.crt": (client_ca or ca).cert_pem.bytes(),
    }


def trusting(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / f"trust-{id(ca)}.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def grpc_client(server: RunningServer, ca: trustme.CA, me: trustme.LeafCert | None = None) -> CurationClient:
    """A gRPC client trusting ``ca``, presenting ``me`` when given (mutual TLS)."""
    return CurationClient(
        server.grpc_target,
        timeout=10,
        retry=None,
        secure=True,
        root_certificates=ca.cert_pem.bytes(),
        private_key=None if me is None else me.private_key_pem.bytes(),
        certificate_chain=None if me is None else b"".join(blob.bytes() for blob in me.cert_chain_pems),
    )


def rest_client(
    server: RunningServer, trust: str, tmp_path: Path, me: trustme.LeafCert | None = None
) -> RestCurationClient:
    cert = None
    if me is not None:
        cert = str(tmp_path / f"me-{id(me)}.pem")
        me.private_key_and_cert_chain_pem.write_to_path(cert)
    return RestCurationClient(
        f"https://127.0.0.1:{server.http_port}", timeout=10, retry=None, verify=trust, cert=cert
    )


def refused(call: Callable[[], object]) -> CurationClientError:
    with pytest.raises(CurationClientError) as raised:
        call()
    return raised.value


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_server(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    secret = SecretDir(tmp_path_factory.mktemp("tls"))
    secret.publish(server_files(ca))
    with run_server(secret.env()) as running:
        yield running


def test_both_protocols_over_tls(tls_server: RunningServer, ca: trustme.CA, tmp_path: Path) -> None:
    listening = next(line for line in tls_server.lines if line.get("message") == "listening")
    assert listening["tls"] == "on"
    with grpc_client(tls_server, ca) as client:
        assert client.score_classification(REQUEST).summary.num_assets == 2
    with rest_client(tls_server, trusting(ca, tmp_path), tmp_path) as client:
        assert client.score_classification(REQUEST).summary.num_assets == 2
    trust = ssl.create_default_context(cafile=trusting(ca, tmp_path))
    health = httpx.get(f"https://127.0.0.1:{tls_server.http_port}/healthz", verify=trust)
    assert health.status_code == 200


def test_plaintext_and_untrusted_clients_are_refused(
    tls_server: RunningServer, ca: trustme.CA, tmp_path: Path
) -> None:
    with CurationClient(tls_server.grpc_target, timeout=5, retry=None) as plain:
        assert refused(lambda: plain.score_classification(REQUEST)).kind == "unavailable"
    with RestCurationClient(tls_server.base_url, timeout=5, retry=None) as plain_rest:
        refused(lambda: plain_rest.score_classification(REQUEST))
    stranger = trustme.CA()  # the client trusts another CA: the server's certificate is refused
    with grpc_client(tls_server, stranger) as client:
        assert refused(lambda: client.score_classification(REQUEST)).kind == "unavailable"
    with rest_client(tls_server, trusting(stranger, tmp_path), tmp_path) as rest:
        refused(lambda: rest.score_classification(REQUEST))


def test_mutual_tls_requires_a_client_certificate_the_ca_signed(
    ca: trustme.CA, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    clients_ca, other_ca = trustme.CA(), trustme.CA()
    secret = SecretDir(tmp_path_factory.mktemp("mtls"))
    secret.publish(server_files(ca, clients_ca))
    trust = trusting(ca, tmp_path)
    with run_server(secret.env(mutual=True)) as server:
        listening = next(line for line in server.lines if line.get("message") == "listening")
        assert listening["tls"] == "mutual"
        for me in (None, other_ca.issue_cert("intruder@example.com")):
            with grpc_client(server, ca, me) as client:
                assert refused(partial(client.score_classification, REQUEST)).kind == "unavailable"
            with rest_client(server, trust, tmp_path, me) as rest:
                refused(partial(rest.score_classification, REQUEST))
        me = clients_ca.issue_cert("client@example.com")
        with grpc_client(server, ca, me) as client:
            assert client.score_classification(REQUEST).summary.num_assets == 2
        with rest_client(server, trust, tmp_path, me) as rest:
            assert rest.score_classification(REQUEST).summary.num_assets == 2


def _eventually(check: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the server did not take the new files"
        time.sleep(0.2)


def _answers(make: Callable[[], CurationClient | RestCurationClient]) -> bool:
    try:
        with make() as client:
            return client.score_classification(REQUEST).summary.num_assets == 2
    except CurationClientError:
        return False


def test_rotation_without_restart(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """New files (a certificate from a new CA) are served to new connections on both protocols; a bad
    file later is refused and the last good certificate stays; connections opened before keep working."""
    old_ca, new_ca = trustme.CA(), trustme.CA()
    secret = SecretDir(tmp_path_factory.mktemp("rotate"))
    secret.publish(server_files(old_ca))
    old_trust, new_trust = trusting(old_ca, tmp_path), trusting(new_ca, tmp_path)
    with run_server(secret.env(), allowed_errors=1) as server:
        with grpc_client(server, old_ca) as kept_grpc, rest_client(server, old_trust, tmp_path) as kept_rest:
            assert kept_grpc.score_classification(REQUEST).summary.num_assets == 2
            assert kept_rest.score_classification(REQUEST).summary.num_assets == 2
            secret.publish(server_files(new_ca))
            _eventually(lambda: _answers(lambda: grpc_client(server, new_ca)))
            _eventually(lambda: _answers(lambda: rest_client(server, new_trust, tmp_path)))
            assert not _answers(lambda: grpc_client(server, old_ca))
            assert not _answers(lambda: rest_client(server, old_trust, tmp_path))
            # Connections made before the rotation go on with the certificate they were made with.
            assert kept_grpc.score_classification(REQUEST).summary.num_assets == 2
            assert kept_rest.score_classification(REQUEST).summary.num_assets == 2

        # The files are checked at new connections: each one keeps getting the last good certificate.
        secret.publish({"tls.crt": b"not a certificate\n", "tls.key": b"", "ca.crt": b""})

        def refused_and_kept() -> bool:
            assert _answers(lambda: grpc_client(server, new_ca))
            assert _answers(lambda: rest_client(server, new_trust, tmp_path))
            return any(line.get("level") == "error" for line in server.drain_logs())

        _eventually(refused_and_kept)
        (error,) = [line for line in server.lines if line.get("level") == "error"]
        assert "keeping the previous certificate" in str(error["message"])
        assert "CURATION_TLS_CERT_FILE" in str(error["message"])
