"""Booking rush: N learners book one course at the same moment, through HTTP.

Measures what a rush costs compared with a plain authenticated request, and
checks from the database that the course was not oversold.

    .venv/bin/python bench/booking_rush.py                     # 500 learners, 20 seats, 3 rounds
    .venv/bin/python bench/booking_rush.py --requests 100 --rounds 1

Needs PostgreSQL (SQLite serialises every write, so a rush there measures
nothing). With ``DATABASE_URL`` pointing at PostgreSQL the benchmark uses that
server; otherwise it starts a private PostgreSQL and Redis with
``scripts/services.sh`` and stops them afterwards. Either way it works in its
own database (``kurslotse_bench``, dropped and re-created on every run).

Each round has two phases with the same number of requests and the same
concurrency, every request from a different learner with its own session token:

* baseline: ``GET /api/v1/me/`` (authentication, one small read);
* rush: ``POST /api/v1/courses/<id>/bookings/`` on a fresh course, all at
  once (threads start together at a barrier).

The app runs under gunicorn on 127.0.0.1 (KURSLOTSE_ENV=development with
DEBUG off). Load generator and server share this machine's CPUs, so the
figures are for comparing runs here, not a capacity promise.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import time as clock
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import requests
from benchkit import (
    REPO_DIR,
    consent_to_email,
    free_port,
    private_services,
    recreate_database,
    say,
)

WORK_DIR = REPO_DIR / "var" / "bench"
BENCH_PASSWORD = "bench-password-never-used-to-log-in"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests", type=int, default=500, help="learners, one request each per phase"
    )
    parser.add_argument("--seats", type=int, default=20, help="seats of the rushed course")
    parser.add_argument(
        "--childcare-places", type=int, default=None, help="default: half the seats"
    )
    parser.add_argument(
        "--children-share",
        type=float,
        default=0.2,
        help="share of learners who book childcare for 1-2 children (default 0.2)",
    )
    parser.add_argument("--concurrency", type=int, default=100, help="simultaneous clients")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="CONN_MAX_AGE for the app (docker-compose.yml uses 60; the settings default is 0)",
    )
    parser.add_argument(
        "--idempotency-keys",
        action="store_true",
        help="send a fresh Idempotency-Key with every booking, as a careful client does",
    )
    parser.add_argument("--db-name", default="kurslotse_bench", help="database to (re)create")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the children mix")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    if args.requests < 1 or args.seats < 1 or args.rounds < 1 or args.concurrency < 1:
        parser.error("--requests, --seats, --rounds and --concurrency must be at least 1")
    if not 0 <= args.children_share <= 1:
        parser.error("--children-share must be between 0 and 1")
    if args.childcare_places is None:
        args.childcare_places = args.seats // 2
    return args


def masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


# --- PostgreSQL (and Redis) ------------------------------------------------------------


def is_postgres(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"}


@contextmanager
def services() -> Iterator[None]:
    """Use the PostgreSQL in DATABASE_URL, or start a private pair and stop it after."""
    if is_postgres(os.environ.get("DATABASE_URL")):
        say(f"Using DATABASE_URL {masked(os.environ['DATABASE_URL'])}")
        yield
        return
    say("DATABASE_URL is not PostgreSQL: starting PostgreSQL and Redis (scripts/services.sh)")
    with private_services(REPO_DIR / "var" / "services-bench"):
        yield


# --- Data: learners, tokens, courses ---------------------------------------------------


def setup_django() -> None:
    sys.path.insert(0, str(REPO_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()


def create_learners(count: int) -> list[tuple[int, str]]:
    """``count`` learners and one app session token each, without any HTTP login.

    An allauth headless app session token is a Django session key, so a
    session saved with the usual auth keys is a valid token.
    """
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from accounts.models import User
    from accounts.roles import LEARNER

    started = time.perf_counter()
    password = make_password(BENCH_PASSWORD)  # hashed once, shared by all
    group, _ = Group.objects.get_or_create(name=LEARNER)
    tokens = []
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
            batch_size=1000,
        )
        membership = User.groups.through
        membership.objects.bulk_create(
            [membership(user_id=user.pk, group_id=group.pk) for user in users], batch_size=1000
        )
        consent_to_email(users, batch_size=1000)
        for user in users:
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.save()
            tokens.append((user.pk, session.session_key))
    say(f"{count} learners with session tokens in {time.perf_counter() - started:.1f} s")
    return tokens


def create_course(round_number: int, seats: int, childcare_places: int):
    from django.utils import timezone

    from courses import services
    from courses.constants import CourseStatus, Format, Level
    from places.models import Municipality

    municipality = Municipality.objects.order_by("pk").first()
    if municipality is None:
        raise SystemExit("ABORT: no municipality in the database (places data migration?)")
    starts_on = timezone.localdate() + timedelta(days=14)
    childcare = {"childcare_min_age": 0, "childcare_max_age": 6} if childcare_places else {}
    return services.create_course(
        title=f"Benchmark rush, round {round_number}",
        level=Level.A1,
        format=Format.IN_PERSON,
        municipality=municipality,
        seats=seats,
        childcare_places=childcare_places,
        **childcare,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(weeks=10),
        weekdays=[0, 2],
        start_time=clock(9, 0),
        end_time=clock(11, 30),
        status=CourseStatus.PUBLISHED,
    )


def children_mix(count: int, share: float, with_childcare: bool, seed: int) -> list[list[int]]:
    """Per learner the children's ages they book childcare for (mostly none)."""
    rng = random.Random(seed)
    if not with_childcare:
        return [[] for _ in range(count)]
    return [
        sorted(rng.randint(0, 6) for _ in range(rng.choice((1, 1, 2))))
        if rng.random() < share
        else []
        for _ in range(count)
    ]


