"""What both benchmarks need around the code they measure: output, a free
port, a private PostgreSQL and Redis pair (scripts/services.sh), and a fresh
database. Imported by the scripts in this folder (run as
``python bench/<name>.py``, so this folder is on ``sys.path``)."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

REPO_DIR = Path(__file__).resolve().parent.parent
SERVICES_SCRIPT = REPO_DIR / "scripts" / "services.sh"


def say(message: str = "") -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def private_services(services_dir: Path) -> Iterator[None]:
    """Start PostgreSQL and Redis in ``services_dir``, export their URLs into
    ``os.environ`` (DATABASE_URL, REDIS_URL), and stop them afterwards."""
    env = {**os.environ, "KURSLOTSE_SERVICES_DIR": str(services_dir)}
    try:
        result = subprocess.run(
            [str(SERVICES_SCRIPT), "start"],
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            timeout=900,
        )
        for line in result.stdout.splitlines():
            if line.startswith("export "):
                key, _, value = line.removeprefix("export ").partition("=")
                os.environ[key] = shlex.split(value)[0]
        for key in ("DATABASE_URL", "REDIS_URL"):
            if urlsplit(os.environ.get(key, "")).hostname != "127.0.0.1":
                raise SystemExit(f"ABORT: scripts/services.sh reported no local {key}")
        yield
    finally:
        say("Stopping PostgreSQL and Redis")
        subprocess.run([str(SERVICES_SCRIPT), "stop"], env=env, check=False, timeout=120)


def recreate_database(url: str, name: str) -> str:
    """Drop and create ``name`` on the server of ``url``; return the URL of the new database."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    maintenance_db = "postgres" if parts.path.lstrip("/") in ("", name) else parts.path.lstrip("/")
    with psycopg.connect(
        parts._replace(path=f"/{maintenance_db}").geturl(), autocommit=True
    ) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        version = conn.execute("SHOW server_version").fetchone()[0]
    say(f"Fresh database {name} on PostgreSQL {version}")
    return parts._replace(path=f"/{name}").geturl()


def consent_to_email(users, batch_size: int = 1000) -> None:
    """Bench people receive email, as people who agreed to it do: the consent
    rows that ``accounts.services.record_consent`` would write, in bulk."""
    from django.conf import settings

    from accounts.constants import ConsentPurpose, ConsentVia
    from accounts.models import Consent

    Consent.objects.bulk_create(
        [
            Consent(
                person_id=user.pk,
                purpose=ConsentPurpose.EMAIL_NOTIFICATIONS,
                given=True,
                text_version=settings.KURSLOTSE_PRIVACY_NOTICE_VERSION,
                via=ConsentVia.OFFICE,
            )
            for user in users
        ],
        batch_size=batch_size,
    )
