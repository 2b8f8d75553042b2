"""The feed's ETag comes from two statements, not from the built body: an
unchanged feed answers 304 without building, every change that alters the
body changes the ETag (no stale 304, ever), and the body is byte for byte what
``builders.feed`` writes for the same events."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from accounts.roles import COORDINATOR, LEARNER
from calendars import selectors, services
from calendars.builders import feed
from calendars.feeds import _bodies, _copies, event_bytes, feed_body
from calendars.selectors import feed_events
from coaching import services as coaching_services
from coaching.constants import EndReason
from courses import services as course_services
from courses.models import Booking, Course
from places.models import Municipality

from ..factories import CourseFactory, UserFactory, VenueFactory, municipality
from .conftest import book, make_meeting, make_mentorship, spring_course
from .reference import model_feed, model_feed_events

pytestmark = pytest.mark.django_db

START = dt.datetime(2027, 1, 15, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    """Time that moves on by a minute between the steps of a test (as real changes do)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield lambda: traveller.shift(dt.timedelta(minutes=1))


def fetch(user, etag: str | None = None, query: str = ""):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return Client().get(f"/calendars/{services.feed_token(user)}.ics{query}", **headers)


def the_old_feed(user, region=None) -> bytes:
    """The body as the view built it before: model instances, icalendar over the
    whole calendar (``reference.model_feed``)."""
    return model_feed(user, region)


@pytest.fixture
def world(clock, learner):
    """A learner with two courses (one at a venue, one with a moved session) and a
    running mentorship with two meetings."""
    venue = VenueFactory(name="Bürgerhaus", municipality=municipality("Bad Rappenau"))
    at_venue = spring_course(venue=venue, municipality=venue.municipality)
    other = spring_course(title="Deutsch B1", level="B1")
    for course in (at_venue, other):
        book(course, learner)
    session = other.sessions.order_by("date").first()
    course_services.move_session(
        session=session, to_date=session.date, start_time=dt.time(17, 0),
        end_time=dt.time(19, 0), note="Raum 2",
    )  # fmt: skip
    mentorship = make_mentorship(learner=learner)
    meetings = [make_meeting(mentorship, days=3), make_meeting(mentorship, days=10)]
    clock()
    return {"venue": venue, "courses": [at_venue, other], "mentorship": mentorship,
            "meetings": meetings, "learner": learner}  # fmt: skip


def test_the_body_is_byte_for_byte_what_the_whole_calendar_builder_writes(world, coordinator):
    learner = world["learner"]
    course_services.cancel_course(course=world["courses"][1], by=coordinator)
    response = fetch(learner)
    assert response.content == the_old_feed(learner)
    assert fetch(learner).content == response.content  # from the cache now, the same bytes
    coach = world["mentorship"].coach
    assert fetch(coach).content == the_old_feed(coach)
    coordinator.preferred_language = "ar"
    coordinator.save()
    assert fetch(coordinator, query="?region=NW").content == the_old_feed(coordinator, "NW")
    empty = UserFactory(roles=[LEARNER])
    assert fetch(empty).content == the_old_feed(empty)


def test_the_row_loader_reads_the_same_events_as_the_model_loader(world, coordinator):
    """Every kind of event the feed holds, read as plain rows and as model
    instances: equal dataclasses, field by field (so equal bytes)."""
    learner, (at_venue, other) = world["learner"], world["courses"]
    course_services.cancel_session(session=at_venue.sessions.order_by("date").last())
    hybrid = spring_course(format="hybrid", online_meeting_link="https://meet.example.org/x")
    book(hybrid, learner)
    left = spring_course(title="Verlassen")
    course_services.cancel_booking(booking=book(left, learner), by=learner)
    book(left, learner)  # back again: SEQUENCE offset 2
    make_meeting(world["mentorship"], days=5, online_link="https://meet.example.org/m")
    coaching_services.cancel_meeting(meeting=world["meetings"][1], by=world["mentorship"].coach)
    course_services.cancel_course(course=other, by=coordinator)
    coordinator.groups.add(*learner.groups.all())
    book(spring_course(title="Eigener"), coordinator)
    for user, region in [(learner, None), (world["mentorship"].coach, None),
                         (coordinator, "NW"), (coordinator, None)]:  # fmt: skip
        for language in ("de", "ar"):
            with translation.override(language):
                rows = sorted(feed_events(user, region=region), key=lambda e: e.uid)
                models = sorted(model_feed_events(user, region=region), key=lambda e: e.uid)
            assert rows == models, (user, region, language)
    by_uid = {e.uid: e for e in feed_events(learner)}
    assert len(by_uid) == 7  # 4 courses and 3 meetings
    assert {e.sequence_offset for e in by_uid.values() if hasattr(e, "sequence_offset")} == {0, 2}


