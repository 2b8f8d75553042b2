"""The waiting list as coordinators manage it: read it in order with how to
reach each person, offer a place out of turn (a hardship case) with a reason,
take someone off the list with a reason. Through the API and the pages; the
order rule is one (``selectors.WAITING_ORDER``) for offers, positions and lists."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import LEARNER
from accounts.services import register_participant_by_phone
from courses import selectors, services
from courses.constants import BookingStatus, CancelReason
from courses.models import Booking
from courses.notifications import Kind
from notifications.constants import Channel
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def _learners(n, **fields):
    return [UserFactory(roles=[LEARNER], **fields) for _ in range(n)]


@pytest.fixture
def full(db):
    """A one-seat course (childcare for two), its seat taken, three people waiting."""
    course = CourseFactory(seats=1, childcare_places=2)
    holder, *waiting = _learners(4)
    held = services.book_course(course=course, learner=holder, children_ages=[])
    queue = [services.book_course(course=course, learner=p, children_ages=[]) for p in waiting]
    assert {b.status for b in queue} == {BookingStatus.WAITLISTED}
    return course, held, queue


def _positions(course):
    return [(b.pk, b.waitlist_position) for b in selectors.waitlist_of(course)]


# --- Reading the list ---------------------------------------------------------------------


def test_the_waitlist_api_lists_waiting_bookings_in_order_with_contact_details(
    as_user, coordinator, full
):
    course, _held, queue = full
    caller = register_participant_by_phone(
        full_name="Samira Haddad", phone="0711 123456", preferred_language="ar"
    )
    by_phone = services.book_course(course=course, learner=caller, children_ages=[3, 5])

    response = as_user(coordinator).get(f"/api/v1/courses/{course.pk}/waitlist/")

    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [b.pk for b in [*queue, by_phone]]
    assert [row["position"] for row in rows] == [1, 2, 3, 4]
    last = rows[-1]
    assert last["children_ages"] == [3, 5]
    assert dt.datetime.fromisoformat(last["waiting_since"]) == by_phone.created_at
    assert last["learner"] == {
        "id": caller.pk, "full_name": "Samira Haddad", "email": None, "phone": "+49711123456",
        "preferred_language": "ar", "home_municipality": None, "home_municipality_name": None,
        "has_login": False, "channels": ["inbox", "office_call"],
    }  # fmt: skip
    assert rows[0]["learner"]["email"] == queue[0].learner.email
    assert rows[0]["learner"]["channels"] == ["inbox", "email"]


def test_the_waitlist_api_costs_the_same_queries_for_2_and_12_people(as_user, coordinator):
    course = CourseFactory(seats=1)
    services.book_course(course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[])
    client = as_user(coordinator)
    client.get(f"/api/v1/courses/{course.pk}/waitlist/")  # the user's roles are read once

    def count(n):
        for person in _learners(n):
            services.book_course(course=course, learner=person, children_ages=[])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/courses/{course.pk}/waitlist/").status_code == 200
        return len(queries)

    few = count(2)
    assert count(10) == few
    assert few <= 6


def test_the_waitlist_api_is_paginated(as_user, coordinator, full):
    course, _held, _queue = full
    page = as_user(coordinator).get(f"/api/v1/courses/{course.pk}/waitlist/?page_size=2&page=2")
    assert page.json()["count"] == 3
    assert [row["position"] for row in page.json()["results"]] == [3]


def test_an_unknown_course_has_no_waitlist(as_user, coordinator):
    assert as_user(coordinator).get("/api/v1/courses/999999/waitlist/").status_code == 404


# --- Out of turn --------------------------------------------------------------------------


def test_offering_out_of_turn_with_a_free_place_offers_it_now(as_user, coordinator, full):
    course, _held, queue = full
    # A seat is free that nobody was offered yet (as in the moment a course
    # gets more seats, before the waiting list hears of them).
    type(course).objects.filter(pk=course.pk).update(seats=2)
    last = queue[-1]

    response = as_user(coordinator).post(
        f"/api/v1/bookings/{last.pk}/offer/", {"reason": "Alleinerziehend"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "offered"
    assert response.json()["booking"]["status"] == BookingStatus.OFFERED
    assert response.json()["booking"]["offer_expires_at"]
    last.refresh_from_db()
    assert (last.priority_reason, last.priority_by) == ("Alleinerziehend", coordinator)
    assert last.priority_at is not None
    assert Notification.objects.filter(
        recipient=last.learner, kind=Kind.OFFER_MADE, channel=Channel.EMAIL
    ).exists()
    # The two who were ahead still wait, in their order.
    assert _positions(course) == [(queue[0].pk, 1), (queue[1].pk, 2)]


def test_without_a_free_place_the_booking_goes_first_and_gets_the_next_one(
    as_user, coordinator, full
):
    course, held, queue = full
    last = queue[-1]

    response = as_user(coordinator).post(
        f"/api/v1/bookings/{last.pk}/offer/", {"reason": "Jobcenter-Auflage"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "first_in_line"
    assert response.json()["booking"]["waitlist_position"] == 1
    assert _positions(course) == [(last.pk, 1), (queue[0].pk, 2), (queue[1].pk, 3)]
    told = Notification.objects.get(
        recipient=last.learner, kind=Kind.WAITLIST_PRIORITY, channel=Channel.INBOX
    )
    assert told.payload["position"] == 1
    # The positions the learners see agree with the list.
    mine = as_user(queue[0].learner).get(f"/api/v1/bookings/{queue[0].pk}/").json()
    assert mine["waitlist_position"] == 2

    services.cancel_booking(booking=held, by=held.learner)

    statuses = dict(Booking.objects.filter(course=course).values_list("pk", "status"))
    assert statuses[last.pk] == BookingStatus.OFFERED
    assert statuses[queue[0].pk] == statuses[queue[1].pk] == BookingStatus.WAITLISTED


def test_people_put_first_keep_their_order_among_themselves(coordinator, full):
    course, _held, (a, b, c) = full
    services.offer_out_of_turn(booking=c, by=coordinator, reason="Härtefall 1")
    services.offer_out_of_turn(booking=b, by=coordinator, reason="Härtefall 2")
    # Both put first, in the order they arrived; then the others.
    assert [pk for pk, _ in _positions(course)] == [b.pk, c.pk, a.pk]


def test_a_priority_booking_whose_children_do_not_fit_keeps_its_place_in_line(coordinator):
    course = CourseFactory(seats=2, childcare_places=1)
    holder, parent, single = _learners(3)
    held = services.book_course(course=course, learner=holder, children_ages=[2])
    other = services.book_course(course=course, learner=UserFactory(roles=[LEARNER]),
                                 children_ages=[])  # fmt: skip
    waiting_parent = services.book_course(course=course, learner=parent, children_ages=[3])
    waiting_single = services.book_course(course=course, learner=single, children_ages=[])
    _booking, offered = services.offer_out_of_turn(
        booking=waiting_parent, by=coordinator, reason="Härtefall"
    )
    assert offered is False  # no seat

    services.cancel_booking(booking=other, by=other.learner)  # a seat, but no childcare place

    waiting_parent.refresh_from_db()
    waiting_single.refresh_from_db()
    assert waiting_parent.status == BookingStatus.WAITLISTED
    assert waiting_single.status == BookingStatus.OFFERED
    assert _positions(course) == [(waiting_parent.pk, 1)]
    services.cancel_booking(booking=held, by=held.learner)  # childcare frees too
    waiting_parent.refresh_from_db()
    assert waiting_parent.status == BookingStatus.OFFERED


@pytest.mark.parametrize(
    ("reason", "field_message"),
    [
        ("", "Write the reason."),
        ("   ", "Write the reason."),
        ("line one\nline two", "Please write this on one line"),
        ("x" * 301, "300"),
    ],
)
def test_a_reason_is_required_and_one_bounded_line(as_user, coordinator, full, reason,
                                                   field_message):  # fmt: skip
    coordinator.preferred_language = "en"
    coordinator.save()
    _course, _held, queue = full
    client = as_user(coordinator)
    for path in ("offer", "remove-from-waitlist"):
        response = client.post(
            f"/api/v1/bookings/{queue[0].pk}/{path}/", {"reason": reason}, format="json"
        )
        assert response.status_code == 400, response.content
        assert response.json()["error"]["code"] == "validation_error"
        assert field_message in str(response.json()["error"]["fields"]["reason"])
    queue[0].refresh_from_db()
    assert queue[0].status == BookingStatus.WAITLISTED
    assert not queue[0].waitlist_priority


def test_only_waiting_bookings_can_be_offered_or_removed(as_user, coordinator, full):
    _course, held, _queue = full
    client = as_user(coordinator)
    for path in ("offer", "remove-from-waitlist"):
        response = client.post(
            f"/api/v1/bookings/{held.pk}/{path}/", {"reason": "Härtefall"}, format="json"
        )
        assert response.status_code == 409, response.content
        assert response.json()["error"]["code"] == "not_waiting"
    held.refresh_from_db()
    assert held.status == BookingStatus.CONFIRMED
    assert not held.waitlist_priority


# --- Taking someone off the list ------------------------------------------------------------


def test_removing_from_the_waitlist_records_the_reason_and_tells_the_person(
    as_user, coordinator, full
):
    course, _held, queue = full
    person = queue[0].learner
    person.preferred_language = "uk"
    person.save()

    response = as_user(coordinator).post(
        f"/api/v1/bookings/{queue[0].pk}/remove-from-waitlist/",
        {"reason": "Ist nach Stuttgart gezogen"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == BookingStatus.CANCELLED
    assert response.json()["cancel_reason"] == CancelReason.REMOVED_FROM_WAITLIST
    queue[0].refresh_from_db()
    assert queue[0].cancel_note == "Ist nach Stuttgart gezogen"
    assert queue[0].cancelled_by == coordinator
    assert _positions(course) == [(queue[1].pk, 1), (queue[2].pk, 2)]
    told = Notification.objects.get(
        recipient=person, kind=Kind.WAITLIST_REMOVED, channel=Channel.EMAIL
    )
    from notifications.channels import EmailChannel

    message = EmailChannel().build(told)
    assert "Ist nach Stuttgart gezogen" in message.body
    assert course.title in message.subject
    assert "списку очікування" in message.subject  # in the person's language (Ukrainian)


# --- The pages ------------------------------------------------------------------------------


@pytest.fixture
def office(client, coordinator):
    coordinator.preferred_language = "en"
    coordinator.save()
    client.force_login(coordinator)
    return client


def test_the_course_page_lists_the_waiting_list_with_positions_contact_and_actions(office, full):
    course, _held, queue = full
    caller = register_participant_by_phone(
        full_name="Samira Haddad", phone="0711 123456", preferred_language="ar"
    )
    services.book_course(course=course, learner=caller, children_ages=[])

    page = office.get(f"/manage/courses/{course.pk}/").content.decode()

    table = page[page.index('id="waiting-list"') :]
    names = [b.learner.get_full_name() for b in queue] + ["Samira Haddad"]
    assert [table.index(name) for name in names] == sorted(table.index(name) for name in names)
    assert "+49 711 123456" in table
    assert "No email: the office calls" in table
    assert "Speaks Arabic" in table
    assert f"/manage/bookings/{queue[0].pk}/offer/" in table
    assert f"/manage/bookings/{queue[0].pk}/remove/" in table


def test_offering_out_of_turn_on_the_page_puts_the_booking_first(office, full, coordinator):
    course, _held, queue = full
    form = office.get(f"/manage/bookings/{queue[2].pk}/offer/")
    assert b"number 3 on the waiting list" in form.content

    response = office.post(f"/manage/bookings/{queue[2].pk}/offer/", {"reason": "Härtefall"},
                           follow=True)  # fmt: skip

    assert "is now first on the waiting list" in response.content.decode()
    assert _positions(course)[0] == (queue[2].pk, 1)
    page = office.get(f"/manage/courses/{course.pk}/").content.decode()
    assert "First in line" in page and "Härtefall" in page


def test_a_reason_is_asked_for_on_the_page_and_nothing_changes_without_one(office, full):
    _course, _held, queue = full
    response = office.post(f"/manage/bookings/{queue[0].pk}/remove/", {"reason": ""})
    assert response.status_code == 200
    assert b'class="error-summary"' in response.content
    queue[0].refresh_from_db()
    assert queue[0].status == BookingStatus.WAITLISTED


def test_taking_off_the_list_on_the_page(office, full):
    _course, _held, queue = full
    response = office.post(f"/manage/bookings/{queue[1].pk}/remove/", {"reason": "Kein Interesse"},
                           follow=True)  # fmt: skip
    assert "is off the waiting list and has been told why" in response.content.decode()
    queue[1].refresh_from_db()
    assert (queue[1].status, queue[1].cancel_note) == (BookingStatus.CANCELLED, "Kein Interesse")
    # Again: the booking is no longer waiting, the page says so and changes nothing.
    again = office.get(f"/manage/bookings/{queue[1].pk}/remove/")
    assert b"not on the waiting list (any more)" in again.content
    response = office.post(f"/manage/bookings/{queue[1].pk}/remove/", {"reason": "x"}, follow=True)
    assert b"not on the waiting list (any more)" in response.content


def test_learners_cannot_touch_the_waiting_list(client, full):
    _course, _held, queue = full
    client.force_login(queue[0].learner)
    assert (
        client.post(f"/manage/bookings/{queue[0].pk}/offer/", {"reason": "ich"}).status_code == 403
    )
    queue[0].refresh_from_db()
    assert not queue[0].waitlist_priority


def test_a_joiner_after_a_clock_went_back_is_told_its_true_place(full):
    """A clock went back: the latest booking in line is stamped later than the
    time the next joiner reads. On PostgreSQL the joiner is stamped after it
    (its turn came later) and is last; on SQLite it keeps its time, stands
    ahead, and its position is counted, not assumed. Either way the answer and
    the notification tell the place it has."""
    course, _held, queue = full
    Booking.objects.filter(pk=queue[-1].pk).update(
        created_at=timezone.now() + dt.timedelta(hours=1)
    )
    joiner = UserFactory(roles=[LEARNER])
    booking = services.book_course(course=course, learner=joiner, children_ages=[])
    assert booking.status == BookingStatus.WAITLISTED
    place = 4 if connection.vendor == "postgresql" else 3
    assert booking.waitlist_position == place == selectors.waitlist_position(booking.pk)
    assert selectors.waitlist_position(queue[-1].pk) == 7 - place
    told = Notification.objects.get(
        recipient=joiner, kind=Kind.BOOKING_WAITLISTED, channel=Channel.INBOX
    )
    assert told.payload["position"] == place
