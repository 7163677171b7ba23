"""TLS material from the certificate, key and client-CA files, reloaded when the files change.

One :class:`TlsFiles` serves both protocols, so gRPC and HTTPS always present the same certificate:

- HTTPS: :meth:`TlsFiles.listening_context` is the ``ssl.SSLContext`` uvicorn listens with. Its
  ``sni_callback`` runs at every ClientHello (OpenSSL calls it with or without SNI) and moves the new
  connection onto the context of the newest material, so a reload takes effect at the next handshake.
- gRPC: ``curation.rpc.tls`` hands the PEM bytes of the newest material to grpc's dynamic credentials.

Each material is built whole (a fresh context, immutable once built) instead of calling
``load_cert_chain`` again on the live context: a reload that fails half-way (a new certificate whose key
does not match) would leave the live context with a certificate and no key, and
``load_verify_locations`` can only add client CAs, never drop a removed one.

Rules:

- the files are checked at most once per ``interval`` (1 s), at a new connection; a change is a different
  ``(mtime, inode, size)`` of any file through its path (a Kubernetes Secret's atomic symlink swap counts);
- a file that cannot be read or parsed at start is a :class:`TlsError` naming its setting; on reload the
  previous material stays in use and one error is logged per changed state of the files;
- the bytes are read before and after the context is built: files that changed meanwhile (a rotation
  caught half-way) are not used, and the next check tries again;
- with a client CA, every client must present a certificate it signed (mutual TLS), on both protocols.
"""

from __future__ import annotations

import logging
import os
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from curation.settings import Settings

__all__ = ["TlsError", "TlsFiles", "TlsMaterial", "TlsPaths"]

log = logging.getLogger("curation.tls")

CERT_SETTING = "CURATION_TLS_CERT_FILE"
KEY_SETTING = "CURATION_TLS_KEY_FILE"
CLIENT_CA_SETTING = "CURATION_TLS_CLIENT_CA_FILE"

_Signature = tuple[tuple[int, int, int] | None, ...]


class TlsError(ValueError):
    """TLS files that cannot be used; the message names the setting and the file."""


@dataclass(frozen=True, slots=True)
class TlsPaths:
    """Where the PEM files are (``client_ca`` empty: no mutual TLS)."""

    cert: str
    key: str
    client_ca: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> TlsPaths | None:
        """The configured paths, or None when TLS is off."""
        if not settings.tls_cert_file:
            return None
        return cls(settings.tls_cert_file, settings.tls_key_file, settings.tls_client_ca_file)

    def named(self) -> list[tuple[str, str]]:
        """(setting, path) of each configured file."""
        named = [(CERT_SETTING, self.cert), (KEY_SETTING, self.key)]
        return named + ([(CLIENT_CA_SETTING, self.client_ca)] if self.client_ca else [])


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    """One consistent read of the files: the PEM bytes (for gRPC) and a server context built from them."""

    certificate_chain: bytes
    private_key: bytes
    client_ca: bytes | None
    context: ssl.SSLContext
    generation: int


def _no_password() -> str:
    """Refuse encrypted keys instead of letting OpenSSL prompt on a terminal."""
    raise TlsError(f"{KEY_SETTING}: the private key is encrypted; give an unencrypted key")


def _read(paths: TlsPaths) -> list[bytes]:
    out: list[bytes] = []
    for setting, path in paths.named():
        try:
            with open(path, "rb") as f:
                out.append(f.read())
        except OSError as exc:
            raise TlsError(f"{setting}: cannot read {path}: {exc.strerror or exc}") from None
    return out


def _check_certificates(setting: str, path: str, pem: bytes) -> None:
    """Fail with the setting's name unless ``pem`` holds at least one PEM certificate."""
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_verify_locations(cadata=pem.decode("ascii"))
    except (ValueError, ssl.SSLError):  # UnicodeDecodeError is a ValueError
        raise TlsError(f"{setting}: {path} holds no PEM certificate") from None


def _server_context(paths: TlsPaths, pems: list[bytes]) -> ssl.SSLContext:
    """A TLS 1.2+ server context from the files (HTTP/1.1 by ALPN; client certificates required with a CA)."""
    _check_certificates(CERT_SETTING, paths.cert, pems[0])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    try:
        context.load_cert_chain(paths.cert, paths.key, password=_no_password)
    except ssl.SSLError as exc:
        raise TlsError(
            f"{KEY_SETTING}: {paths.key} is not a private key matching the certificate in {CERT_SETTING} "
            f"({exc.reason or exc})"
        ) from None
    if paths.client_ca:
        _check_certificates(CLIENT_CA_SETTING, paths.client_ca, pems[2])
        context.load_verify_locations(cafile=paths.client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def load_material(paths: TlsPaths, generation: int = 0) -> TlsMaterial:
    """Read and check the files once; :class:`TlsError` names the setting of the first unusable file."""
    before = _read(paths)
    context = _server_context(paths, before)
    if _read(paths) != before:
        raise TlsError("the TLS files changed while they were being read; trying again at the next check")
    return TlsMaterial(
        certificate_chain=before[0],
        private_key=before[1],
        client_ca=before[2] if paths.client_ca else None,
        context=context,
        generation=generation,
    )


class TlsFiles:
    """The newest usable :class:`TlsMaterial` of ``paths``, re-read when the files change (thread-safe:
    grpc asks from its own threads, uvicorn from the event loop)."""

    def __init__(
        self, paths: TlsPaths, *, interval: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.paths = paths
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._seen = self._signature()
        self._material = load_material(paths)
        self._checked = clock()
        self._listening: ssl.SSLContext | None = None

    @property
    def mutual(self) -> bool:
        """Whether clients must present a certificate (a client CA is configured)."""
        return bool(self.paths.client_ca)

    def _signature(self) -> _Signature:
        out: list[tuple[int, int, int] | None] = []
        for _, path in self.paths.named():
            try:
                st = os.stat(path)
            except OSError:
                out.append(None)
            else:
                out.append((st.st_mtime_ns, st.st_ino, st.st_size))
        return tuple(out)

    def current(self) -> TlsMaterial:
        """The newest usable material, after a check of the files if the last one is ``interval`` old."""
        with self._lock:
            now = self._clock()
            if now - self._checked < self._interval:
                return self._material
            self._checked = now
            signature = self._signature()
            if signature == self._seen:
                return self._material
            self._seen = signature
            try:
                self._material = load_material(self.paths, self._material.generation + 1)
            except TlsError as exc:
                log.error("TLS files changed but cannot be used; keeping the previous certificate: %s", exc)
            else:
                log.info("TLS certificate reloaded", extra={"generation": self._material.generation})
            return self._material

    def listening_context(self) -> ssl.SSLContext:
        """The context to listen with: each new connection is moved to the newest material's context."""
        if self._listening is None:
            listening = self._material.context

            def choose(connection: ssl.SSLObject, _server_name: str | None, _ctx: ssl.SSLContext) -> None:
                newest = self.current().context
                if newest is not connection.context:
                    connection.context = newest

            listening.sni_callback = choose
            self._listening = listening
        return self._listening
