"""RFC 5545/6047 details of what Kurslotse sends: UIDs with the installation's
domain, who organizes and where replies go, PUBLISH for downloads,
LAST-MODIFIED that moves with a change, and texts that only promise a
calendar file when one is attached."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client

from accounts.roles import LEARNER
from backend.settings import calendar_domain
from calendars import selectors
from calendars import services as calendar_services
from calendars.invitations import invitation_for
from courses import services as course_services
from notifications.models import Notification
from notifications.texts import render

from ..factories import CourseFactory, UserFactory, VenueFactory, municipality
from .clients import calendar_part
from .conftest import book, make_meeting, spring_course
from .helpers import BERLIN, content_lines, parse, vevents

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 1, 15, 10, 0, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def feed_of(user) -> bytes:
    return Client().get(f"/calendars/{calendar_services.feed_token(user)}.ics").content


# --- UIDs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hosts", "sender", "domain"),
    [
        (["kurse.landkreis-heilbronn.de"], "Kurse <kurse@landkreis-heilbronn.de>",
         "kurse.landkreis-heilbronn.de"),
        (["127.0.0.1", "::1", "*", ".staging.example.org"], "x@example.org",
         "staging.example.org"),
        (["10.0.0.5"], "Kurslotse <kurslotse@landkreis.example>", "landkreis.example"),
        ([], "", "kurslotse.localhost"),
    ],
)  # fmt: skip
def test_the_uid_domain_is_derived_from_the_hosts_then_the_sender(hosts, sender, domain):
    assert calendar_domain(hosts, sender) == domain


def test_uids_carry_the_installation_domain(settings, learner, mentorship):
    settings.KURSLOTSE_CALENDAR_DOMAIN = "kurse.landkreis-heilbronn.de"
    course = spring_course()
    book(course, learner)
    meeting = make_meeting(mentorship)
    uids = {str(e["UID"]) for e in vevents(feed_of(learner))}
    assert uids == {f"course-{course.pk}@kurse.landkreis-heilbronn.de"}
    _, ics = invitation_for(
        kind="meeting", object_id=meeting.pk, method="REQUEST", recipient=mentorship.coach
    )
    assert str(vevents(ics)[0]["UID"]) == f"meeting-{meeting.pk}@kurse.landkreis-heilbronn.de"


# --- Organizer, sender, replies (RFC 6047) -----------------------------------------------------


def test_organizer_is_the_sender_and_replies_go_to_it(
    settings, learner, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "Kurslotse <kurse@landkreis.example>"
    settings.KURSLOTSE_CALENDAR_ORGANIZER = "Kurslotse <kurse@landkreis.example>"
    with django_capture_on_commit_callbacks(execute=True):
        book(spring_course(), learner)
    message = mail.outbox[-1]
    assert message.from_email == "Kurslotse <kurse@landkreis.example>"
    assert message.reply_to == ["Kurslotse <kurse@landkreis.example>"]
    organizer = vevents(calendar_part(message)[1])[0]["ORGANIZER"]
    assert str(organizer) == "mailto:kurse@landkreis.example"
    assert "SENT-BY" not in organizer.params


def test_an_organizer_mailbox_other_than_the_sender_is_named_with_sent_by(
    settings, learner, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "Kurslotse <no-reply@landkreis.example>"
    settings.KURSLOTSE_CALENDAR_ORGANIZER = "Koordination <kurse@landkreis.example>"
    with django_capture_on_commit_callbacks(execute=True):
        book(spring_course(), learner)
    message = mail.outbox[-1]
    assert message.reply_to == ["Koordination <kurse@landkreis.example>"]
    organizer = vevents(calendar_part(message)[1])[0]["ORGANIZER"]
    assert str(organizer) == "mailto:kurse@landkreis.example"
    assert organizer.params["SENT-BY"] == "mailto:no-reply@landkreis.example"
    assert organizer.params["CN"] == "Koordination"


def test_a_coach_is_an_attendee_of_every_meeting_never_its_organizer(mentorship):
    event = selectors.meeting_event(make_meeting(mentorship))
    assert event.organizer == selectors.office()
    assert mentorship.coach.email not in event.organizer.email
    assert {a.person.email for a in event.attendees} == {
        mentorship.coach.email, mentorship.learner.email
    }  # fmt: skip


# --- Downloads --------------------------------------------------------------------------------


def test_the_booking_download_is_publish_without_attendees(learner):
    booking = book(spring_course(), learner)
    client = Client()
    client.force_login(learner)
    response = client.get(f"/bookings/{booking.pk}/calendar.ics")
    calendar = parse(response.content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = vevents(response.content)
    assert events and all("ATTENDEE" not in e and "ORGANIZER" in e for e in events)
    assert response["Content-Disposition"].startswith("attachment;")


# --- LAST-MODIFIED and DTSTAMP ---------------------------------------------------------------


def _stamps(ics: bytes) -> set[tuple[str, str]]:
    return {(str(e["DTSTAMP"].to_ical()), str(e["LAST-MODIFIED"].to_ical())) for e in vevents(ics)}


def test_feed_stamps_stay_for_unchanged_data_and_move_with_every_change(learner, mentorship):
    place = municipality("Bad Rappenau")
    course = spring_course(municipality=place, venue=VenueFactory(municipality=place))
    book(course, learner)
    first = feed_of(learner)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        assert feed_of(learner) == first  # same data, same bytes, same ETag
    (stamp,) = _stamps(first)
    assert stamp[0] == stamp[1]  # DTSTAMP is the last revision in a feed

    def after(hours, change):
        with time_machine.travel(NOW + dt.timedelta(hours=hours), tick=False):
            change()
        return _stamps(feed_of(learner))

    session = course.sessions.order_by("date")[1]
    moved = after(2, lambda: course_services.move_session(
        session=session, to_date=session.date + dt.timedelta(days=1),
        start_time=dt.time(17), end_time=dt.time(19),
    ))  # fmt: skip
    assert moved == {("b'20270115T110000Z'", "b'20270115T110000Z'")}
    renamed = after(3, lambda: course_services.update_venue(venue=course.venue, name="Neu"))
    assert renamed == {("b'20270115T120000Z'", "b'20270115T120000Z'")}


def test_a_meeting_change_moves_its_last_modified(mentorship):
    from coaching import services as coaching_services

    meeting = make_meeting(mentorship)
    before = selectors.meeting_event(meeting).stamp
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        coaching_services.cancel_meeting(meeting=meeting, by=mentorship.coach)
    meeting.refresh_from_db()
    assert selectors.meeting_event(meeting).stamp == before + dt.timedelta(hours=1)


def test_invitations_stamp_now_and_say_when_the_event_last_changed(learner):
    course = spring_course()
    booking = book(course, learner)
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        _, ics = invitation_for(
            kind="course", object_id=course.pk, method="REQUEST", recipient=learner
        )
    lines = content_lines(ics)
    assert "DTSTAMP:20270117T090000Z" in lines
    assert "LAST-MODIFIED:20270115T090000Z" in lines  # the booking, 10:00 in Berlin
    assert booking.confirmed_at == NOW


# --- Texts that promise a file ---------------------------------------------------------------

ATTACHED = "The dates are in the calendar file attached to this message."


def test_a_confirmation_mentions_the_file_only_when_it_is_attached(
    learner, django_capture_on_commit_callbacks
):
    learner.preferred_language = "en"
    learner.save()
    with django_capture_on_commit_callbacks(execute=True):
        book(spring_course(), learner)
    with_file = mail.outbox[-1]
    assert ATTACHED in with_file.body
    assert [a for a in with_file.attachments if a[0] == "invite.ics"]

    # A course whose rule yields no date (no Tuesday between Wednesday and Thursday).
    dateless = CourseFactory(
        starts_on=dt.date(2027, 3, 10), ends_on=dt.date(2027, 3, 11), weekdays=[1],
        childcare_places=0, childcare_min_age=None, childcare_max_age=None,
    )  # fmt: skip
    other = UserFactory(roles=[LEARNER], preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        course_services.book_course(course=dateless, learner=other, children_ages=[])
    message = mail.outbox[-1]
    assert message.to == [other.email]
    assert not message.attachments and "text/calendar" not in message.message().as_string()
    assert ATTACHED not in message.body and "first date" not in message.body
    assert Notification.objects.get(recipient=other, channel="email").status == "sent"


def test_the_inbox_never_promises_an_attachment(learner):
    book(spring_course(), learner)
    row = Notification.objects.get(recipient=learner, channel="inbox")
    assert ATTACHED not in render(row.kind, row.payload, "en").lines
    assert ATTACHED in render(row.kind, row.payload, "en", calendar_attached=True).lines
