"""What the benchmarks need around the code they measure: output, a free
port, a private PostgreSQL and Redis pair (scripts/services.sh), a fresh
database, Django set up from a script, learners in bulk with session tokens,
the app under gunicorn (started, waited for, stopped), a load of HTTP requests
from clients that start together, and percentiles and medians. Imported by the
scripts in this folder (run as ``python bench/<name>.py``, so this folder is on
``sys.path``)."""

from __future__ import annotations

import math
import os
import queue
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO_DIR / "bench"
SERVICES_SCRIPT = REPO_DIR / "scripts" / "services.sh"
BENCH_PASSWORD = "bench-password-never-used-to-log-in"


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


def masked(url: str) -> str:
    """``url`` without its password, for printing."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def is_postgres(url: str | None) -> bool:
    return bool(url) and urlsplit(url or "").scheme in {"postgres", "postgresql", "pgsql"}


@contextmanager
def postgres(services_dir: Path) -> Iterator[None]:
    """Use the PostgreSQL in ``DATABASE_URL`` (and Redis in ``REDIS_URL`` if set),
    or start a private pair in ``services_dir`` and stop it afterwards."""
    if is_postgres(os.environ.get("DATABASE_URL")):
        say(f"Using DATABASE_URL {masked(os.environ['DATABASE_URL'])}")
        yield
        return
    say("DATABASE_URL is not PostgreSQL: starting PostgreSQL and Redis (scripts/services.sh)")
    with private_services(services_dir):
        yield


def setup_django(**environment: str) -> None:
    """Set Django up in this process, with ``environment`` set first.

    Run as a script, the bench folder comes first on ``sys.path``, where a
    script's name could shadow an app (``notifications``): the repository goes
    first and the folder last (spawned processes still find benchkit there)."""
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
    sys.path.insert(0, str(REPO_DIR))
    sys.path.append(str(BENCH_DIR))
    os.environ.update(environment)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()


def create_learners(count: int, *, batch_size: int = 1000) -> list:
    """``count`` learners in bulk (one shared password hash, the learner role, the
    email channel with the consent recorded), as people signed up."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction

    from accounts.models import User
    from accounts.roles import LEARNER

    password = make_password(BENCH_PASSWORD)  # hashed once, shared by all
    group, _ = Group.objects.get_or_create(name=LEARNER)
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    email=f"bench-learner-{i:05d}@example.invalid",
                    full_name=f"Learner {i}",
                    password=password,
                    notification_channels=["email"],  # with the consent recorded below
                )
                for i in range(count)
            ],
            batch_size=batch_size,
        )
        membership = User.groups.through
        membership.objects.bulk_create(
            [membership(user_id=user.pk, group_id=group.pk) for user in users],
            batch_size=batch_size,
        )
        consent_to_email(users, batch_size=batch_size)
    return users


