"""gRPC server credentials over :class:`curation.tls.TlsFiles`: the certificate grpc presents follows the
files, through ``grpc.dynamic_ssl_server_credentials``.

grpc asks the fetcher at each new connection's handshake; it answers a new configuration only when the
files' material has changed since the one grpc holds (``None`` otherwise: keep it). Connections already
open keep the certificate they were made with. With a client CA, grpc requires a client certificate that
it signed (mutual TLS).
"""

from __future__ import annotations

import grpc

from curation.tls import TlsFiles, TlsMaterial

__all__ = ["server_credentials"]


def _configuration(material: TlsMaterial) -> grpc.ServerCertificateConfiguration:
    return grpc.ssl_server_certificate_configuration(
        [(material.private_key, material.certificate_chain)], root_certificates=material.client_ca
    )


def server_credentials(files: TlsFiles) -> grpc.ServerCredentials:
    """TLS credentials that follow ``files`` (a client certificate required when it has a client CA)."""
    first = files.current()
    served = [first.generation]

    def fetch() -> grpc.ServerCertificateConfiguration | None:
        material = files.current()
        if material.generation == served[0]:
            return None
        served[0] = material.generation
        return _configuration(material)

    return grpc.dynamic_ssl_server_credentials(
        _configuration(first),
        fetch,  # type: ignore[arg-type]  # the stubs omit the None grpc documents ("no change")
        require_client_authentication=files.mutual,
    )