def capacity_check(course) -> dict:
    """What the database holds for the course after the rush."""
    from django.db.models import Count, Sum

    from courses.constants import BookingStatus

    rows = course.bookings.values("status").annotate(n=Count("pk"), care=Sum("childcare_places"))
    by_status = {row["status"]: row for row in rows}
    confirmed = by_status.get(BookingStatus.CONFIRMED, {}).get("n", 0)
    care_used = sum(
        by_status.get(s, {}).get("care") or 0
        for s in (BookingStatus.CONFIRMED, BookingStatus.OFFERED)
    )
    offered = by_status.get(BookingStatus.OFFERED, {}).get("n", 0)
    waiting_without_children = course.bookings.filter(
        status=BookingStatus.WAITLISTED, childcare_places=0
    ).count()
    if confirmed + offered > course.seats or care_used > course.childcare_places:
        verdict = "OVERSOLD"
    elif confirmed == course.seats:
        verdict = "OK"
    elif waiting_without_children:
        verdict = "UNDERFILLED (a seat stayed free while learners waited)"
    else:
        verdict = "NOT FULL (too few successful requests)"
    return {
        "seats": course.seats,
        "confirmed": confirmed,
        "offered": offered,
        "waitlisted": by_status.get(BookingStatus.WAITLISTED, {}).get("n", 0),
        "childcare_used": care_used,
        "childcare_places": course.childcare_places,
        "verdict": verdict,
    }


# --- The app under gunicorn -----------------------------------------------------------


