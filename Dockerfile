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
FROM ${BASE_IMAGE} AS python

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/tongpan/bin:$PATH

# A virtual environment in both cases: Debian's python3 refuses system-wide pip installs.
RUN if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then \
        apt-get update \
        && apt-get install -y --no-install-recommends python3 python3-venv \
        && apt-get clean && rm -rf /var/lib/apt/lists/*; \
    fi \
    && python3 -m venv /opt/tongpan \
    && groupadd --gid 10001 tongpan \
    && useradd --uid 10001 --gid 10001 --no-log-init --create-home --home-dir /data --shell /bin/sh tongpan

# The requirements alone, from pyproject.toml: when only other parts of it change (test
# extras, tool settings), the file is the same and the dependency layer below is reused.
FROM python AS requirements
COPY pyproject.toml /tmp/
RUN python3 -c 'import tomllib; p = tomllib.load(open("/tmp/pyproject.toml", "rb")); \
print("\n".join(p["build-system"]["requires"] + p["project"]["dependencies"]))' >/tmp/requirements.txt

FROM python
WORKDIR /app
COPY --from=requirements /tmp/requirements.txt /tmp/requirements.txt
RUN --mount=type=secret,id=pip-cert \
    if [ -s /run/secrets/pip-cert ]; then export PIP_CERT=/run/secrets/pip-cert; fi \
    && pip install --quiet --upgrade pip \
    && pip install --quiet -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Editable install: the Alembic migrations are found beside the packages, in /app.
# The code belongs to root; the tongpan user writes only in its home, /data.
COPY pyproject.toml README.md ./
COPY migrations migrations
COPY scheduler scheduler
COPY calendars calendars
COPY tasks tasks
COPY tongpan tongpan
RUN pip install --quiet --no-deps --no-build-isolation -e . && rm -rf build *.egg-info

USER tongpan
WORKDIR /data
EXPOSE 8000
ENTRYPOINT ["tongpan"]
CMD ["serve", "--host", "0.0.0.0"]
