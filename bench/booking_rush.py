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
import os
import random
import sys
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

import requests
from benchkit import (
    REPO_DIR,
    Job,
    LoadResult,
    create_learners,
    gunicorn,
    masked,
    median,
    postgres,
    recreate_database,
    run_load,
    say,
    session_tokens,
    setup_django,
)

WORK_DIR = REPO_DIR / "var" / "bench"
SERVICES_DIR = REPO_DIR / "var" / "services-bench"
# The targets of issue 12, printed next to the ratios.
TARGET_RPS_RATIO = 0.5
TARGET_P95_RATIO = 3.0


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
    parser.add_argument(
        "--rounds", type=int, default=3, help=f"rounds (1-{MAX_ROUNDS}); medians are reported"
    )
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
    parser.add_argument(
        "--ready-timeout",
        type=float,
        default=120,
        help="seconds gunicorn may take to answer its first request (default 120)",
    )
    parser.add_argument("--db-name", default="kurslotse_bench", help="database to (re)create")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the children mix")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    if args.requests < 1 or args.seats < 1 or args.rounds < 1 or args.concurrency < 1:
        parser.error("--requests, --seats, --rounds and --concurrency must be at least 1")
    if args.rounds > MAX_ROUNDS:
        parser.error(f"--rounds must be at most {MAX_ROUNDS} (one course period each)")
    if not 0 <= args.children_share <= 1:
        parser.error("--children-share must be between 0 and 1")
    if args.childcare_places is None:
        args.childcare_places = args.seats // 2
    return args


# --- Data: learners, tokens, courses ---------------------------------------------------


def learners_with_tokens(count: int) -> list[tuple[int, str]]:
    """``count`` learners and one app session token each (benchkit), without any HTTP login."""
    started = time.perf_counter()
    tokens = session_tokens(create_learners(count))
    say(f"{count} learners with session tokens in {time.perf_counter() - started:.1f} s")
    return tokens


# Each round's course runs in its own ten weeks, after the last round's: the
# learners booked that one, and a course at the same time would be refused as
# an overlap (409 overlaps_booking) instead of booked.
COURSE_WEEKS = 10
MAX_ROUNDS = 12  # the last course still starts within MAX_DAYS_AHEAD


def create_course(round_number: int, seats: int, childcare_places: int):
    """A published course with ``seats`` and ``childcare_places`` (ages 0-6), two
    mornings a week for ten weeks, the ``round_number``-th such period from now."""
    from django.utils import timezone

    from courses import services
    from courses.constants import CourseStatus, Format, Level
    from places.models import Municipality

    municipality = Municipality.objects.order_by("pk").first()
    if municipality is None:
        raise SystemExit("ABORT: no municipality in the database (places data migration?)")
    starts_on = timezone.localdate() + timedelta(
        days=14, weeks=(COURSE_WEEKS + 1) * (round_number - 1)
    )
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
        ends_on=starts_on + timedelta(weeks=COURSE_WEEKS),
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


def app_environment(args: argparse.Namespace, database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "KURSLOTSE_ENV": "development",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": str(args.conn_max_age),
        "LOG_LEVEL": "WARNING",
    }


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


def run_phase(phase: str, base_url: str, jobs: list[Job], concurrency: int, classify):
    return phase, run_load(base_url, jobs, concurrency, classify, what=phase)


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
Phase = tuple[str, LoadResult]  # ("baseline" or "rush", what the load gave)


def errors_of(result: LoadResult) -> str:
    fine = {"ok", "confirmed", "waitlisted"}
    errors = {k: v for k, v in result.outcomes.items() if k not in fine}
    return ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())) or "none"


def row(label: str, phase: Phase) -> str:
    name, result = phase
    rush = name == "rush"
    confirmed = str(result.outcomes.get("confirmed", 0)) if rush else "-"
    waitlisted = str(result.outcomes.get("waitlisted", 0)) if rush else "-"
    return (
        f"{label:>5}  {name:<8} {result.requests:>8} {result.concurrency:>5} "
        f"{result.wall_s:>7.2f} {result.rps:>8.1f} {result.percentile(50):>8.1f} "
        f"{result.percentile(95):>8.1f} {confirmed:>9} {waitlisted:>8}  {errors_of(result)}"
    )


def figures_of(results: list[LoadResult]) -> dict:
    """Medians over rounds (of one round: its figures)."""
    return {
        "wall_s": median(r.wall_s for r in results),
        "rps": median(r.rps for r in results),
        "p50_ms": median(r.percentile(50) for r in results),
        "p95_ms": median(r.percentile(95) for r in results),
    }


def verdict(ratio: float, target: float, *, at_least: bool) -> str:
    met = ratio >= target if at_least else ratio <= target
    return f"target {'>=' if at_least else '<='} {target:g}: {'met' if met else 'NOT met'}"


def report(args, baselines: list[Phase], rushes: list[Phase], checks: list[dict]) -> dict:
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
    medians = {
        "baseline": figures_of([r for _, r in baselines]),
        "rush": figures_of([r for _, r in rushes]),
    }
    say(f"median of {args.rounds} round(s):")
    for phase, m in medians.items():
        say(
            f"{'':>5}  {phase:<8} {args.requests:>8} {args.concurrency:>5} {m['wall_s']:>7.2f} "
            f"{m['rps']:>8.1f} {m['p50_ms']:>8.1f} {m['p95_ms']:>8.1f}"
        )
    ratios = {
        "rps": medians["rush"]["rps"] / medians["baseline"]["rps"],
        "p50": medians["rush"]["p50_ms"] / medians["baseline"]["p50_ms"],
        "p95": medians["rush"]["p95_ms"] / medians["baseline"]["p95_ms"],
    }
    say(
        f"rush / baseline: req/s x{ratios['rps']:.2f} "
        f"({verdict(ratios['rps'], TARGET_RPS_RATIO, at_least=True)}), "
        f"p95 latency x{ratios['p95']:.2f} "
        f"({verdict(ratios['p95'], TARGET_P95_RATIO, at_least=False)}), "
        f"p50 latency x{ratios['p50']:.2f}"
    )
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
                "baseline": {**figures_of([b]), "outcomes": dict(b.outcomes)},
                "rush": {**figures_of([r]), "outcomes": dict(r.outcomes)},
                "capacity": check,
            }
            for (_, b), (_, r), check in zip(baselines, rushes, checks, strict=True)
        ],
        "median": medians,
        "rush_over_baseline": ratios,
    }


# --- Main -------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    os.chdir(REPO_DIR)
    with postgres(SERVICES_DIR):
        if os.environ.get("REDIS_URL"):
            say(f"Using REDIS_URL {masked(os.environ['REDIS_URL'])}")
        database_url = recreate_database(os.environ["DATABASE_URL"], args.db_name)
        os.environ["DATABASE_URL"] = database_url
        setup_django()
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        say(f"Migrated in {time.perf_counter() - started:.1f} s")
        learners = learners_with_tokens(args.requests)
        mix = children_mix(args.requests, args.children_share, args.childcare_places > 0, args.seed)

        baselines: list[Phase] = []
        rushes: list[Phase] = []
        checks: list[dict] = []
        server = gunicorn(
            environment=app_environment(args, database_url),
            workers=args.workers,
            threads=args.threads,
            log_path=WORK_DIR / "gunicorn.log",
            ready_path="/api/v1/me/",
            ready_timeout=args.ready_timeout,
        )
        with server as base_url:
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
