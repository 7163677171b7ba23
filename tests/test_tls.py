"""TLS files (curation.tls): start-up errors name the setting, reloads are rate-limited and keep the last
good material, and the entry point refuses unusable files as bad configuration. The servers over TLS are
tested end to end with the Python client (clients/python/tests/test_server_tls.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import trustme

from curation.settings import Settings
from curation.tls import TlsError, TlsFiles, TlsPaths

ROOT = Path(__file__).resolve().parents[1]


def _write(directory: Path, ca: trustme.CA, *, key_of: trustme.CA | None = None) -> TlsPaths:
    """tls.crt / tls.key (the key of another certificate when ``key_of`` is given) and ca.crt."""
    leaf = ca.issue_cert("127.0.0.1")
    key = (key_of.issue_cert("127.0.0.1") if key_of else leaf).private_key_pem
    paths = TlsPaths(str(directory / "tls.crt"), str(directory / "tls.key"), str(directory / "ca.crt"))
    leaf.cert_chain_pems[0].write_to_path(paths.cert)
    key.write_to_path(paths.key)
    ca.cert_pem.write_to_path(paths.client_ca)
    return paths


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _replace(path: str, data: bytes) -> None:
    """Write ``data`` to a new file renamed over ``path`` (a new inode, as a Secret update gives)."""
    Path(path + ".new").write_bytes(data)
    os.replace(path + ".new", path)


@pytest.mark.parametrize(
    ("broken", "setting"),
    [
        ("missing cert", "CURATION_TLS_CERT_FILE"),
        ("garbage cert", "CURATION_TLS_CERT_FILE"),
        ("missing key", "CURATION_TLS_KEY_FILE"),
        ("key of another certificate", "CURATION_TLS_KEY_FILE"),
        ("garbage client CA", "CURATION_TLS_CLIENT_CA_FILE"),
    ],
)
def test_unusable_files_name_their_setting(tmp_path: Path, broken: str, setting: str) -> None:
    ca = trustme.CA()
    paths = _write(tmp_path, ca, key_of=trustme.CA() if broken == "key of another certificate" else None)
    if broken == "missing cert":
        os.remove(paths.cert)
    elif broken == "garbage cert":
        Path(paths.cert).write_bytes(b"\x00\xffnot pem")
    elif broken == "missing key":
        os.remove(paths.key)
    elif broken == "garbage client CA":
        Path(paths.client_ca).write_text("-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n")
    with pytest.raises(TlsError) as raised:
        TlsFiles(paths)
    assert str(raised.value).startswith(f"{setting}: ")


def test_reload_is_rate_limited_and_keeps_the_last_good_material(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    paths = _write(tmp_path, trustme.CA())
    files = TlsFiles(paths, clock=clock)
    first = files.current()
    assert files.mutual and first.generation == 0 and first.client_ca is not None

    new = trustme.CA().issue_cert("127.0.0.1")
    _replace(paths.key, new.private_key_pem.bytes())  # half a rotation: the key no longer matches
    clock.now += 0.5
    assert files.current() is first  # not checked again within the interval
    clock.now += 0.6
    assert files.current() is first  # checked: unusable, the previous material stays
    assert "keeping the previous certificate" in caplog.text and "CURATION_TLS_KEY_FILE" in caplog.text

    _replace(paths.cert, new.cert_chain_pems[0].bytes())
    clock.now += 1.0
    second = files.current()
    assert second.generation == 1
    assert second.certificate_chain == new.cert_chain_pems[0].bytes()
    assert second.private_key == new.private_key_pem.bytes()
    assert second.context is not first.context
    clock.now += 1.0
    assert files.current() is second  # unchanged files: the same material


def test_settings_pair_the_files() -> None:
    on = Settings.from_env({"CURATION_TLS_CERT_FILE": "/c", "CURATION_TLS_KEY_FILE": "/k"})
    assert on.tls and TlsPaths.from_settings(on) == TlsPaths("/c", "/k", "")
    assert not Settings.from_env({}).tls and TlsPaths.from_settings(Settings.from_env({})) is None
    with pytest.raises(ValueError, match="CURATION_TLS_CERT_FILE and CURATION_TLS_KEY_FILE"):
        Settings.from_env({"CURATION_TLS_CERT_FILE": "/c"})
    with pytest.raises(ValueError, match="CURATION_TLS_CLIENT_CA_FILE"):
        Settings.from_env({"CURATION_TLS_CLIENT_CA_FILE": "/ca"})


def test_the_service_refuses_to_start_on_unusable_files(tmp_path: Path) -> None:
    paths = _write(tmp_path, trustme.CA(), key_of=trustme.CA())
    env = dict(os.environ)
    env.update(
        CURATION_HOST="127.0.0.1",
        CURATION_HTTP_PORT="0",
        CURATION_GRPC_PORT="0",
        CURATION_TLS_CERT_FILE=paths.cert,
        CURATION_TLS_KEY_FILE=paths.key,
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT / "service"), env.get("PYTHONPATH", "")) if p),
    )
    done = subprocess.run(
        [sys.executable, "-m", "curation"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "bad configuration: CURATION_TLS_KEY_FILE: " in done.stderr