@contextmanager
def gunicorn(args: argparse.Namespace, database_url: str) -> Iterator[str]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KURSLOTSE_ENV": "development",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": str(args.conn_max_age),
        "LOG_LEVEL": "WARNING",
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "backend.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--backlog",
        "2048",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    log_path = WORK_DIR / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=REPO_DIR, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(
                    f"ABORT: gunicorn exited with {process.returncode}; see {log_path}"
                )
            try:
                requests.get(f"{base_url}/api/v1/me/", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise SystemExit(
                        f"ABORT: gunicorn did not answer in 60 s; see {log_path}"
                    ) from None
                time.sleep(0.25)
        say(
            f"gunicorn on {base_url}: {args.workers} workers x {args.threads} threads "
            f"(log: {log_path.relative_to(REPO_DIR)})"
        )
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def check_token(base_url: str, user_id: int, token: str) -> None:
    """Abort unless a token made without logging in authenticates as its learner."""
    response = requests.get(
        f"{base_url}/api/v1/me/", headers={"X-Session-Token": token}, timeout=10
    )
    body = (
        response.json()
        if response.headers.get("Content-Type", "").startswith("application/json")
        else {}
    )
    if (
        response.status_code != 200
        or body.get("id") != user_id
        or "learner" not in body.get("roles", [])
    ):
        raise SystemExit(
            "ABORT: a session token does not authenticate through X-Session-Token: "
            f"GET /api/v1/me/ answered {response.status_code} {response.text[:300]!r}"
        )
    say("Session token check: GET /api/v1/me/ answers 200 as the learner")


# --- Load --------------------------------------------------------------------------------


@dataclass
class Job:
    method: str
    path: str
    token: str
    body: dict | None = None
    extra_headers: dict = field(default_factory=dict)


@dataclass
class PhaseResult:
    phase: str
    requests: int
    concurrency: int
    wall_s: float
    latencies_ms: list[float]
    outcomes: Counter

    @property
    def rps(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile."""
        ordered = sorted(self.latencies_ms)
        rank = min(len(ordered), max(1, math.ceil(p / 100 * len(ordered))))
        return ordered[rank - 1]


def run_phase(
    phase: str,
    base_url: str,
    jobs: list[Job],
    concurrency: int,
    classify: Callable[[requests.Response], str],
) -> PhaseResult:
    """Send every job once from ``concurrency`` threads that start together."""
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
    deadline = time.monotonic() + 900
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads) or len(results) != len(jobs):
        raise SystemExit(f"ABORT: {phase} did not finish ({len(results)} of {len(jobs)} answers)")
    return PhaseResult(
        phase=phase,
        requests=len(jobs),
        concurrency=concurrency,
        wall_s=max(r[2] for r in results) - started_at[0],
        latencies_ms=[r[1] * 1000 for r in results],
        outcomes=Counter(r[0] for r in results),
    )


def classify_me(response: requests.Response) -> str:
    return "ok" if response.status_code == 200 else f"HTTP {response.status_code}"


def classify_booking(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 201:
        return body.get("status", "201 without status")
    code = (body.get("error") or {}).get("code", "") if isinstance(body, dict) else ""
    return f"HTTP {response.status_code} {code}".strip()


# --- Report ---------------------------------------------------------------------------------

HEADER = (
    f"{'round':>5}  {'phase':<8} {'requests':>8} {'conc':>5} {'wall s':>7} {'req/s':>8} "
    f"{'p50 ms':>8} {'p95 ms':>8} {'confirmed':>9} {'waitlist':>8}  errors"
)


def errors_of(result: PhaseResult) -> str:
    fine = {"ok", "confirmed", "waitlisted"}
    errors = {k: v for k, v in result.outcomes.items() if k not in fine}
    return ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())) or "none"


def row(label: str, result: PhaseResult) -> str:
    rush = result.phase == "rush"
    confirmed = str(result.outcomes.get("confirmed", 0)) if rush else "-"
    waitlisted = str(result.outcomes.get("waitlisted", 0)) if rush else "-"
    return (
        f"{label:>5}  {result.phase:<8} {result.requests:>8} {result.concurrency:>5} "
        f"{result.wall_s:>7.2f} {result.rps:>8.1f} {result.percentile(50):>8.1f} "
        f"{result.percentile(95):>8.1f} {confirmed:>9} {waitlisted:>8}  {errors_of(result)}"
    )


def median_row(phase: str, results: list[PhaseResult]) -> dict:
    return {
        "phase": phase,
        "wall_s": statistics.median(r.wall_s for r in results),
        "rps": statistics.median(r.rps for r in results),
        "p50_ms": statistics.median(r.percentile(50) for r in results),
        "p95_ms": statistics.median(r.percentile(95) for r in results),
    }


def report(args, baselines, rushes, checks) -> dict:
    say()
    say(
        f"Booking rush: {args.requests} learners, {args.seats} seats "
        f"({args.childcare_places} childcare places, {args.children_share:.0%} bring children), "
        f"concurrency {args.concurrency}, gunicorn {args.workers}x{args.threads}, "
        f"CONN_MAX_AGE={args.conn_max_age}"
        + (", Idempotency-Key on" if args.idempotency_keys else "")
    )
    say(HEADER)
    for number, (baseline, rush) in enumerate(zip(baselines, rushes, strict=True), start=1):
        say(row(str(number), baseline))
        say(row(str(number), rush))
    medians = {"baseline": median_row("baseline", baselines), "rush": median_row("rush", rushes)}
    say(f"median of {args.rounds} round(s):")
    for phase, m in medians.items():
        say(
            f"{'':>5}  {phase:<8} {args.requests:>8} {args.concurrency:>5} {m['wall_s']:>7.2f} "
            f"{m['rps']:>8.1f} {m['p50_ms']:>8.1f} {m['p95_ms']:>8.1f}"
        )
    rps_ratio = medians["rush"]["rps"] / medians["baseline"]["rps"]
    p50_ratio = medians["rush"]["p50_ms"] / medians["baseline"]["p50_ms"]
    say(f"rush / baseline: req/s x{rps_ratio:.2f}, p50 latency x{p50_ratio:.2f}")
    say("Capacity check from the database:")
    for number, check in enumerate(checks, start=1):
        say(
            f"  round {number}: {check['confirmed']} confirmed (+{check['offered']} offered) "
            f"of {check['seats']} seats, {check['waitlisted']} waitlisted, childcare "
            f"{check['childcare_used']}/{check['childcare_places']} -> {check['verdict']}"
        )
    return {
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "rounds": [
            {
                "baseline": {**median_row("baseline", [b]), "outcomes": dict(b.outcomes)},
                "rush": {**median_row("rush", [r]), "outcomes": dict(r.outcomes)},
                "capacity": check,
            }
            for b, r, check in zip(baselines, rushes, checks, strict=True)
        ],
        "median": medians,
        "rush_over_baseline": {"rps": rps_ratio, "p50": p50_ratio},
    }


# --- Main -------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    os.chdir(REPO_DIR)
    with services():
        if os.environ.get("REDIS_URL"):
            say(f"Using REDIS_URL {masked(os.environ['REDIS_URL'])}")
        database_url = recreate_database(os.environ["DATABASE_URL"], args.db_name)
        os.environ["DATABASE_URL"] = database_url
        setup_django()
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        say(f"Migrated in {time.perf_counter() - started:.1f} s")
        learners = create_learners(args.requests)
        mix = children_mix(args.requests, args.children_share, args.childcare_places > 0, args.seed)

        baselines, rushes, checks = [], [], []
        with gunicorn(args, database_url) as base_url:
            check_token(base_url, *learners[0])
            # Unmeasured: every worker loads the URLconf and apps on its first requests.
            warm_up = [Job("GET", "/api/v1/me/", token) for _, token in learners] * 2
            run_phase("warm-up", base_url, warm_up[: 8 * args.workers * args.threads],
                      args.concurrency, classify_me)  # fmt: skip
            say(HEADER)
            for number in range(1, args.rounds + 1):
                me_jobs = [Job("GET", "/api/v1/me/", token) for _, token in learners]
                baselines.append(
                    run_phase("baseline", base_url, me_jobs, args.concurrency, classify_me)
                )
                say(row(str(number), baselines[-1]))

                course = create_course(number, args.seats, args.childcare_places)
                path = f"/api/v1/courses/{course.pk}/bookings/"
                rush_jobs = [
                    Job(
                        "POST",
                        path,
                        token,
                        {"children_ages": ages},
                        {"Idempotency-Key": f"bench-{number}-{user_id}"}
                        if args.idempotency_keys
                        else {},
                    )
                    for (user_id, token), ages in zip(learners, mix, strict=True)
                ]
                rushes.append(
                    run_phase("rush", base_url, rush_jobs, args.concurrency, classify_booking)
                )
                say(row(str(number), rushes[-1]))
                checks.append(capacity_check(course))
        figures = report(args, baselines, rushes, checks)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(figures, indent=2))
            say(f"Figures written to {args.json}")
    return 1 if any(c["verdict"] == "OVERSOLD" for c in checks) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("Interrupted; gunicorn and any services this run started were stopped.", flush=True)
        sys.exit(130)
