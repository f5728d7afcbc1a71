# Production-like image: one image for the ASGI web process and the Celery worker.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

RUN apt-get update && apt-get install -y --no-install-recommends make curl && rm -rf /var/lib/apt/lists/*

COPY . .
RUN python -m venv /app/.venv && /app/.venv/bin/pip install --upgrade pip \
 && /app/.venv/bin/pip install -c constraints.txt -e . \
 && /app/.venv/bin/python -m nlp ensure \
 && DEBUG=1 /app/.venv/bin/python backend/manage.py collectstatic --noinput

ENV PATH="/app/.venv/bin:$PATH"
EXPOSE 8000
CMD ["uvicorn", "backend.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--no-proxy-headers", "--workers", "2", "--ws", "websockets-sansio"]
