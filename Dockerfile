# One image for the gateway, mediation, lawyers and the console; the args pick the app
# (e.g. ["services.console.main:create_app"]); the migration Job runs `python -m shared.migrate`.
#
# Two stages so that a code change does not reinstall the dependencies:
#   deps     the runtime dependencies, exactly as pinned (with their sha256) in requirements.lock (`make lock`;
#            [project].dependencies, no dev extras) in /opt/venv; this layer changes only when the lock does.
#   runtime  the same base, /opt/venv copied in, then the code; runs as uid 10001, read-only root filesystem
#            friendly (bytecode compiled at build time, nothing written outside /tmp).
#
# The base is pinned by digest: python:3.11-slim (multi-arch index) as documented on 2026-08-25. Refresh it
# with `docker buildx imagetools inspect python:3.11-slim` and change both the tag comment and the digest.
ARG PYTHON_IMAGE=python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

FROM ${PYTHON_IMAGE} AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
WORKDIR /build
COPY requirements.lock ./
# Only the runtime lock: the package itself is not installed (the code is copied in the next stage), and
# the dev extras (pytest, playwright, ...) never enter the image. --require-hashes: every file checked
# against its pinned sha256, and a dependency missing from the lock fails the build.
RUN /opt/venv/bin/pip install --require-hashes -r requirements.lock \
    && /opt/venv/bin/pip check \
    && /opt/venv/bin/python -m compileall -q /opt/venv/lib

FROM ${PYTHON_IMAGE} AS runtime
# MALLOC_ARENA_MAX: two glibc malloc arenas instead of one per allocating thread (less memory held; devtools/runner.py)
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/app PATH=/opt/venv/bin:$PATH HOME=/tmp MALLOC_ARENA_MAX=2
# Chinese fonts for the printable documents (shared/pdf.py: a Song body and a Hei for headings, embedded
# and subset by fpdf2); Debian's packages, nothing fetched at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-arphic-uming fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 suite \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin suite
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
COPY shared ./shared
COPY services ./services
RUN python -m compileall -q /app
USER 10001:10001
EXPOSE 8000
# SIGTERM: uvicorn stops accepting and waits up to 25 s for requests in flight; the pods' preStop sleep (5 s)
# runs first, so the endpoints are gone before the listener closes (terminationGracePeriodSeconds: 40).
ENTRYPOINT ["python", "-m", "uvicorn", "--factory", "--host", "0.0.0.0", "--port", "8000", "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--no-proxy-headers", "--timeout-graceful-shutdown", "25"]
CMD ["services.gateway.main:create_app"]
