"""``notify_many``: the rows ``notify`` writes, for many people in one insert;
the reminders and the news of a course's dates cost the same statements for
three people as for twenty-five."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from courses import notifications as course_notifications
from courses import services as course_services
from courses.constants import BookingStatus, SessionStatus
from courses.models import Booking
from notifications import services
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory
from .test_batches import statements

pytestmark = pytest.mark.django_db


def rows_of(kind: str) -> list[tuple]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list(
            "idempotency_key", "recipient_id", "channel", "status", "payload"
        )
    )


def people() -> list:
    """With email notifications, without them, and without an address (registered by phone)."""
    by_phone = UserFactory(roles=["learner"], notification_channels=[])
    type(by_phone).objects.filter(pk=by_phone.pk).update(email=None)
    by_phone.refresh_from_db()
    return [
        UserFactory(roles=["learner"], notification_channels=["email"]),
        UserFactory(roles=["learner"], notification_channels=[]),
        by_phone,
    ]


def test_notify_many_writes_for_each_person_what_notify_writes_and_a_replay_nothing():
    kind = "booking_cancelled"  # people without email hear of it from the office
    everyone = people()
    for person in everyone:
        services.notify(recipient=person, kind=kind, key="one", payload={"title": "A1"})
    items = [(person, "many", {"title": "A1"}) for person in everyone]
    with statements() as run:
        created = services.notify_many(kind=kind, items=items)
    assert len(run) == 1, run
    assert len(created) == 2 + 1 + 2  # inbox + email, inbox, inbox + office call
    rows = rows_of(kind)
    one_by_one = [row for row in rows if row[0].startswith(f"{kind}:one:")]
    at_once = [row for row in rows if row[0].startswith(f"{kind}:many:")]
    assert [(key.replace(":one:", ":many:"), *rest) for key, *rest in one_by_one] == at_once
    assert sorted(row.pk for row in created) == sorted(
        Notification.objects.filter(idempotency_key__contains=":many:").values_list("pk", flat=True)
    )

    with statements() as run:
        assert services.notify_many(kind=kind, items=items) == []
    assert len(run) == 1, run
    assert len(rows_of(kind)) == 10


def test_notify_many_hands_the_queued_rows_over_at_the_commit_in_batches_of_100(
    django_capture_on_commit_callbacks, monkeypatch, published
):
    everyone = [UserFactory(roles=["learner"], notification_channels=["email"]) for _ in range(3)]
    monkeypatch.setattr(services, "DELIVERY_BATCH", 2)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.notify_many(kind="course_changed", items=[(p, "c", {}) for p in everyone])
        assert published == []  # nothing before the commit
    emails = sorted(Notification.objects.filter(channel="email").values_list("pk", flat=True))
    assert [len(ids) for ids in published] == [2, 1]
    assert sorted(pk for ids in published for pk in ids) == emails


def confirmed_course(participants: int):
    course = CourseFactory(seats=participants + 5)
    learners = [
        UserFactory(roles=["learner"], notification_channels=["email"]) for _ in range(participants)
    ]
    Booking.objects.bulk_create(
        Booking(
            course=course,
            learner=learner,
            status=BookingStatus.CONFIRMED,
            confirmed_at=timezone.now(),
        )
        for learner in learners
    )
    return course


def statements_to_tell(course, changed: list[str]) -> int:
    with statements() as run, transaction.atomic():
        told = course_services.course_calendar_changed(course, changed)
    assert told == course.bookings.count()
    return len(run)


def test_telling_a_course_of_a_change_costs_the_same_statements_for_3_or_25_participants():
    few, many = confirmed_course(3), confirmed_course(25)
    assert statements_to_tell(few, ["title"]) == statements_to_tell(many, ["title"])
    assert Notification.objects.filter(kind="course_changed", channel="email").count() == 28


def statements_to_remind(at) -> tuple[int, int]:
    with time_machine.travel(at), statements() as run, transaction.atomic():
        reminded = course_notifications.queue_due_reminders(timezone.now())
    return len(run), reminded


def test_the_session_reminders_of_a_course_cost_the_same_statements_for_3_or_25():
    counts = {}
    for participants in (3, 25):
        course = confirmed_course(participants)
        session = course.sessions.order_by("date", "start_time").first()
        start = timezone.make_aware(dt.datetime.combine(session.date, session.start_time))
        counts[participants] = statements_to_remind(start - dt.timedelta(hours=20))
        statements_to_remind(start - dt.timedelta(hours=19))  # the next sweep: nothing twice
        reminders = Notification.objects.filter(kind="session_reminder")
        assert reminders.filter(channel="email").count() == participants
        assert reminders.filter(channel="inbox").count() == participants
        course.sessions.update(status=SessionStatus.CANCELLED)  # out of the next loop's way
        reminders.delete()
    assert counts[3][1] == 3 and counts[25][1] == 25
    assert counts[3][0] == counts[25][0], counts


def test_meeting_reminders_reach_each_learner_and_coach_once_in_one_insert():
    from coaching import notifications as coaching_notifications
    from coaching.models import Meeting

    from ..coaching.test_views import mentorship_for
    from ..factories import make_coach

    soon = timezone.now() + dt.timedelta(hours=1)
    for index in range(3):
        Meeting.objects.create(
            mentorship=mentorship_for(make_coach(name=f"Coach {index}")),
            starts_at=soon,
            ends_at=soon + dt.timedelta(hours=1),
            place="Rathaus",
        )
    with statements() as run, transaction.atomic():
        assert coaching_notifications.queue_due_reminders(timezone.now()) == 6
    inserts = [sql for sql in run if sql.upper().startswith("INSERT")]
    assert len(inserts) == 1, run
    people = {
        person
        for meeting in Meeting.objects.select_related("mentorship")
        for person in (meeting.mentorship.learner_id, meeting.mentorship.coach_id)
    }
    reminders = Notification.objects.filter(kind="meeting_reminder", channel="inbox")
    assert sorted(reminders.values_list("recipient_id", flat=True)) == sorted(people)
    with transaction.atomic():  # the next sweep
        coaching_notifications.queue_due_reminders(timezone.now())
    assert reminders.count() == 6
