"""From the database to calendars: courses, bookings and meetings as they change
through the services, and the invitations each recipient gets."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import COORDINATOR, LEARNER
from calendars import selectors
from calendars.builders import feed, invitation
from calendars.events import Method
from calendars.invitations import course_invitation, invitation_for, meeting_invitation
from coaching import services as coaching_services
from courses import services as course_services
from courses.constants import Format, SessionStatus
from courses.models import CourseSession

from ..factories import UserFactory, municipality
from .conftest import book, make_meeting, make_mentorship, spring_course
from .helpers import BERLIN, occurrences, parse, vevents

pytestmark = pytest.mark.django_db

ZOOM = "https://meet.example.org/kurs-geheim-123"


def calendar_of(course, include_online_link=False) -> bytes:
    fresh = selectors.courses_for_calendar().get(pk=course.pk)
    return feed([selectors.course_event(fresh, include_online_link)], name="x")


def planned(course) -> list[tuple[dt.date, dt.time, dt.time]]:
    """The scheduled sessions in the database, as (date, start, end)."""
    return [
        (s.date, s.start_time, s.end_time)
        for s in CourseSession.objects.filter(course=course, status=SessionStatus.SCHEDULED)
    ]


def expanded(ics: bytes) -> list[tuple[dt.date, dt.time, dt.time]]:
    return [(o.start.date(), o.start.time(), o.end.time()) for o in occurrences(ics)]


def sequence_of(ics: bytes) -> int:
    return max(int(event["SEQUENCE"]) for event in vevents(ics))


def session_on(course, day: dt.date) -> CourseSession:
    return CourseSession.objects.get(course=course, original_date=day)


# --- Courses --------------------------------------------------------------------------------


def test_calendar_of_a_new_course_has_exactly_its_sessions_across_the_time_change():
    course = spring_course()
    ics = calendar_of(course)
    assert expanded(ics) == planned(course)
    assert len(planned(course)) == 5  # six Tuesdays minus the Easter holiday
    assert dt.date(2027, 3, 30) not in [day for day, _, _ in expanded(ics)]
    offsets = {o.start.utcoffset() for o in occurrences(ics)}
    assert offsets == {dt.timedelta(hours=1), dt.timedelta(hours=2)}


# Before the spring course begins, so every move lands in the future on any day the suite runs.
@time_machine.travel(dt.datetime(2027, 1, 11, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")), tick=False)
def test_moves_and_cancellations_through_the_services_show_and_raise_the_sequence():
    course = spring_course()
    sequences = [sequence_of(calendar_of(course))]
    course_services.move_session(
        session=session_on(course, dt.date(2027, 3, 23)), to_date=dt.date(2027, 3, 31),
        start_time=dt.time(9, 0), end_time=dt.time(11, 0), note="Raum 2",
    )  # fmt: skip
    sequences.append(sequence_of(calendar_of(course)))
    course_services.cancel_session(session=session_on(course, dt.date(2027, 4, 6)), note="Krank")
    sequences.append(sequence_of(calendar_of(course)))
    course_services.move_session(
        session=session_on(course, dt.date(2027, 3, 9)), to_date=dt.date(2027, 3, 10),
        start_time=dt.time(18, 0), end_time=dt.time(20, 0),
    )  # fmt: skip
    ics = calendar_of(course)
    sequences.append(sequence_of(ics))

    assert expanded(ics) == planned(course)
    days = [day for day, _, _ in expanded(ics)]
    assert dt.date(2027, 3, 31) in days and dt.date(2027, 3, 23) not in days
    assert dt.date(2027, 4, 6) not in days
    moved = next(o for o in occurrences(ics) if o.start.date() == dt.date(2027, 3, 31))
    assert moved.start == dt.datetime(2027, 3, 31, 9, 0, tzinfo=BERLIN)
    assert sequences == sorted(set(sequences)), sequences
    master = next(e for e in vevents(ics) if "RECURRENCE-ID" not in e)
    assert "Krank" not in str(master.get("DESCRIPTION", ""))
    assert "6.4.2027" in str(master["DESCRIPTION"]) or "06/04/2027" in str(master["DESCRIPTION"])


def test_cancelling_the_course_marks_the_series_cancelled_with_a_higher_sequence(coordinator):
    course = spring_course()
    before = sequence_of(calendar_of(course))
    course_services.cancel_course(course=course, by=coordinator)
    ics = calendar_of(course)
    assert sequence_of(ics) > before
    assert {o.status for o in occurrences(ics)} == {"CANCELLED"}


def test_online_link_only_for_participants():
    course = spring_course(format=Format.ONLINE, municipality=None, online_meeting_link=ZOOM)
    assert ZOOM.encode() not in calendar_of(course, include_online_link=False)
    with_link = vevents(calendar_of(course, include_online_link=True))[0]
    assert str(with_link["LOCATION"]) == ZOOM


def test_location_is_the_venue_address():
    from ..factories import VenueFactory

    venue = VenueFactory()
    course = spring_course(venue=venue, municipality=municipality())
    event = vevents(calendar_of(course))[0]
    assert str(event["LOCATION"]) == "Bürgerhaus, Hauptstraße 1, 74906 Bad Rappenau"


# --- Course invitations ---------------------------------------------------------------------


def test_booking_invitations_rise_through_leaving_and_booking_again(learner):
    course = spring_course()
    first = book(course, learner)
    mimetype, request_ics = invitation_for(
        kind="course", object_id=course.pk, method="REQUEST", recipient=learner
    )
    assert mimetype == "text/calendar; method=REQUEST"
    event = vevents(request_ics)[0]
    assert str(event["ATTENDEE"]) == f"mailto:{learner.email}"
    assert "ORGANIZER" in event

    course_services.cancel_booking(booking=first, by=learner)
    assert (
        invitation_for(kind="course", object_id=course.pk, method="REQUEST", recipient=learner)
        is None
    )
    _, cancel_ics = invitation_for(
        kind="course", object_id=course.pk, method="CANCEL", recipient=learner
    )
    assert str(parse(cancel_ics)["METHOD"]) == "CANCEL"

    book(course, learner)
    _, again_ics = invitation_for(
        kind="course", object_id=course.pk, method="REQUEST", recipient=learner
    )
    # A late CANCEL of the first booking must not remove the new one.
    assert (
        invitation_for(kind="course", object_id=course.pk, method="CANCEL", recipient=learner)
        is None
    )
    assert sequence_of(request_ics) < sequence_of(cancel_ics) < sequence_of(again_ics)
    uids = {str(vevents(ics)[0]["UID"]) for ics in (request_ics, cancel_ics, again_ics)}
    assert uids == {f"course-{course.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}"}


def test_course_cancel_invitation_follows_the_last_request(learner, coordinator):
    course = spring_course()
    book(course, learner)
    _, before = invitation_for(
        kind="course", object_id=course.pk, method="REQUEST", recipient=learner
    )
    course_services.cancel_course(course=course, by=coordinator)
    assert (
        invitation_for(kind="course", object_id=course.pk, method="REQUEST", recipient=learner)
        is None
    )
    _, cancel = invitation_for(
        kind="course", object_id=course.pk, method="CANCEL", recipient=learner
    )
    assert sequence_of(cancel) > sequence_of(before)
    assert str(vevents(cancel)[0]["STATUS"]) == "CANCELLED"


def test_session_change_request_replaces_the_series_with_a_higher_sequence(learner):
    course = spring_course()
    booking = book(course, learner)
    before = course_invitation(booking, Method.REQUEST)
    course_services.cancel_session(session=session_on(course, dt.date(2027, 3, 16)))
    booking.refresh_from_db()
    after = course_invitation(booking, Method.REQUEST)
    assert sequence_of(after) > sequence_of(before)
    assert dt.date(2027, 3, 16) not in [o.start.date() for o in occurrences(after)]


def test_no_invitation_for_a_waiting_list_place_or_a_stranger(learner, other_learner):
    course = spring_course(seats=1)
    book(course, other_learner)
    book(course, learner)  # waitlisted
    for method in ("REQUEST", "CANCEL"):
        assert (
            invitation_for(kind="course", object_id=course.pk, method=method, recipient=learner)
            is None
        )
    stranger = UserFactory(roles=[LEARNER])
    assert (
        invitation_for(kind="course", object_id=course.pk, method="REQUEST", recipient=stranger)
        is None
    )


def test_online_link_reaches_the_confirmed_learner_invitation(learner):
    course = spring_course(format=Format.ONLINE, municipality=None, online_meeting_link=ZOOM)
    book(course, learner)
    _, ics = invitation_for(kind="course", object_id=course.pk, method="REQUEST", recipient=learner)
    assert ZOOM in str(vevents(ics)[0]["LOCATION"])


# --- Meetings -------------------------------------------------------------------------------


def test_meeting_invitation_for_both_participants_and_nobody_else(mentorship):
    meeting = make_meeting(mentorship, online_link="https://meet.example.org/x", place="Café")
    for person in (mentorship.learner, mentorship.coach):
        _, ics = invitation_for(
            kind="meeting", object_id=meeting.pk, method="REQUEST", recipient=person
        )
        event = vevents(ics)[0]
        # The office organizes (RFC 6047: the sender); the coach is an attendee.
        assert str(event["ORGANIZER"]) == f"mailto:{selectors.office().email}"
        assert f"mailto:{mentorship.coach.email}" in [str(a) for a in event["ATTENDEE"]]
        assert str(event["LOCATION"]) == "Café"
        assert "https://meet.example.org/x" in str(event["DESCRIPTION"])
    stranger = UserFactory(roles=[LEARNER])
    assert (
        invitation_for(kind="meeting", object_id=meeting.pk, method="REQUEST", recipient=stranger)
        is None
    )


def test_meeting_move_and_cancel_raise_the_sequence(mentorship):
    coach, learner = mentorship.coach, mentorship.learner
    meeting = make_meeting(mentorship)
    first = meeting_invitation(selectors.meetings_for_calendar().get(pk=meeting.pk), "REQUEST")
    later = meeting.starts_at + dt.timedelta(days=1)
    coaching_services.move_meeting(
        meeting=meeting, by=coach, starts_at=later, ends_at=later + dt.timedelta(hours=1)
    )
    _, moved = invitation_for(
        kind="meeting", object_id=meeting.pk, method="REQUEST", recipient=learner
    )
    coaching_services.cancel_meeting(meeting=meeting, by=coach)
    assert (
        invitation_for(kind="meeting", object_id=meeting.pk, method="REQUEST", recipient=learner)
        is None
    )
    _, cancelled = invitation_for(
        kind="meeting", object_id=meeting.pk, method="CANCEL", recipient=learner
    )
    assert sequence_of(first) < sequence_of(moved) < sequence_of(cancelled)
    assert occurrences(moved)[0].start == later.astimezone(BERLIN)
    assert str(vevents(cancelled)[0]["STATUS"]) == "CANCELLED"


# --- What a feed holds ----------------------------------------------------------------------


def uids(events) -> set[str]:
    return {event.uid for event in events}


def test_feed_events_hold_confirmed_courses_and_own_meetings_only(learner, other_learner):
    confirmed = spring_course()
    book(confirmed, learner)
    full = spring_course(seats=1)
    book(full, other_learner)
    book(full, learner)  # waiting
    left = spring_course()
    course_services.cancel_booking(booking=book(left, learner), by=learner)
    mine = make_mentorship(learner=learner)
    meeting = make_meeting(mine)
    cancelled = make_meeting(mine, days=5)
    coaching_services.cancel_meeting(meeting=cancelled, by=mine.coach)
    make_meeting(make_mentorship(learner=other_learner))  # someone else's
    ended = make_mentorship(learner=learner, programme="care_language")
    make_meeting(ended)  # cancelled by ending the mentorship, which leaves the feed
    coaching_services.end_mentorship(mentorship=ended, by=ended.coach, reason="goal_reached")

    events = selectors.feed_events(learner)
    assert uids(events) == {
        f"course-{confirmed.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}",
        f"meeting-{meeting.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}",
        f"meeting-{cancelled.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}",
    }
    by_uid = {event.uid: event for event in events}
    assert by_uid[f"meeting-{cancelled.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}"].cancelled
    # the coach's feed shows the same meetings
    assert f"meeting-{meeting.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}" in uids(
        selectors.feed_events(mine.coach)
    )


def test_a_course_cancelled_under_a_confirmed_booking_stays_in_the_feed_as_cancelled(
    learner, coordinator
):
    course = spring_course()
    book(course, learner)
    course_services.cancel_course(course=course, by=coordinator)
    (event,) = selectors.feed_events(learner)
    assert event.cancelled
    assert {o.status for o in occurrences(feed([event], name="x"))} == {"CANCELLED"}


def test_region_courses_for_a_coordinator_without_online_links():
    coordinator = UserFactory(roles=[COORDINATOR])
    north_west = spring_course(format=Format.HYBRID, online_meeting_link=ZOOM)  # Bad Rappenau
    spring_course(municipality=municipality("Neckarsulm"))  # NE
    spring_course(format=Format.ONLINE, municipality=None, online_meeting_link=ZOOM)  # no region
    events = selectors.feed_events(coordinator, region="NW")
    assert uids(events) == {f"course-{north_west.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}"}
    assert ZOOM.encode() not in feed(events, name="x")


def test_own_booking_wins_over_the_region_copy(learner):
    coordinator = UserFactory(roles=[COORDINATOR, LEARNER])
    course = spring_course(format=Format.HYBRID, online_meeting_link=ZOOM)
    book(course, coordinator)
    (event,) = selectors.feed_events(coordinator, region="NW")
    assert ZOOM in event.description
    assert event.attendees


def test_feed_costs_the_same_number_of_queries_for_one_or_many_events(
    django_assert_max_num_queries,
):
    def world(n):
        learner = UserFactory(roles=[LEARNER])
        coordinator = UserFactory(roles=[COORDINATOR, LEARNER])
        for _ in range(n):
            course = spring_course()
            book(course, learner)
            book(course, coordinator)
            course_services.cancel_session(session=course.sessions.first())
            m = make_mentorship(learner=learner, request_status="closed")
            make_meeting(m)
            make_meeting(m, days=4)
            make_mentorship(coach=m.coach, learner=coordinator, request_status="closed")
        return learner, coordinator

    def count(user, region):
        with CaptureQueriesContext(connection) as queries:
            events = selectors.feed_events(user, region=region)
            feed(events, name="x")
        return len(queries), len(events)

    small = [count(user, region) for user, region in zip(world(1), (None, "NW"), strict=True)]
    large = [count(user, region) for user, region in zip(world(4), (None, "NW"), strict=True)]
    assert [q for q, _ in small] == [q for q, _ in large]
    assert [n for _, n in large] > [n for _, n in small]
    _, coordinator = world(3)
    with django_assert_max_num_queries(6):
        selectors.feed_events(coordinator, region="NW")


def test_invitation_builder_needs_no_database(learner, django_assert_num_queries):
    course = spring_course()
    booking = book(course, learner)
    event = selectors.booking_event(booking)
    with django_assert_num_queries(0):
        invitation(event, Method.REQUEST)
        feed([event], name="x")
