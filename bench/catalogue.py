"""Catalogue: search 10,000 courses, in-process, on PostgreSQL.

    .venv/bin/python bench/catalogue.py                          # 10,000 courses, 200 requests, 3 rounds
    .venv/bin/python bench/catalogue.py --courses 2000 --requests 50 --rounds 1   # quick

Times, with Django's test client against PostgreSQL in this process, what a
signed-in learner's search costs — the API list around a place
(``GET /api/v1/courses/?near=…&radius_km=20``), the search page with the
same filter, both without a filter, a later page, and the API search right
after a coordinator changed a course (the change runs before each request,
outside the clock: the search counts and pages again) — next to
``GET /api/v1/me/`` for the same learner in the same round (the baseline).
Each case runs ``--requests`` times per round; medians and p95 per round
and over rounds are printed, with the SQL statements one request runs the
first time and again.

With ``DATABASE_URL`` pointing at PostgreSQL the benchmark uses that server;
otherwise it starts a private PostgreSQL with ``scripts/services.sh``. It
always works in its own database, ``kurslotse_bench_catalogue``, dropped and
re-created on every run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

from benchkit import REPO_DIR, postgres, say
from inprocesskit import django_in_process, queries_of, report, time_calls, vacuum_analyze

NEAR = "Neckarsulm"  # near the district's middle: radius 20 km reaches most towns
RADIUS_KM = 20


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=10_000, help="courses in the catalogue")
    parser.add_argument("--learners", type=int, default=3_000, help="learners who booked")
    parser.add_argument(
        "--bookings", type=int, default=15, help="bookings per course on average (default 15)"
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per case and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument("--db-name", default="kurslotse_bench_catalogue")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    if min(args.courses, args.learners, args.requests, args.rounds) < 1:
        parser.error("--courses, --learners, --requests and --rounds must be at least 1")
    return args


# --- Data ----------------------------------------------------------------------------------


def create_catalogue(args: argparse.Namespace):
    """Courses all over the district (a tenth online), most published and running,
    some ended, drafts or cancelled; bookings that fill many of them, with
    waiting lists and cancellations. Returns the learner who searches."""
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import LEARNER
    from courses.constants import BookingStatus, CourseStatus, Format, Level
    from courses.models import Booking, Course, Provider
    from places.models import Municipality, Venue

    rng = random.Random(args.seed)
    started = time.perf_counter()
    today = timezone.localdate()
    municipalities = list(Municipality.objects.order_by("pk"))
    with transaction.atomic():
        providers = Provider.objects.bulk_create(
            [Provider(name=f"Bench provider {i}") for i in range(20)]
        )
        venues = Venue.objects.bulk_create(
            [
                Venue(
                    name=f"Haus {i}",
                    street=f"Hauptstraße {i}",
                    postal_code=m.postal_code,
                    municipality=m,
                )
                for m in municipalities
                for i in range(2)
            ]
        )
        venues_of: dict[int, list] = {}
        for venue in venues:
            venues_of.setdefault(venue.municipality_id, []).append(venue)
        group, _ = Group.objects.get_or_create(name=LEARNER)
        home = next(m for m in municipalities if m.name == NEAR)
        users = User.objects.bulk_create(
            [
                User(
                    email=f"bench-learner-{i:05d}@example.invalid",
                    full_name=f"Learner {i}",
                    password="!",
                    home_municipality=home,
                )
                for i in range(args.learners + 1)
            ],
            batch_size=2000,
        )
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users], batch_size=5000
        )
        courses = []
        for i in range(args.courses):
            online = rng.random() < 0.1
            place = None if online else rng.choice(municipalities)
            venue = None if online or rng.random() < 0.2 else rng.choice(venues_of[place.pk])
            ended = rng.random() < 0.15
            starts_on = today + timedelta(
                days=rng.randint(-120, -20) if ended else rng.randint(-30, 90)
            )
            ends_on = starts_on + timedelta(weeks=rng.randint(2, 12))
            if ended:
                ends_on = min(ends_on, today - timedelta(days=1))
            childcare = rng.random() < 0.4
            hour = rng.choice((9, 10, 14, 17, 18))
            courses.append(
                Course(
                    title=f"Deutsch {i}",
                    description="Ein Kurs für alle, die Deutsch lernen.",
                    level=rng.choice(Level.values),
                    format=Format.ONLINE
                    if online
                    else rng.choice((Format.IN_PERSON, Format.IN_PERSON, Format.HYBRID)),
                    provider=rng.choice(providers),
                    venue=venue,
                    municipality=place,
                    seats=rng.randint(8, 20),
                    childcare_places=rng.randint(4, 10) if childcare else 0,
                    childcare_min_age=1 if childcare else None,
                    childcare_max_age=6 if childcare else None,
                    helper_languages=rng.sample(["ar", "uk", "tr", "fa", "ru", "en"], 2),
                    starts_on=starts_on,
                    ends_on=ends_on,
                    weekdays=sorted(rng.sample(range(5), rng.choice((1, 2)))),
                    start_time=clock(hour, 0),
                    end_time=clock(hour + 2, 0),
                    status=rng.choices(
                        (CourseStatus.PUBLISHED, CourseStatus.DRAFT, CourseStatus.CANCELLED),
                        (90, 5, 5),
                    )[0],
                )
            )
        courses = Course.objects.bulk_create(courses, batch_size=2000)
        bookings = []
        learners = users[1:]
        for course in courses:
            wanted = min(len(learners), max(0, int(rng.gauss(args.bookings, args.bookings / 2))))
            for rank, learner in enumerate(rng.sample(learners, wanted)):
                if rng.random() < 0.1:
                    status = BookingStatus.CANCELLED
                elif rank < course.seats:
                    status = BookingStatus.CONFIRMED
                else:
                    status = BookingStatus.WAITLISTED
                care = 1 if course.childcare_places and rng.random() < 0.2 else 0
                bookings.append(
                    Booking(
                        course=course,
                        learner=learner,
                        status=status,
                        childcare_places=care,
                        children_ages=[3] * care,
                    )
                )
        Booking.objects.bulk_create(bookings, batch_size=5000)
    vacuum_analyze()
    say(
        f"{len(courses)} courses, {len(bookings)} bookings, {len(learners)} learners "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return users[0], home


# --- Main ------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    with postgres(REPO_DIR / "var" / "services-bench-catalogue"):
        django_in_process(args.db_name)
        from django.test import Client

        from courses.constants import CourseStatus
        from courses.models import Course

        searcher, home = create_catalogue(args)
        client = Client()
        client.force_login(searcher)
        near = f"near={home.pk}&radius_km={RADIUS_KM}"
        cases = {
            "GET /api/v1/me/ (baseline)": "/api/v1/me/",
            f"GET /api/v1/courses/?near=…&radius_km={RADIUS_KM}": f"/api/v1/courses/?{near}",
            f"GET /courses/?near=…&radius_km={RADIUS_KM}": f"/courses/?{near}",
            "GET /api/v1/courses/": "/api/v1/courses/",
            "GET /courses/ (first visit: around home)": "/courses/",
            f"GET /api/v1/courses/?near=…&radius_km={RADIUS_KM}&page=5": (
                f"/api/v1/courses/?{near}&page=5"
            ),
        }

        def getter(path: str):
            def call():
                response = client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"ABORT: {path} answered {response.status_code}")
                return response

            return call

        calls = {case: getter(path) for case, path in cases.items()}
        after_a_change = "GET /api/v1/courses/?near=… after a change"
        calls[after_a_change] = getter(f"/api/v1/courses/?{near}")
        changed = Course.objects.filter(status=CourseStatus.PUBLISHED).order_by("pk").first()
        edits = iter(range(1, 1_000_000))

        def change_a_course():
            # A coordinator edits a course (committed, outside the clock): the
            # next search counts and pages again.
            Course.objects.filter(pk=changed.pk).update(description=f"Geändert {next(edits)}")

        prepares = {after_a_change: change_a_course}

        def queries_of_case(case):
            if case in prepares:  # a first time, every time
                prepares[case]()
                return str(queries_of(calls[case]))
            return f"{queries_of(calls[case])}/{queries_of(calls[case])}"

        # Statements of a search the first time and again: the count and the page's
        # ids are kept per process until a course changes (``selectors.Listing``).
        queries = {case: queries_of_case(case) for case in calls}
        found = client.get(f"/api/v1/courses/?{near}")
        say(
            f"Search around {NEAR} ({RADIUS_KM} km): {found.json()['count']} of "
            f"{args.courses} courses match"
        )
        rounds = []
        for number in range(1, args.rounds + 1):
            say(f"Round {number} ...")
            rounds.append(
                [
                    time_calls(case, call, args.requests, prepare=prepares.get(case))
                    for case, call in calls.items()
                ]
            )
        say()
        say(
            f"Catalogue: {args.courses} courses, ~{args.bookings} bookings each, "
            f"{args.requests} requests per case and round, in-process (test client), PostgreSQL; "
            "queries: the first time / again"
        )
        medians = report(rounds, args.requests, queries, baseline=next(iter(cases)))
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"medians": medians, "queries": queries}, indent=2))
            say(f"Figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
