"""Booking a seat plus childcare, the waiting list, offers and cancellations."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.roles import LEARNER
from courses import services
from courses.constants import BookingStatus, CancelReason, CourseStatus
from courses.models import Booking, CourseSession
from courses.notifications import Kind
from notifications.models import Notification
from notifications.texts import render

from ..factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def book(client, course, children=(), headers=None):
    return client.post(
        f"/api/v1/courses/{course.pk}/bookings/",
        {"children_ages": list(children)},
        format="json",
        headers=headers or {},
    )


def learners(n):
    return [UserFactory(roles=[LEARNER]) for _ in range(n)]


def test_booking_with_children_confirms_seat_and_childcare_places(as_user, learner):
    course = CourseFactory(seats=3, childcare_places=2)
    response = book(as_user(learner), course, children=[3, 5])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["waitlist_position"] is None
    assert body["offer_expires_at"] is None
    listed = as_user(learner).get(f"/api/v1/courses/{course.pk}/").json()
    assert listed["seats_left"] == 2
    assert listed["childcare_places_left"] == 0
    assert listed["my_booking_status"] == "confirmed"


def test_booking_without_children_needs_no_childcare(as_user, learner):
    course = CourseFactory(childcare_places=0, childcare_min_age=None, childcare_max_age=None)
    assert book(as_user(learner), course).json()["status"] == "confirmed"


def test_full_course_puts_bookings_on_the_waiting_list_in_order(as_user):
    course = CourseFactory(seats=1)
    first, second, third = learners(3)
    assert book(as_user(first), course).json()["status"] == "confirmed"
    waiting = [book(as_user(who), course).json() for who in (second, third)]
    assert [w["status"] for w in waiting] == ["waitlisted", "waitlisted"]
    assert [w["waitlist_position"] for w in waiting] == [1, 2]
    assert as_user(first).get(f"/api/v1/courses/{course.pk}/").json()["waitlist_length"] == 2


def test_missing_childcare_place_puts_booking_on_waiting_list_even_with_free_seats(as_user):
    course = CourseFactory(seats=5, childcare_places=1)
    parent_a, parent_b = learners(2)
    assert book(as_user(parent_a), course, [2]).json()["status"] == "confirmed"
    response = book(as_user(parent_b), course, [4])
    assert response.json()["status"] == "waitlisted"
    assert response.json()["waitlist_position"] == 1
    # The message says what is taken: the childcare places, not the course.
    told = Notification.objects.get(recipient=parent_b, kind=Kind.BOOKING_WAITLISTED,
                                    channel="inbox")  # fmt: skip
    text = render(told.kind, told.payload, "de")
    assert "Kinderbetreuung" in text.lines[0] and "voll" not in text.lines[0]
    full = CourseFactory(seats=1)
    first, second = learners(2)
    book(as_user(first), full)
    book(as_user(second), full)
    told = Notification.objects.get(recipient=second, kind=Kind.BOOKING_WAITLISTED,
                                    channel="inbox")  # fmt: skip
    assert "ist voll" in render(told.kind, told.payload, "de").lines[0]


@pytest.mark.parametrize(
    ("ages", "field_message"),
    [([0], "from 1 to 6"), ([7], "from 1 to 6"), ([2, 3, 4, 5, 2], "Too many")],
)
def test_children_outside_the_course_rules_are_refused_and_nothing_is_booked(
    as_user, learner, ages, field_message
):
    course = CourseFactory(childcare_places=4, childcare_min_age=1, childcare_max_age=6)
    learner.preferred_language = "en"
    learner.save()
    response = book(as_user(learner), course, ages)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_children"
    assert field_message in str(error["fields"]["children_ages"])
    assert not Booking.objects.exists()


def test_children_for_a_course_without_childcare_are_refused(as_user, learner):
    course = CourseFactory(childcare_places=0, childcare_min_age=None, childcare_max_age=None)
    response = book(as_user(learner), course, [3])
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_children"
    assert not Booking.objects.exists()


def test_second_active_booking_for_same_course_is_a_409_conflict(as_user, learner):
    course = CourseFactory()
    assert book(as_user(learner), course).status_code == 201
    response = book(as_user(learner), course)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_booked"
    assert Booking.objects.count() == 1


def test_learner_may_book_again_after_cancelling(as_user, learner):
    course = CourseFactory()
    booking_id = book(as_user(learner), course).json()["id"]
    assert as_user(learner).post(f"/api/v1/bookings/{booking_id}/cancel/").status_code == 200
    assert book(as_user(learner), course).status_code == 201


def test_booking_after_registration_deadline_is_refused(as_user, learner):
    today = timezone.localdate()
    course = CourseFactory(
        starts_on=today - dt.timedelta(days=14), registration_deadline=today - dt.timedelta(days=1)
    )
    response = book(as_user(learner), course)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "registration_closed"


def test_draft_course_is_invisible_to_learners(as_user, learner):
    course = CourseFactory(status=CourseStatus.DRAFT)
    assert book(as_user(learner), course).status_code == 404
    assert as_user(learner).get(f"/api/v1/courses/{course.pk}/").status_code == 404


def test_cancelling_a_confirmed_booking_offers_the_place_to_the_first_waiting_in_the_same_request(
    as_user,
):
    course = CourseFactory(seats=1, offer_hours=24)
    holder, next_in_line, later = learners(3)
    held = book(as_user(holder), course).json()
    book(as_user(next_in_line), course)
    book(as_user(later), course)

    before = timezone.now()
    as_user(holder).post(f"/api/v1/bookings/{held['id']}/cancel/")

    offered = Booking.objects.get(learner=next_in_line)
    assert offered.status == BookingStatus.OFFERED
    assert before + dt.timedelta(hours=24) <= offered.offer_expires_at
    assert offered.offer_expires_at <= timezone.now() + dt.timedelta(hours=24)
    later_booking = as_user(later).get("/api/v1/bookings/").json()["results"][0]
    assert later_booking["status"] == "waitlisted"
    assert later_booking["waitlist_position"] == 1


def test_freed_seat_without_childcare_skips_a_waiting_parent_who_does_not_fit(as_user):
    course = CourseFactory(seats=2, childcare_places=1)
    parent_holding_childcare, single = learners(2)
    book(as_user(parent_holding_childcare), course, [3])
    held = book(as_user(single), course).json()
    waiting_parent, waiting_single = learners(2)
    book(as_user(waiting_parent), course, [2])  # needs the only childcare place: waits
    book(as_user(waiting_single), course)

    as_user(single).post(f"/api/v1/bookings/{held['id']}/cancel/")

    assert Booking.objects.get(learner=waiting_parent).status == BookingStatus.WAITLISTED
    assert Booking.objects.get(learner=waiting_single).status == BookingStatus.OFFERED


def test_accepting_an_offer_confirms_the_booking(as_user):
    course = CourseFactory(seats=1)
    holder, waiting = learners(2)
    held = book(as_user(holder), course).json()
    waiting_id = book(as_user(waiting), course).json()["id"]
    as_user(holder).post(f"/api/v1/bookings/{held['id']}/cancel/")

    response = as_user(waiting).post(f"/api/v1/bookings/{waiting_id}/accept-offer/")
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"


def test_accepting_without_an_offer_is_a_conflict(as_user, learner):
    course = CourseFactory()
    booking_id = book(as_user(learner), course).json()["id"]
    response = as_user(learner).post(f"/api/v1/bookings/{booking_id}/accept-offer/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_offer"


def test_stale_offer_expires_and_moves_on_to_the_next_in_line(as_user):
    course = CourseFactory(seats=1, offer_hours=48)
    holder, slow, next_one = learners(3)
    held = book(as_user(holder), course).json()
    slow_id = book(as_user(slow), course).json()["id"]
    book(as_user(next_one), course)
    as_user(holder).post(f"/api/v1/bookings/{held['id']}/cancel/")

    with time_machine.travel(timezone.now() + dt.timedelta(hours=47)):
        assert services.expire_stale_offers() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(hours=49)):
        late = as_user(slow).post(f"/api/v1/bookings/{slow_id}/accept-offer/")
        assert late.status_code == 409
        assert late.json()["error"]["code"] == "offer_expired"
        assert services.expire_stale_offers() == 1

    slow_booking = Booking.objects.get(pk=slow_id)
    assert slow_booking.status == BookingStatus.CANCELLED
    assert slow_booking.cancel_reason == CancelReason.OFFER_EXPIRED
    assert Booking.objects.get(learner=next_one).status == BookingStatus.OFFERED


def test_the_periodic_task_expires_offers(as_user):
    from courses.tasks import expire_stale_offers

    course = CourseFactory(seats=1, offer_hours=1)
    holder, waiting = learners(2)
    held = book(as_user(holder), course).json()
    book(as_user(waiting), course)
    as_user(holder).post(f"/api/v1/bookings/{held['id']}/cancel/")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert expire_stale_offers.apply().get() == 1


def test_learner_cannot_see_or_cancel_someone_elses_booking(as_user, learner, other_learner):
    course = CourseFactory()
    booking_id = book(as_user(other_learner), course).json()["id"]
    assert as_user(learner).get(f"/api/v1/bookings/{booking_id}/").status_code == 404
    assert as_user(learner).post(f"/api/v1/bookings/{booking_id}/cancel/").status_code == 404
    assert Booking.objects.get(pk=booking_id).status == BookingStatus.CONFIRMED


def test_coordinator_cancels_a_learners_booking(as_user, learner, coordinator):
    course = CourseFactory()
    booking_id = book(as_user(learner), course).json()["id"]
    response = as_user(coordinator).post(f"/api/v1/bookings/{booking_id}/cancel/")
    assert response.status_code == 200
    assert response.json()["cancel_reason"] == "coordinator"


def test_cancelling_twice_is_a_conflict(as_user, learner):
    course = CourseFactory()
    booking_id = book(as_user(learner), course).json()["id"]
    as_user(learner).post(f"/api/v1/bookings/{booking_id}/cancel/")
    response = as_user(learner).post(f"/api/v1/bookings/{booking_id}/cancel/")
    assert response.status_code == 409


def test_coordinator_books_for_a_learner_by_id(as_user, learner, coordinator):
    course = CourseFactory()
    response = as_user(coordinator).post(
        f"/api/v1/courses/{course.pk}/bookings/",
        {"children_ages": [], "learner": learner.pk},
        format="json",
    )
    assert response.status_code == 201
    booking = Booking.objects.get()
    assert booking.learner == learner
    assert booking.booked_by == coordinator


def test_coordinator_cancels_a_whole_course_and_every_booking_with_it(as_user, coordinator):
    course = CourseFactory(seats=1)
    first, second = learners(2)
    book(as_user(first), course)
    book(as_user(second), course)
    response = as_user(coordinator).post(f"/api/v1/courses/{course.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CANCELLED}
    assert set(Booking.objects.values_list("cancel_reason", flat=True)) == {
        CancelReason.COURSE_CANCELLED
    }
    assert not course.sessions.filter(status="scheduled").exists()
    assert book(as_user(learners(1)[0]), course).status_code == 409


def test_coordinator_moves_and_cancels_single_sessions(as_user, coordinator):
    course = CourseFactory()
    first, second = CourseSession.objects.filter(course=course).order_by("date")[:2]
    new_day = first.date + dt.timedelta(days=1)
    moved = as_user(coordinator).post(
        f"/api/v1/sessions/{first.pk}/move/",
        {"date": new_day.isoformat(), "start_time": "10:00", "end_time": "12:00"},
        format="json",
    )
    assert moved.status_code == 200, moved.json()
    assert moved.json()["is_moved"] is True
    assert moved.json()["original_date"] == first.date.isoformat()
    cancelled = as_user(coordinator).post(
        f"/api/v1/sessions/{second.pk}/cancel/", {"note": "Feiertag"}, format="json"
    )
    assert cancelled.json()["status"] == "cancelled"
    sessions = (
        as_user(coordinator)
        .get(f"/api/v1/courses/{course.pk}/sessions/", {"page_size": 100})
        .json()["results"]
    )
    by_id = {s["id"]: s for s in sessions}
    assert by_id[first.pk]["date"] == new_day.isoformat()
    assert by_id[second.pk]["status"] == "cancelled"
    first.refresh_from_db()
    assert first.sequence == 1


def test_moving_a_session_onto_another_session_day_is_refused(as_user, coordinator):
    course = CourseFactory()
    first, second = CourseSession.objects.filter(course=course).order_by("date")[:2]
    response = as_user(coordinator).post(
        f"/api/v1/sessions/{first.pk}/move/",
        {"date": second.date.isoformat(), "start_time": "09:00", "end_time": "11:00"},
        format="json",
    )
    assert response.status_code == 409
    first.refresh_from_db()
    assert first.date == first.original_date


# --- Idempotency-Key --------------------------------------------------------------------


def test_retry_with_the_same_idempotency_key_returns_the_first_booking(as_user, learner):
    course = CourseFactory()
    client = as_user(learner)
    first = book(client, course, headers={"Idempotency-Key": "abc-1"})
    again = book(client, course, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1


def test_idempotency_key_reused_for_a_different_request_is_refused(as_user, learner):
    course = CourseFactory()
    client = as_user(learner)
    book(client, course, headers={"Idempotency-Key": "abc-2"})
    response = book(client, course, children=[3], headers={"Idempotency-Key": "abc-2"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Booking.objects.count() == 1


def test_failed_request_with_a_key_is_not_remembered(as_user, learner):
    course = CourseFactory(childcare_places=1, childcare_min_age=1, childcare_max_age=3)
    client = as_user(learner)
    assert book(client, course, [9], headers={"Idempotency-Key": "k"}).status_code == 400
    from common.models import IdempotencyRecord

    assert not IdempotencyRecord.objects.exists()


def test_same_key_from_two_learners_makes_two_bookings(as_user, learner, other_learner):
    course = CourseFactory()
    assert book(as_user(learner), course, headers={"Idempotency-Key": "same"}).status_code == 201
    assert (
        book(as_user(other_learner), course, headers={"Idempotency-Key": "same"}).status_code == 201
    )
    assert Booking.objects.count() == 2


def test_remembered_answers_are_purged_after_a_day(as_user, learner):
    from common.models import IdempotencyRecord
    from common.tasks import purge_idempotency_records

    book(as_user(learner), CourseFactory(), headers={"Idempotency-Key": "old"})
    with time_machine.travel(timezone.now() + dt.timedelta(hours=23)):
        assert purge_idempotency_records.apply().get() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert purge_idempotency_records.apply().get() == 1
    assert not IdempotencyRecord.objects.exists()


def test_service_refuses_to_cancel_or_accept_for_someone_else(learner, other_learner):
    from common.errors import DomainError

    course = CourseFactory()
    booking = services.book_course(course=course, learner=learner, children_ages=[])
    for action in (services.cancel_booking, services.accept_offer):
        with pytest.raises(DomainError) as refused:
            action(booking=booking, by=other_learner)
        assert refused.value.status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_the_course_to_book_is_the_visible_course_with_its_venue(
    learner, coordinator, as_user, django_assert_num_queries
):
    """``selectors.course_to_book`` (compiled once, prepared) gives what
    ``visible_courses(user).select_related("venue__municipality").get`` gives:
    the same course, its venue and place read along, a draft only for a
    coordinator; an unknown or malformed id answers the API's 404."""
    from courses import selectors
    from courses.models import Course

    from ..factories import VenueFactory

    course = CourseFactory(venue=VenueFactory(name="Bürgerhaus"))
    draft = CourseFactory(status=CourseStatus.DRAFT)
    for viewer, wanted in ((learner, course), (coordinator, course), (coordinator, draft)):
        for _ in range(2):  # compiled the first time, reused the second
            read = selectors.course_to_book(viewer, str(wanted.pk))
            orm = (
                selectors.visible_courses(viewer)
                .select_related("venue__municipality")
                .get(pk=wanted.pk)
            )
            assert read.__dict__.keys() >= {"title", "updated_at", "weekdays"}
            assert [getattr(read, f.attname) for f in Course._meta.concrete_fields] == [
                getattr(orm, f.attname) for f in Course._meta.concrete_fields
            ]
            with django_assert_num_queries(0):
                assert (read.venue and read.venue.municipality) == (
                    orm.venue and orm.venue.municipality
                )
    with pytest.raises(Course.DoesNotExist):
        selectors.course_to_book(learner, draft.pk)
    client = as_user(learner)
    for missing in (draft.pk, 10**12, 2**63, "x1"):
        response = client.post(f"/api/v1/courses/{missing}/bookings/", {}, format="json")
        assert response.status_code == 404, (missing, response.status_code)
