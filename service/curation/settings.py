"""Configuration, read once from the environment at start."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

__all__ = ["Settings"]

_MIB = 1024 * 1024


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from None


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be a number, got {raw!r}") from None


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in ("true", "false"):
        raise ValueError(f"environment variable {name} must be true or false, got {raw!r}")
    return raw == "true"


def _names(env: dict[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name, "")
    return tuple(n.strip() for n in raw.split(",") if n.strip()) if raw.strip() else default


_LOOPBACK = "127.0.0.1"
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


_OTLP_BY_PROTOCOL = {"grpc": "otlp_proto_grpc", "http/protobuf": "otlp_proto_http"}


def _trace_exporters(env: dict[str, str]) -> tuple[str, ...]:
    """The span exporters the standard OpenTelemetry variables ask for, as entry-point names of the group
    ``opentelemetry_traces_exporter`` (empty: tracing off).

    Off unless configured: ``OTEL_TRACES_EXPORTER`` names the exporters (``none`` or unset: none), or
    an OTLP endpoint (``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``_TRACES_ENDPOINT``) alone asks for ``otlp``;
    ``OTEL_SDK_DISABLED=true`` turns it all off. ``otlp`` resolves by ``OTEL_EXPORTER_OTLP_TRACES_PROTOCOL``
    / ``OTEL_EXPORTER_OTLP_PROTOCOL`` (default grpc), as the OpenTelemetry SDK does.
    """
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return ()
    names = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not names and endpoint:
        names = "otlp"
    if names in ("", "none"):
        return ()
    protocol = (
        env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc"
    ).strip()
    exporters = [n.strip() for n in names.split(",") if n.strip()]
    if "otlp" in exporters and protocol not in _OTLP_BY_PROTOCOL:
        raise ValueError(f"OTLP protocol {protocol!r} is not one of {', '.join(_OTLP_BY_PROTOCOL)}")
    return tuple(dict.fromkeys(_OTLP_BY_PROTOCOL[protocol] if n == "otlp" else n for n in exporters))


def _tls_files(env: dict[str, str]) -> tuple[str, str, str]:
    """(certificate, key, client CA) files: certificate and key together or neither, a CA only with them."""
    cert, key, ca = (
        env.get(name, "").strip()
        for name in ("CURATION_TLS_CERT_FILE", "CURATION_TLS_KEY_FILE", "CURATION_TLS_CLIENT_CA_FILE")
    )
    if bool(cert) != bool(key):
        raise ValueError("CURATION_TLS_CERT_FILE and CURATION_TLS_KEY_FILE must be set together")
    if ca and not cert:
        raise ValueError(
            "CURATION_TLS_CLIENT_CA_FILE (mutual TLS) needs CURATION_TLS_CERT_FILE and _KEY_FILE"
        )
    return cert, key, ca


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service can be told from outside. See the README's configuration table."""

    host: str = "0.0.0.0"
    http_port: int = 8080
    grpc_port: int = 50051
    # Largest request accepted on either protocol; larger ones get RESOURCE_EXHAUSTED / 413.
    max_request_bytes: int = 512 * _MIB
    max_response_bytes: int = 512 * _MIB
    redis_url: str = ""
    # Cache entries: time to live, largest single value, and the in-process LRU's total budget.
    cache_ttl_seconds: int = 24 * 3600
    cache_max_entry_bytes: int = 64 * _MIB
    cache_memory_bytes: int = 512 * _MIB
    # Decoded recent results kept in process in front of the cache (0 = off).
    local_cache_bytes: int = 256 * _MIB
    # Data stored on purpose (embedding collections, fitted models), never evicted: the budget of the
    # in-process store, and of the Redis store (keys plus values, counted in Redis across replicas).
    store_memory_bytes: int = 1024 * _MIB
    store_redis_bytes: int = 1024 * _MIB
    # Keys that sign cache envelopes: "kid1:secret1,kid2:secret2" (the first signs, all verify), given
    # inline or in a file (a mounted Secret). Neither: a random key per process.
    cache_signing_keys: str = field(default="", repr=False)
    cache_signing_keys_file: str = ""
    # Redis client: short, explicit timeouts so a hung Redis never stalls a request for long.
    redis_connect_timeout: float = 0.25
    redis_socket_timeout: float = 0.5
    # Circuit breaker: after this many consecutive failures, skip Redis for the cool-down.
    redis_failure_threshold: int = 3
    redis_cooldown_seconds: float = 5.0
    # Worker threads that run CPU-heavy scoring off the event loop (in each compute process).
    workers: int = 4
    # Processes that parse, compute and encode requests, so the serving process only moves bytes and
    # always answers health checks; -1 = one per CPU this process may use, 0 = threads in this process.
    compute_processes: int = -1
    # Estimated peak memory of one request (its cost model), and of all admitted computations at once.
    max_request_memory_bytes: int = 3072 * _MIB
    admission_memory_bytes: int = 6144 * _MIB
    # Computations waiting for admission beyond this many are refused at once (overloaded, 429).
    max_waiting: int = 1000
    # Quotas per tenant (Context.namespace), per process: requests per second and burst of its token
    # bucket (0 = no rate limit; burst 0 = one second's worth); CPU-heavy requests it may run at once in
    # each compute process (-1 = workers - 1, at least 1; 0 = no per-tenant cap); bytes of embeddings
    # it may keep in the store (0 = no cap).
    tenant_rate_per_second: float = 0.0
    tenant_burst: int = 0
    tenant_heavy_concurrency: int = -1
    tenant_stored_bytes: int = 0
    # On SIGTERM: calls in flight get this long to finish; then running work is cancelled and the process
    # exits (new calls meanwhile get UNAVAILABLE / 503).
    shutdown_grace_seconds: float = 10.0
    # REST connections: a request's headers must arrive within header_timeout of the connection (or of
    # the request's first byte), its body within body_timeout of the headers; at most max_connections
    # open at once (more get 503); at most max_header_bytes of request line and headers.
    http_header_timeout_seconds: float = 10.0
    http_body_timeout_seconds: float = 60.0
    http_max_connections: int = 1000
    http_max_header_bytes: int = 64 * 1024
    # gRPC: HTTP/2 streams one connection may run at once.
    grpc_max_concurrent_streams: int = 100
    log_level: str = "INFO"
    # OpenTelemetry span exporters (entry-point names, e.g. "otlp_proto_grpc", "console"), from the
    # standard OTEL_* variables; empty = tracing off: no instrumentation is installed or even imported.
    trace_exporters: tuple[str, ...] = ()
    # TLS on both ports from PEM files (reloaded when they change); a client CA turns on mutual TLS.
    tls_cert_file: str = ""
    tls_key_file: str = ""
    tls_client_ca_file: str = ""
    # Authentication (README "Authentication"): the API keys file (hashes only), a JWKS (file or URL)
    # with the issuer and audience tokens must name, the algorithms accepted (asymmetric only), the
    # claims naming the tenant and the scopes, and the clock skew allowed (at most 300 s).
    api_keys_file: str = ""
    jwks_file: str = ""
    jwks_url: str = ""
    jwt_issuer: str = ""
    jwt_audience: str = ""
    jwt_algorithms: tuple[str, ...] = ("RS256", "ES256")
    jwt_tenant_claim: str = "tenant"
    jwt_scope_claim: str = "scope"
    jwt_leeway_seconds: int = 30
    # Serve a non-loopback host without authentication (otherwise the service binds 127.0.0.1 only).
    allow_anonymous: bool = False
    # /metrics answers only calls with a valid credential (any scope).
    metrics_auth: bool = False

    @property
    def auth_configured(self) -> bool:
        """Whether callers must authenticate (an API keys file or a JWKS is set)."""
        return bool(self.api_keys_file or self.jwks_file or self.jwks_url)

    @property
    def bind_host(self) -> str:
        """The host both servers bind: ``host``, except loopback only when nobody authenticates and
        anonymous serving was not asked for (``CURATION_ALLOW_ANONYMOUS=true``)."""
        if self.auth_configured or self.allow_anonymous or self.host in _LOOPBACK_HOSTS:
            return self.host
        return _LOOPBACK

    @property
    def tracing(self) -> bool:
        """Whether spans are recorded and exported (an exporter is configured)."""
        return bool(self.trace_exporters)

    @property
    def tls(self) -> bool:
        """Whether both ports serve TLS (a certificate and key are configured)."""
        return bool(self.tls_cert_file)

    @property
    def tenant_heavy(self) -> int:
        """CPU-heavy requests one tenant may run at once per compute process (0: no cap)."""
        if self.tenant_heavy_concurrency >= 0:
            return self.tenant_heavy_concurrency
        return max(1, self.workers - 1)

    @property
    def processes(self) -> int:
        """The number of compute processes ``compute_processes`` asks for (0: compute in threads)."""
        if self.compute_processes >= 0:
            return self.compute_processes
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read ``CURATION_*`` variables (and ``REDIS_URL``, and whether ``OTEL_*`` ask for traces) once."""
        e = dict(os.environ if env is None else env)
        d = cls()
        tls_cert, tls_key, tls_ca = _tls_files(e)
        return cls(
            host=e.get("CURATION_HOST", d.host),
            http_port=_int(e, "CURATION_HTTP_PORT", d.http_port),
            grpc_port=_int(e, "CURATION_GRPC_PORT", d.grpc_port),
            max_request_bytes=_int(e, "CURATION_MAX_REQUEST_BYTES", d.max_request_bytes),
            max_response_bytes=_int(e, "CURATION_MAX_RESPONSE_BYTES", d.max_response_bytes),
            redis_url=e.get("REDIS_URL", d.redis_url),
            cache_ttl_seconds=_int(e, "CURATION_CACHE_TTL_SECONDS", d.cache_ttl_seconds),
            cache_max_entry_bytes=_int(e, "CURATION_CACHE_MAX_ENTRY_BYTES", d.cache_max_entry_bytes),
            cache_memory_bytes=_int(e, "CURATION_CACHE_MEMORY_BYTES", d.cache_memory_bytes),
            local_cache_bytes=_int(e, "CURATION_LOCAL_CACHE_BYTES", d.local_cache_bytes),
            store_memory_bytes=_int(e, "CURATION_STORE_MEMORY_BYTES", d.store_memory_bytes),
            store_redis_bytes=_int(e, "CURATION_STORE_REDIS_BYTES", d.store_redis_bytes),
            cache_signing_keys=e.get("CURATION_CACHE_SIGNING_KEYS", d.cache_signing_keys),
            cache_signing_keys_file=e.get("CURATION_CACHE_SIGNING_KEYS_FILE", d.cache_signing_keys_file),
            redis_connect_timeout=_float(e, "CURATION_REDIS_CONNECT_TIMEOUT", d.redis_connect_timeout),
            redis_socket_timeout=_float(e, "CURATION_REDIS_SOCKET_TIMEOUT", d.redis_socket_timeout),
            redis_failure_threshold=_int(e, "CURATION_REDIS_FAILURE_THRESHOLD", d.redis_failure_threshold),
            redis_cooldown_seconds=_float(e, "CURATION_REDIS_COOLDOWN_SECONDS", d.redis_cooldown_seconds),
            workers=_int(e, "CURATION_WORKERS", d.workers),
            compute_processes=_int(e, "CURATION_COMPUTE_PROCESSES", d.compute_processes),
            max_request_memory_bytes=_int(e, "CURATION_MAX_REQUEST_MEMORY_BYTES", d.max_request_memory_bytes),
            admission_memory_bytes=_int(e, "CURATION_ADMISSION_MEMORY_BYTES", d.admission_memory_bytes),
            max_waiting=_int(e, "CURATION_MAX_WAITING", d.max_waiting),
            tenant_rate_per_second=_float(e, "CURATION_TENANT_RATE_PER_SECOND", d.tenant_rate_per_second),
            tenant_burst=_int(e, "CURATION_TENANT_BURST", d.tenant_burst),
            tenant_heavy_concurrency=_int(e, "CURATION_TENANT_HEAVY_CONCURRENCY", d.tenant_heavy_concurrency),
            tenant_stored_bytes=_int(e, "CURATION_TENANT_STORED_BYTES", d.tenant_stored_bytes),
            shutdown_grace_seconds=_float(e, "CURATION_SHUTDOWN_GRACE_SECONDS", d.shutdown_grace_seconds),
            http_header_timeout_seconds=_float(
                e, "CURATION_HTTP_HEADER_TIMEOUT_SECONDS", d.http_header_timeout_seconds
            ),
            http_body_timeout_seconds=_float(
                e, "CURATION_HTTP_BODY_TIMEOUT_SECONDS", d.http_body_timeout_seconds
            ),
            http_max_connections=_int(e, "CURATION_HTTP_MAX_CONNECTIONS", d.http_max_connections),
            http_max_header_bytes=_int(e, "CURATION_HTTP_MAX_HEADER_BYTES", d.http_max_header_bytes),
            grpc_max_concurrent_streams=_int(
                e, "CURATION_GRPC_MAX_CONCURRENT_STREAMS", d.grpc_max_concurrent_streams
            ),
            log_level=e.get("CURATION_LOG_LEVEL", d.log_level).upper(),
            trace_exporters=_trace_exporters(e),
            api_keys_file=e.get("CURATION_API_KEYS_FILE", d.api_keys_file),
            jwks_file=e.get("CURATION_JWKS_FILE", d.jwks_file),
            jwks_url=e.get("CURATION_JWKS_URL", d.jwks_url),
            jwt_issuer=e.get("CURATION_JWT_ISSUER", d.jwt_issuer),
            jwt_audience=e.get("CURATION_JWT_AUDIENCE", d.jwt_audience),
            jwt_algorithms=_names(e, "CURATION_JWT_ALGORITHMS", d.jwt_algorithms),
            jwt_tenant_claim=e.get("CURATION_JWT_TENANT_CLAIM", d.jwt_tenant_claim),
            jwt_scope_claim=e.get("CURATION_JWT_SCOPE_CLAIM", d.jwt_scope_claim),
            jwt_leeway_seconds=_int(e, "CURATION_JWT_LEEWAY_SECONDS", d.jwt_leeway_seconds),
            allow_anonymous=_bool(e, "CURATION_ALLOW_ANONYMOUS", d.allow_anonymous),
            metrics_auth=_bool(e, "CURATION_METRICS_AUTH", d.metrics_auth),
            tls_cert_file=tls_cert,
            tls_key_file=tls_key,
            tls_client_ca_file=tls_ca,
        )