def test_the_cached_body_equals_the_builder_for_every_event_kind(world):
    events = feed_events(world["learner"])
    assert {type(e).__name__ for e in events} == {"CourseSeries", "MeetingEvent"}
    assert feed_body(events, name="x") == feed(events, name="x")
    assert feed_body(reversed(events), name="x") == feed(events, name="x")
    assert event_bytes(events[0]).startswith(b"BEGIN:VEVENT\r\n")


def test_an_unchanged_feed_answers_304_from_two_queries_without_building(
    world, django_assert_max_num_queries, monkeypatch
):
    learner = world["learner"]
    etag = fetch(learner)["ETag"]
    token = services.feed_token(learner)

    def no_build(*args, **kwargs):
        raise AssertionError("a 304 must not build the feed")

    monkeypatch.setattr("calendars.views.selectors.feed_plan", no_build)
    with django_assert_max_num_queries(2):  # the token, the digest
        response = Client().get(f"/calendars/{token}.ics", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag and response["Cache-Control"] == "private, max-age=900"


def test_the_feed_costs_the_same_queries_for_few_and_many_events(
    clock, learner, django_assert_num_queries, django_assert_max_num_queries
):
    def grow(courses, meetings):
        for _ in range(courses):
            book(spring_course(), learner)
        mentorship = make_mentorship(learner=learner, request_status="closed")
        for days in range(meetings):
            make_meeting(mentorship, days=days + 1)

    grow(1, 1)
    client, url = Client(), f"/calendars/{services.feed_token(learner)}.ics"
    client.get(url)  # warm (the token, the translations)
    # Both measured requests build everything: no body kept by its ETag, no
    # course serialised before.
    _bodies.clear()
    _copies.clear()
    # The token, the digest; the courses' keys with the bookings, meetings; courses, sessions.
    with django_assert_max_num_queries(6) as few:
        client.get(url)
    grow(6, 5)
    _copies.clear()
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.count(b"BEGIN:VEVENT") == 7 + 6


def test_after_one_session_moved_only_its_course_is_read_again(
    world, clock, django_assert_max_num_queries
):
    learner = world["learner"]
    url = f"/calendars/{services.feed_token(learner)}.ics"
    first = Client().get(url)
    _move_session(world)
    clock()
    # The token, the digest; keys and bookings, meetings; one course, its sessions.
    with django_assert_max_num_queries(6) as moved:
        response = Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200 and response["ETag"] != first["ETag"]
    assert response.content == the_old_feed(learner) != first.content
    sessions = [q["sql"] for q in moved.captured_queries if "courses_coursesession" in q["sql"]]
    # Only the moved session's course (its row, its sessions): by its id alone.
    assert len(sessions) == 2
    assert all(f"IN ({world['courses'][0].pk})" in sql for sql in sessions), sessions
    _bodies.clear()
    with django_assert_max_num_queries(4):  # nothing changed: no course read again
        assert Client().get(url).content == response.content


def test_the_database_raises_a_courses_sessions_version_with_every_change_of_its_sessions(
    world, coordinator
):
    """``Course.sessions_version`` (migration ``courses.0008``) is what the
    ETag and the per-course cache read instead of the sessions: it must rise
    with every insert, update (a service's or a bulk one) and delete, and a
    full save of a course read earlier must not set it back."""
    course = world["courses"][0]

    def version():
        return Course.objects.values_list("sessions_version", flat=True).get(pk=course.pk)

    other = world["courses"][1]
    others = Course.objects.values_list("sessions_version", flat=True).get(pk=other.pk)
    seen = [version()]
    assert seen[0] > 0 and course.sessions.exists()  # the sessions' insert raised it
    stale = Course.objects.get(pk=course.pk)
    session = course.sessions.order_by("date").last()
    course_services.move_session(
        session=session, to_date=session.date, start_time=dt.time(8, 0), end_time=dt.time(9, 0)
    )
    seen.append(version())
    course.sessions.filter(pk=session.pk).update(note="bulk")
    seen.append(version())
    stale.description = "Neu"
    stale.save()  # a full save of a course read before its sessions changed
    seen.append(version())
    course.sessions.filter(pk=session.pk).delete()
    seen.append(version())
    course_services.cancel_course(course=course, by=coordinator)  # one bulk update
    seen.append(version())
    assert seen[1] > seen[0] and seen[2] > seen[1] and seen[3] == seen[2]
    assert seen[4] > seen[3] and seen[5] > seen[4]
    # Another course's sessions were not touched: its version stayed.
    assert Course.objects.values_list("sessions_version", flat=True).get(pk=other.pk) == others


# --- Every change that alters the body changes the ETag -------------------------------------


def _rename_municipality(w, **_):
    place = Municipality.objects.get(pk=w["venue"].municipality_id)
    place.name = "Bad Rappenau (Kernstadt)"
    place.save()


def _rename_coach(w, **_):
    coach = w["mentorship"].coach
    coach.full_name = "Cem Coach-Yilmaz"
    coach.save()


def _rename_learner(w, **_):
    w["learner"].full_name = "Lina Neu"
    w["learner"].save()


def _language(w, **_):
    w["learner"].preferred_language = "uk"
    w["learner"].save()


def _cancel_booking(w, **_):
    booking = Booking.objects.get(learner=w["learner"], course=w["courses"][0])
    course_services.cancel_booking(booking=booking, by=w["learner"])


def _book_again(w, **_):
    _cancel_booking(w)
    book(w["courses"][0], w["learner"])


def _move_session(w, **_):
    session = w["courses"][0].sessions.order_by("date").last()
    course_services.move_session(
        session=session, to_date=session.date, start_time=dt.time(8, 0), end_time=dt.time(9, 0)
    )


def _cancel_session(w, **_):
    course_services.cancel_session(session=w["courses"][0].sessions.order_by("date").last())


def _cancel_course(w, coordinator, **_):
    course_services.cancel_course(course=w["courses"][0], by=coordinator)


def _edit_title(w, coordinator, **_):
    course_services.update_course(course=w["courses"][0], by=coordinator, title="Deutsch neu")


def _edit_what_to_bring(w, coordinator, **_):
    # Not shown in calendars, but LAST-MODIFIED moves: the body changes.
    course_services.update_course(course=w["courses"][0], by=coordinator, what_to_bring="Stift")


def _edit_venue(w, coordinator, **_):
    course_services.update_venue(venue=w["venue"], by=coordinator, street="Neue Straße 2")


def _new_booking(w, **_):
    book(spring_course(title="Noch ein Kurs"), w["learner"])


def _schedule_meeting(w, **_):
    mentorship = w["mentorship"]
    start = timezone.now() + dt.timedelta(days=20)
    coaching_services.schedule_meeting(
        mentorship=mentorship, by=mentorship.coach, starts_at=start,
        ends_at=start + dt.timedelta(hours=1), place="Café",
    )  # fmt: skip


def _move_meeting(w, **_):
    meeting, coach = w["meetings"][0], w["mentorship"].coach
    start = meeting.starts_at + dt.timedelta(hours=2)
    coaching_services.move_meeting(
        meeting=meeting, by=coach, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )


def _cancel_meeting(w, **_):
    coaching_services.cancel_meeting(meeting=w["meetings"][0], by=w["mentorship"].coach)


def _end_mentorship(w, **_):
    mentorship = w["mentorship"]
    coaching_services.end_mentorship(
        mentorship=mentorship, by=mentorship.coach, reason=EndReason.GOAL_REACHED
    )


def _erase_coach(w, coordinator, **_):
    from accounts.services import erase_person

    erase_person(person=w["mentorship"].coach, by=coordinator, reason="asked")


CHANGES = [
    _rename_municipality, _rename_coach, _rename_learner, _language, _cancel_booking,
    _book_again, _move_session, _cancel_session, _cancel_course, _edit_title,
    _edit_what_to_bring, _edit_venue, _new_booking, _schedule_meeting, _move_meeting,
    _cancel_meeting, _end_mentorship, _erase_coach,
]  # fmt: skip


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_every_change_to_the_body_changes_the_etag(change, world, clock, coordinator):
    learner = world["learner"]
    before = fetch(learner)
    assert fetch(learner, before["ETag"]).status_code == 304
    change(world, coordinator=coordinator)
    clock()
    learner.refresh_from_db()
    after = fetch(learner, before["ETag"])
    assert after.content != before.content, "the change should show in the feed"
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert after.content == the_old_feed(learner)
    assert fetch(learner, after["ETag"]).status_code == 304


def test_a_region_feed_changes_with_a_course_published_there_and_with_the_date(clock):
    coordinator = UserFactory(roles=[COORDINATOR])
    CourseFactory(municipality=municipality("Bad Rappenau"))
    first = fetch(coordinator, query="?region=NW")
    CourseFactory(municipality=municipality("Offenau"))
    clock()
    second = fetch(coordinator, first["ETag"], query="?region=NW")
    assert second.status_code == 200 and second["ETag"] != first["ETag"]
    assert fetch(coordinator, second["ETag"], query="?region=SE").status_code == 200
    with time_machine.travel(START + dt.timedelta(days=2), tick=False):
        # The cut-off date moved: the ETag does not outlive the day.
        assert fetch(coordinator, second["ETag"], query="?region=NW").status_code == 200


def test_an_unconditional_get_of_an_unchanged_feed_is_served_by_its_etag_without_a_build(
    world, clock, monkeypatch
):
    learner = world["learner"]
    first = fetch(learner)
    built = selectors.feed_plan
    calls = []

    def counted(*args, **kwargs):
        calls.append(args)
        return built(*args, **kwargs)

    monkeypatch.setattr("calendars.views.selectors.feed_plan", counted)
    again = fetch(learner)
    assert again.status_code == 200 and calls == []
    assert again.content == first.content and again["ETag"] == first["ETag"]
    _move_session(world)
    clock()
    moved = fetch(learner)
    assert len(calls) == 1 and moved["ETag"] != first["ETag"]
    assert moved.content == the_old_feed(learner) != first.content
