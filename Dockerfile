# Kurslotse production image: gunicorn serving the Django app, static files
# served by the app itself (whitenoise). The same image runs the Celery
# worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# gettext: msgfmt for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .

# Translations and static files are built into the image. collectstatic runs
# with the production storage (hashed, compressed names), which needs the
# production settings to load; the secret and host here exist only for this
# build step and are not kept in the image's environment.
RUN python manage.py compilemessages -v 0 \
    && KURSLOTSE_ENV=production \
       SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-build-only \
       ALLOWED_HOSTS=build.invalid \
       python manage.py collectstatic --no-input -v 0

# Run as an unprivileged user. The code stays owned by root (read-only for
# the app); only var/ is writable.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home kurslotse \
    && mkdir -p /app/var \
    && chown kurslotse:kurslotse /app/var
USER kurslotse

ENV KURSLOTSE_ENV=production \
    WEB_CONCURRENCY=3

EXPOSE 8000

# gunicorn reads the number of workers from WEB_CONCURRENCY; its access log
# masks calendar feed tokens (backend/gunicorn.conf.py).
CMD ["gunicorn", "backend.wsgi:application", "-c", "backend/gunicorn.conf.py"]
