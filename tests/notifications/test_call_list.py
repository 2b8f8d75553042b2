"""The office's call list: people without email hear by phone what needs them
to act or know. Which kinds need a call is declared by their owners
(notifications/calls.py); the list is a channel like email, delivered into
/manage/calls/ with a "called" action that records who and when."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import LEARNER
from accounts.services import register_participant_by_phone
from coaching.notifications import Kind as CoachingKind
from courses import services as course_services
from courses.constants import BookingStatus
from courses.notifications import Kind
from notifications import calls, services
from notifications.channels import EmailChannel, PermanentError
from notifications.constants import Channel, Status
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory, municipality

pytestmark = pytest.mark.django_db


def caller(name="Samira Haddad", phone="0711 123456", language="ar"):
    return register_participant_by_phone(
        full_name=name, phone=phone, preferred_language=language,
        home_municipality=municipality("Eppingen"),
    )  # fmt: skip


def channels(person, kind):
    return set(
        Notification.objects.filter(recipient=person, kind=kind).values_list("channel", flat=True)
    )


def test_the_owners_declare_which_kinds_need_a_call():
    assert {Kind.OFFER_MADE, Kind.BOOKING_CANCELLED, Kind.COURSE_CANCELLED, Kind.SESSION_MOVED,
            Kind.SESSION_CANCELLED, Kind.WAITLIST_REMOVED, CoachingKind.MEETING_CANCELLED} <= (
        calls.call_kinds()
    )  # fmt: skip
    assert Kind.SESSION_REMINDER not in calls.call_kinds()
    assert Kind.BOOKING_CONFIRMED not in calls.call_kinds()


def test_people_without_email_get_a_call_for_what_needs_one_and_never_an_email():
    person = caller()
    person.notification_channels = ["email"]  # even if they (somehow) chose it
    person.save()
    services.notify(recipient=person, kind=Kind.OFFER_MADE, key="a", payload={"title": "A1"})
    services.notify(recipient=person, kind=Kind.BOOKING_CONFIRMED, key="b", payload={})
    assert channels(person, Kind.OFFER_MADE) == {Channel.INBOX, Channel.OFFICE_CALL}
    assert channels(person, Kind.BOOKING_CONFIRMED) == {Channel.INBOX}
    call = Notification.objects.get(recipient=person, channel=Channel.OFFICE_CALL)
    # Delivered as it is written: on the list, nothing for a worker to do.
    assert (call.status, call.next_attempt_at, call.done_at) == (Status.SENT, None, None)


def test_people_with_email_never_land_on_the_call_list():
    person = UserFactory(roles=[LEARNER])
    services.notify(recipient=person, kind=Kind.OFFER_MADE, key="a", payload={})
    assert channels(person, Kind.OFFER_MADE) == {Channel.INBOX, Channel.EMAIL}


def test_an_email_row_for_someone_without_an_address_fails_for_good():
    person = UserFactory(roles=[LEARNER])
    row = next(
        r
        for r in services.notify(recipient=person, kind=Kind.OFFER_MADE, key="a", payload={})
        if r.channel == Channel.EMAIL
    )
    type(person).objects.filter(pk=person.pk).update(email=None)
    row.refresh_from_db()
    with pytest.raises(PermanentError):
        EmailChannel().build(row)


def test_an_offer_to_a_caller_on_the_waiting_list_is_on_the_call_list(client, coordinator):
    course = CourseFactory(seats=1)
    holder = UserFactory(roles=[LEARNER])
    held = course_services.book_course(course=course, learner=holder, children_ages=[])
    person = caller()
    waiting = course_services.book_course(course=course, learner=person, children_ages=[])
    assert waiting.status == BookingStatus.WAITLISTED
    assert not Notification.objects.filter(channel=Channel.OFFICE_CALL).exists()

    course_services.cancel_booking(booking=held, by=holder)

    call = Notification.objects.get(recipient=person, channel=Channel.OFFICE_CALL)
    assert call.kind == Kind.OFFER_MADE
    coordinator.preferred_language = "en"
    coordinator.save()
    client.force_login(coordinator)
    page = client.get("/manage/calls/").content.decode()
    card = page[page.index(f'id="call-{call.pk}"') :]
    assert "Samira Haddad" in card
    assert 'href="tel:+49711123456"' in card and "+49 711 123456" in card
    assert "Arabic" in card and "Eppingen" in card
    assert f"A place in the course {course.title} is free for you." in card
    assert 'lang="ar"' in card and 'dir="rtl"' in card  # the message in their language too
    assert f"/manage/courses/{course.pk}/" in card

    done = client.post(f"/manage/calls/{call.pk}/done/", follow=True)
    assert "The call to Samira Haddad is marked done." in done.content.decode()
    call.refresh_from_db()
    assert call.done_by == coordinator and call.done_at is not None
    assert f'id="call-{call.pk}"' not in client.get("/manage/calls/").content.decode()
    made = client.get("/manage/calls/?done=1").content.decode()
    assert f"Called by {coordinator.get_full_name()}" in made

    again = client.post(f"/manage/calls/{call.pk}/done/", follow=True)
    assert "has already marked this call done" in again.content.decode()
    first = call.done_at
    call.refresh_from_db()
    assert call.done_at == first


def test_only_call_list_rows_can_be_marked_called(client, coordinator):
    inbox_row = services.notify(recipient=caller(), kind=Kind.OFFER_MADE, key="a", payload={})[0]
    assert inbox_row.channel == Channel.INBOX
    client.force_login(coordinator)
    assert client.post(f"/manage/calls/{inbox_row.pk}/done/").status_code == 404


def test_the_call_list_costs_the_same_queries_for_2_and_10_calls(client, coordinator):
    client.force_login(coordinator)

    def count(n):
        for i in range(n):
            person = caller(name=f"Caller {i} {n}", phone=f"0711 12{i:02d}{n:02d}")
            services.notify(recipient=person, kind=Kind.SESSION_CANCELLED, key=f"{i}-{n}",
                            payload={"title": "A1", "date": "2027-01-04", "course": 1})  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/manage/calls/").status_code == 200
        return len(queries)

    count(0)
    few = count(2)
    assert count(8) == few


def test_the_dashboard_shows_how_many_calls_are_open_and_links_to_them(client, coordinator):
    client.force_login(coordinator)
    for i in range(3):
        services.notify(recipient=caller(name=f"C {i}", phone=f"0711 1234{i}"),
                        kind=Kind.COURSE_CANCELLED, key=str(i), payload={})  # fmt: skip
    services.mark_called(
        notification=Notification.objects.filter(channel=Channel.OFFICE_CALL).first(),
        by=coordinator,
    )
    page = client.get("/dashboard/").content.decode()
    figure = page[page.index('id="open-calls"') :][:300]
    assert '<span class="figure__value">2</span>' in figure
    assert 'href="/manage/calls/"' in figure
    assert 'href="/manage/calls/"' in page[: page.index("<main")]  # in the navigation
