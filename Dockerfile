# syntax=docker/dockerfile:1
# One image for every tongpan process: web, workers, beat and the one-shot migration.
# The command picks the role (see docker-compose.yml); the entry point is the `tongpan` CLI.
#
# BASE_IMAGE is the official Python image by default. Any Debian bookworm image works too
# (containers/base-image.sh makes one without a registry): without Python it gets Debian's
# python3 (3.11), and the image is otherwise the same.
#   docker build -t tongpan .
#   podman build --build-arg BASE_IMAGE=localhost/debian-bookworm:base -t tongpan .
# Behind a TLS-inspecting proxy, hand pip the proxy's CA bundle as a build secret:
#   --secret id=pip-cert,src=/etc/ssl/certs/ca-certificates.crt
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/tongpan/bin:$PATH

# A virtual environment in both cases: Debian's python3 refuses system-wide pip installs.
RUN if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then \
        apt-get update \
        && apt-get install -y --no-install-recommends python3 python3-venv \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && python3 -m venv /opt/tongpan \
    && groupadd --gid 10001 tongpan \
    && useradd --uid 10001 --gid 10001 --no-log-init --create-home --home-dir /data --shell /bin/sh tongpan

# Dependencies first, from pyproject.toml alone, so a change to the code reuses this layer.
WORKDIR /app
COPY pyproject.toml ./
RUN --mount=type=secret,id=pip-cert \
    if [ -s /run/secrets/pip-cert ]; then export PIP_CERT=/run/secrets/pip-cert; fi \
    && python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' >/tmp/requirements.txt \
    && pip install --upgrade pip "$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"][0])')" \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Editable install: the Alembic migrations are found beside the packages, in /app.
# The code belongs to root; the tongpan user writes only in its home, /data.
COPY README.md ./
COPY migrations migrations
COPY scheduler scheduler
COPY calendars calendars
COPY tasks tasks
COPY tongpan tongpan
RUN pip install --no-deps --no-build-isolation -e . && rm -rf build *.egg-info

USER tongpan
WORKDIR /data
EXPOSE 8000
ENTRYPOINT ["tongpan"]
CMD ["serve", "--host", "0.0.0.0"]
