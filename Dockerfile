# Kastoma production image: gunicorn on port 8000, migrations applied at start.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KASTOMA_ENV=production \
    MEDIA_ROOT=/app/instance/media

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --create-home --uid 10001 kastoma
COPY --chown=kastoma:kastoma . .
RUN mkdir -p /app/instance/media && chown -R kastoma:kastoma /app/instance
USER kastoma

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/live/').status != 200)"
CMD ["sh", "-c", "flask --app wsgi db upgrade && exec gunicorn -c python:kastoma.gunicorn_conf wsgi:app"]
