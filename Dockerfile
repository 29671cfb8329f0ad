# One image for every tongpan process: web, workers, beat and the one-shot migration.
# The command picks the role (see docker-compose.yml); the entry point is the `tongpan` CLI.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app tongpan

# Editable install: the Alembic migrations are found beside the packages, in /app.
COPY pyproject.toml README.md ./
COPY scheduler scheduler
COPY calendars calendars
COPY tasks tasks
COPY tongpan tongpan
COPY migrations migrations
RUN pip install -e . && chown -R tongpan /app

USER tongpan
EXPOSE 8000
ENTRYPOINT ["tongpan"]
CMD ["serve", "--host", "0.0.0.0"]
