# The curation service image: one process serving REST on 8080 and gRPC on 50051.
#
#   docker build -t curation-service:0.1.0 .
#   docker run --rm -p 8080:8080 -p 50051:50051 -e REDIS_URL=redis://redis:6379/0 curation-service:0.1.0
#
# Two stages: the builder installs the package and its dependencies into a virtualenv at /opt/venv;
# the runtime stage copies only that virtualenv onto the same base (so the venv's python symlink
# resolves to the identical interpreter). The base is Debian (glibc), not Alpine (musl): numpy, scipy
# and grpcio ship manylinux wheels, so nothing is compiled and no toolchain is needed in either stage.

FROM python:3.11-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"

WORKDIR /src

# Dependencies first, in their own layer: a change to the service's code does not reinstall numpy/scipy.
# With the [otel] extra: the image can export traces (OTLP over gRPC or HTTP) when the deployment sets
# OTEL_EXPORTER_OTLP_ENDPOINT; without it nothing of OpenTelemetry is imported.
# The placeholder package lets pip resolve and install the dependency set from pyproject.toml alone; it
# is uninstalled and its build tree removed (setuptools would otherwise keep the newer placeholder files
# in build/ over the real sources copied below). README.m[d] is a glob so that a missing README (only a
# warning for setuptools) does not fail the COPY.
COPY pyproject.toml README.m[d] ./
RUN mkdir -p service/curation \
    && touch service/curation/__init__.py \
    && pip install --no-cache-dir "./[otel]" \
    && pip uninstall --yes curation-service \
    && rm -rf service build

# The package itself (generated protobuf stubs are checked in under service/curation/v1). pip compiles
# the .pyc files at install time, so nothing is written under the read-only root filesystem at run time.
# curation-warm then compiles every numba kernel (about 15 s of CPU that each new process would otherwise
# spend before SERVING) into /opt/venv/share/curation-kernels, shipped with the venv. The kernels are
# compiled for NUMBA_CPU_NAME=generic (plain x86-64, no AVX), so the cache hits on whatever CPU the image
# runs on (numba keys each entry by CPU name and features); the runtime stage sets the same value.
COPY service ./service
ENV NUMBA_CPU_NAME=generic
RUN pip install --no-cache-dir --no-deps . \
    && python -c "import curation.settings" \
    && NUMBA_CACHE_DIR=/opt/venv/share/curation-kernels curation-warm


FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="curation-service" \
      org.opencontainers.image.description="Model diagnostics and data curation over gRPC and REST" \
      org.opencontainers.image.licenses="Apache-2.0"

# PYTHONUNBUFFERED: log lines reach `kubectl logs` at once. PYTHONDONTWRITEBYTECODE: the root filesystem
# is read-only in the cluster, and the venv already holds compiled bytecode. Kernels: numba loads only
# from a cache directory it can write, so at start the shipped kernels (CURATION_KERNEL_CACHE) are copied
# into NUMBA_CACHE_DIR, the writable /tmp emptyDir (about 2 MB, milliseconds), and loaded from there;
# NUMBA_CPU_NAME must equal the builder's or every kernel misses and compiles at start, as before.
ENV PATH="/opt/venv/bin:${PATH}" \
    VIRTUAL_ENV=/opt/venv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CURATION_HTTP_PORT=8080 \
    CURATION_GRPC_PORT=50051 \
    CURATION_KERNEL_CACHE=/opt/venv/share/curation-kernels \
    NUMBA_CACHE_DIR=/tmp/numba \
    NUMBA_CPU_NAME=generic

# A fixed, unprivileged UID/GID (10001) that the Helm chart's securityContext names (runAsUser: 10001).
RUN groupadd --system --gid 10001 curation \
    && useradd --system --no-log-init --uid 10001 --gid 10001 \
       --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin curation

COPY --from=builder /opt/venv /opt/venv

# The build fails unless this stage, as it will run, loads every kernel from the shipped cache and
# compiles none (curation-warm --check), through a scratch cache directory removed afterwards.
RUN NUMBA_CACHE_DIR=/tmp/numba-check curation-warm --check \
    && rm -rf /tmp/numba-check

USER 10001:10001

EXPOSE 8080 50051

# Docker-only liveness check (Kubernetes ignores it and uses the chart's probes). The slim base has no
# curl, so the venv's python asks /healthz on the configured HTTP port.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('CURATION_HTTP_PORT', '8080') + '/healthz', timeout=2)"]

# Exec form: curation-serve is PID 1 and receives SIGTERM itself (no /bin/sh in between that would
# swallow it), marks itself NOT_SERVING and stops within CURATION_SHUTDOWN_GRACE_SECONDS.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/venv/bin/curation-serve"]
