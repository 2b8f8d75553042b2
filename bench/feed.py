"""Personal calendar feed with 1,000 events, in-process, on PostgreSQL.

    .venv/bin/python bench/feed.py                              # 1,000 events, 100 requests, 3 rounds
    .venv/bin/python bench/feed.py --courses 200 --meetings 20 --requests 20 --rounds 1   # quick

One learner holds confirmed places in ``--courses`` courses (weekly, 12
sessions each, some moved or cancelled, most at a venue) and has
``--meetings`` coaching meetings: ``--courses + --meetings`` events in their
private feed (``GET /calendars/<token>.ics``). Timed with Django's test
client against PostgreSQL in this process, per round:

* the baseline, ``GET /api/v1/me/`` for the same person;
* the feed unchanged, an unconditional GET (a 200: since the body is kept
  per process by its ETag, no build unless something changed);
* the feed revalidated: ``If-None-Match`` with the ETag it gave (a 304);
* the feed after a change a coordinator makes (a session of one of the
  courses moved before every request, outside the clock): built again, never
  a 304.

After the rounds, ``--cold-requests`` builds with nothing kept in the process
(no body, no serialised event: a freshly started worker) are timed once.

With ``DATABASE_URL`` pointing at PostgreSQL the benchmark uses that server;
otherwise it starts a private PostgreSQL with ``scripts/services.sh``. It
always works in its own database, ``kurslotse_bench_feed``, dropped and
re-created on every run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

from benchkit import REPO_DIR, postgres, say
from inprocesskit import django_in_process, queries_of, report, time_calls, vacuum_analyze


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=900, help="courses the learner booked")
    parser.add_argument("--meetings", type=int, default=100, help="coaching meetings")
    parser.add_argument("--requests", type=int, default=100, help="requests per case and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; medians are reported")
    parser.add_argument(
        "--cold-requests", type=int, default=10,
        help="builds with nothing kept in the process, timed once after the rounds (0: none)",
    )  # fmt: skip
    parser.add_argument("--db-name", default="kurslotse_bench_feed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    if min(args.requests, args.rounds) < 1 or min(args.courses, args.meetings) < 0:
        parser.error("--requests and --rounds must be at least 1")
    return args


def create_feed(args: argparse.Namespace):
    """The learner, their bookings, the courses' sessions and their meetings."""
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import COACH, LEARNER
    from calendars.builders import BERLIN
    from coaching.models import CoachingRequest, Meeting, Mentorship
    from courses.constants import BookingStatus, Format, Level, SessionStatus
    from courses.models import Booking, Course, CourseSession
    from places.models import Municipality, Venue

    rng = random.Random(args.seed)
    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    places = list(Municipality.objects.order_by("pk"))
    with transaction.atomic():
        venues = Venue.objects.bulk_create(
            [
                Venue(
                    name=f"Bürgerhaus {m.name}",
                    street="Marktplatz 1",
                    postal_code=m.postal_code,
                    municipality=m,
                )
                for m in places
            ]
        )
        learner = User.objects.create(
            email="feed-learner@example.invalid", full_name="Lina Lernende", password="!",
            preferred_language="de",
        )  # fmt: skip
        coach = User.objects.create(
            email="feed-coach@example.invalid", full_name="Cem Coach", password="!"
        )
        learner.groups.add(Group.objects.get_or_create(name=LEARNER)[0])
        coach.groups.add(Group.objects.get_or_create(name=COACH)[0])
        courses = []
        for i in range(args.courses):
            venue = rng.choice(venues) if rng.random() < 0.8 else None
            starts_on = today + timedelta(days=rng.randint(-60, 120))
            weekday = starts_on.weekday()
            hour = rng.choice((9, 14, 18))
            courses.append(
                Course(
                    title=f"Deutsch {Level.values[i % len(Level.values)]} Kurs {i}",
                    description="Wir üben Alltagssituationen: Einkaufen, Arzt, Behörden.",
                    level=Level.values[i % len(Level.values)],
                    format=Format.IN_PERSON if venue else Format.ONLINE,
                    venue=venue,
                    municipality=venue.municipality if venue else None,
                    online_meeting_link="" if venue else "https://meet.example.org/kurs",
                    seats=20,
                    starts_on=starts_on,
                    ends_on=starts_on + timedelta(weeks=11),
                    weekdays=[weekday],
                    start_time=clock(hour, 0),
                    end_time=clock(hour + 2, 0),
                    exception_dates=[(starts_on + timedelta(weeks=5)).isoformat()],
                )
            )
        courses = Course.objects.bulk_create(courses, batch_size=1000)
        sessions = []
        for course in courses:
            for week in range(12):
                day = course.starts_on + timedelta(weeks=week)
                if week == 5:
                    continue  # the exception date
                moved = week == 3 and rng.random() < 0.3
                cancelled = week == 8 and rng.random() < 0.3
                sessions.append(
                    CourseSession(
                        course=course,
                        original_date=day,
                        date=day + timedelta(days=1) if moved else day,
                        start_time=course.start_time,
                        end_time=course.end_time,
                        status=SessionStatus.CANCELLED if cancelled else SessionStatus.SCHEDULED,
                        note="Raum 2" if moved else "",
                        sequence=1 if moved or cancelled else 0,
                    )
                )
        CourseSession.objects.bulk_create(sessions, batch_size=5000)
        Booking.objects.bulk_create(
            [
                Booking(
                    course=course, learner=learner, status=BookingStatus.CONFIRMED, confirmed_at=now
                )
                for course in courses
            ],
            batch_size=1000,
        )
        request = CoachingRequest.objects.create(
            learner=learner, created_by=learner, programme="jobcoaching", languages=["ar"],
            german_level="A2", municipality=places[0], status="matched",
        )  # fmt: skip
        mentorship = Mentorship.objects.create(request=request, coach=coach, learner=learner)
        first = datetime.combine(today, clock(10, 0), tzinfo=BERLIN)
        Meeting.objects.bulk_create(
            [
                Meeting(
                    mentorship=mentorship,
                    starts_at=first + timedelta(days=7 * i),
                    ends_at=first + timedelta(days=7 * i, hours=1),
                    place="Rathaus",
                )
                for i in range(args.meetings)
            ]
        )
    vacuum_analyze()
    say(
        f"{len(courses)} courses ({len(sessions)} sessions) and {args.meetings} meetings "
        f"in one learner's feed, in {time.perf_counter() - started:.1f} s"
    )
    return learner, courses


