# One production-like image for every service of docker-compose.yml (web, worker, beat, migrate).
# Layers go from what changes least to what changes most: dependencies, then the nlp model (its
# corpus and code), then the rest of the code — a code change neither reinstalls nor retrains.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

RUN apt-get update && apt-get install -y --no-install-recommends make curl && rm -rf /var/lib/apt/lists/*

# The dependencies alone, read from pyproject.toml and pinned by constraints.txt.
COPY pyproject.toml constraints.txt ./
RUN python -m venv /app/.venv \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && /app/.venv/bin/pip install -c constraints.txt -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt
ENV PATH="/app/.venv/bin:$PATH"

# The nlp router imports no Django: its code and corpus are enough to train the model.
COPY nlp/ nlp/
COPY fixtures/nlp/ fixtures/nlp/
RUN python -m nlp ensure

COPY . .
RUN pip install --no-deps -e . \
 && DEBUG=1 python backend/manage.py collectstatic --noinput \
 && useradd --system --uid 10001 --home-dir /app relay \
 && mkdir -p /app/var/media \
 && chown -R relay:relay /app/var

# Never root at run time; the app writes only under var/ (uploads; the model is read-only).
USER relay
EXPOSE 8000
CMD ["uvicorn", "backend.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--no-proxy-headers", "--workers", "2", "--ws", "websockets-sansio", "--lifespan", "off"]
