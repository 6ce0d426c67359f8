# The hotline as a container: the locked dependencies, a user that is not root, the Procfile's
# own web command (so both deployments serve alike), and a health check on /healthz.
# Build and run with Redis: docker compose up --build (compose.yaml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /app
# The code and the lock first, so an edit to the content alone does not reinstall anything.
COPY pyproject.toml README.md LICENSE requirements.txt ./
COPY hotline/ hotline/
RUN python -m pip install -r requirements.txt

COPY gunicorn.conf.py Procfile ./
COPY menus/ menus/
COPY messages/ messages/
COPY sources/ sources/
# Content with errors never starts: the same check as the Procfile's release phase.
RUN hotline check

RUN useradd --system --uid 10001 --create-home --home-dir /home/hotline hotline
USER hotline

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "hotline:create_app()"]
