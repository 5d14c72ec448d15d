# Afterword's image: gunicorn serving config.wsgi, static files collected.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, from the pinned lists: this layer is rebuilt only when they change.
COPY requirements/base.txt requirements/base.txt
RUN pip install --requirement requirements/base.txt

COPY . .

# Collected at build time with throwaway settings; nothing secret is baked in.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput --verbosity 0

RUN useradd --system --uid 10001 --no-create-home afterword
USER afterword

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]