def main() -> int:
    args = parse_args()
    with postgres(REPO_DIR / "var" / "services-bench-feed"):
        django_in_process(args.db_name)
        from django.test import Client

        from calendars import services as calendar_services
        from courses import services as course_services
        from courses.models import CourseSession

        learner, courses = create_feed(args)
        token = calendar_services.feed_token(learner)
        url = f"/calendars/{token}.ics"
        me = Client()
        me.force_login(learner)
        feed_client = Client()
        first = feed_client.get(url)
        if first.status_code != 200 or first.content.count(b"BEGIN:VEVENT") < args.courses:
            raise SystemExit(f"ABORT: the feed answered {first.status_code}")
        etag = first["ETag"]
        uids = {line for line in first.content.split(b"\r\n") if line.startswith(b"UID:")}
        say(
            f"Feed: {len(first.content) / 1024:.0f} KiB, {len(uids)} events "
            f"({first.content.count(b'BEGIN:VEVENT')} VEVENTs), ETag {etag}"
        )
        session = CourseSession.objects.filter(course=courses[0]).order_by("date").last()
        moves = iter(range(1, 1_000_000))
        state = {"etag": etag}

        def baseline():
            assert me.get("/api/v1/me/").status_code == 200

        def built():
            assert feed_client.get(url).status_code == 200

        def revalidated():
            response = feed_client.get(url, HTTP_IF_NONE_MATCH=state["etag"])
            assert response.status_code == 304, response.status_code

        def move_a_session():
            # A coordinator moves a session: outside the clock (``prepare``), so the
            # case times the feed's build alone.
            minutes = next(moves) % 50
            course_services.move_session(
                session=session, to_date=session.date, start_time=clock(17, minutes),
                end_time=clock(19, 55),
            )  # fmt: skip

        def after_a_change():
            response = feed_client.get(url, HTTP_IF_NONE_MATCH=state["etag"])
            assert response.status_code == 200, "a stale 304 after a change"
            state["etag"] = response["ETag"]

        calls = {
            "GET /api/v1/me/ (baseline)": baseline,
            "GET feed unchanged, no If-None-Match (200)": built,
            "GET feed, If-None-Match (304)": revalidated,
            "GET feed after a session moved (200)": after_a_change,
        }
        prepares = {"GET feed after a session moved (200)": move_a_session}

        def queries_of_cold(prepare, call):
            prepare()
            return queries_of(call)

        def queries_of_case(case):
            if case in prepares:
                prepares[case]()
            return queries_of(calls[case])

        queries = {case: queries_of_case(case) for case in calls}
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
            f"Personal feed: {args.courses} courses + {args.meetings} meetings = "
            f"{args.courses + args.meetings} events, {args.requests} requests per case and "
            "round, in-process (test client), PostgreSQL. The move before the last case is not timed."
        )
        medians = report(rounds, args.requests, queries, baseline=next(iter(calls)))
        if args.cold_requests:
            from calendars import feeds as calendar_feeds

            def forget_everything():
                # A process that has served nothing yet: no body kept by its ETag,
                # no serialised event (outside the clock).
                calendar_feeds._bodies.clear()
                calendar_feeds._copies.clear()

            cold = time_calls("cold", built, args.cold_requests, prepare=forget_everything)
            say(
                f"A cold build (nothing kept in the process, {args.cold_requests} requests, "
                f"{queries_of_cold(forget_everything, built)} queries): "
                f"p50 {cold.p50:.2f} ms, p95 {cold.p95:.2f} ms"
            )
            medians["cold build"] = {"p50_ms": cold.p50, "p95_ms": cold.p95}
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"medians": medians, "queries": queries}, indent=2))
            say(f"Figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