def session_tokens(users: Iterable) -> list[tuple[int, str]]:
    """An allauth app session token for each user, without logging in over HTTP:
    the token is a Django session key, so a session saved with the usual auth
    keys is one. Returns ``(user id, token)`` pairs."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    tokens = []
    with transaction.atomic():
        for user in users:
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.save()
            tokens.append((user.pk, session.session_key))
    return tokens


# --- The app under gunicorn ---------------------------------------------------------


def wait_until_answering(
    url: str, process: subprocess.Popen, *, timeout: float, log_path: Path
) -> float:
    """Wait until ``url`` answers at all (any status), for at most ``timeout``
    seconds; return how long it took.

    A server that is still starting may refuse the connection, or accept it
    and answer late (a worker importing the app): both mean "not yet", never
    "failed". Only the process exiting, or the deadline, ends the wait early."""
    import requests

    started = time.monotonic()
    while True:
        if process.poll() is not None:
            raise SystemExit(f"ABORT: the server exited with {process.returncode}; see {log_path}")
        remaining = timeout - (time.monotonic() - started)
        if remaining <= 0:
            raise SystemExit(f"ABORT: the server did not answer in {timeout:.0f} s; see {log_path}")
        try:
            requests.get(url, timeout=(min(2.0, remaining), min(10.0, remaining)))
            return time.monotonic() - started
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(min(0.25, max(0.0, timeout - (time.monotonic() - started))))


@contextmanager
def gunicorn(
    *,
    environment: dict[str, str],
    workers: int,
    threads: int,
    log_path: Path,
    ready_path: str = "/",
    ready_timeout: float = 120,
    extra_arguments: Iterable[str] = (),
) -> Iterator[str]:
    """The app under gunicorn on a free 127.0.0.1 port, with ``environment`` on
    top of ours; yields its base URL once ``ready_path`` answers (see
    ``wait_until_answering``) and stops it afterwards (SIGTERM, then SIGKILL)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "backend.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--backlog",
        "2048",
        "--timeout",
        "120",
        "--log-level",
        "warning",
        *extra_arguments,
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=REPO_DIR, env={**os.environ, **environment}, stdout=log, stderr=log
        )
    try:
        waited = wait_until_answering(
            base_url + ready_path, process, timeout=ready_timeout, log_path=log_path
        )
        say(
            f"gunicorn on {base_url} answered after {waited:.1f} s: {workers} workers x {threads} threads"
        )
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- Load and figures ---------------------------------------------------------------


@dataclass
class Job:
    """One HTTP request of a load: method, path, the session token it is sent with."""

    method: str
    path: str
    token: str
    body: dict | None = None
    extra_headers: dict = field(default_factory=dict)


def percentile(values: Iterable[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty collection."""
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: Iterable[float]) -> float:
    return statistics.median(values)


@dataclass
class LoadResult:
    """What a load gave: per request its outcome and latency, and the wall time
    from the common start to the last answer."""

    requests: int
    concurrency: int
    wall_s: float
    latencies_ms: list[float]
    outcomes: Counter

    @property
    def rps(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    def percentile(self, p: float) -> float:
        return percentile(self.latencies_ms, p)


def run_load(
    base_url: str,
    jobs: list[Job],
    concurrency: int,
    classify: Callable,
    *,
    what: str = "load",
    timeout: float = 900,
) -> LoadResult:
    """Send every job once from ``concurrency`` client threads (one HTTP
    connection each, ``X-Session-Token`` per job) that start together at a
    barrier; ``classify(response)`` names each outcome."""
    import requests

    concurrency = min(concurrency, len(jobs))
    work: queue.SimpleQueue[Job] = queue.SimpleQueue()
    for job in jobs:
        work.put(job)
    results: list[tuple[str, float, float]] = []  # outcome, latency s, finished at
    results_lock = threading.Lock()
    started_at: list[float] = []
    barrier = threading.Barrier(concurrency, action=lambda: started_at.append(time.perf_counter()))

    def client() -> None:
        session = requests.Session()
        try:
            barrier.wait(timeout=60)
            while True:
                try:
                    job = work.get_nowait()
                except queue.Empty:
                    return
                headers = {"X-Session-Token": job.token, **job.extra_headers}
                sent = time.perf_counter()
                try:
                    response = session.request(
                        job.method,
                        base_url + job.path,
                        headers=headers,
                        json=job.body,
                        timeout=(10, 120),
                    )
                    outcome = classify(response)
                except requests.RequestException as error:
                    outcome = f"client error {type(error).__name__}"
                done = time.perf_counter()
                with results_lock:
                    results.append((outcome, done - sent, done))
        finally:
            session.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads) or len(results) != len(jobs):
        raise SystemExit(f"ABORT: {what} did not finish ({len(results)} of {len(jobs)} answers)")
    return LoadResult(
        requests=len(jobs),
        concurrency=concurrency,
        wall_s=max(r[2] for r in results) - started_at[0],
        latencies_ms=[r[1] * 1000 for r in results],
        outcomes=Counter(r[0] for r in results),
    )


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
