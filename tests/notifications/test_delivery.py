"""The outbox: queued with the change, delivered once, retried, swept, reminded."""

import datetime as dt
import smtplib

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from courses import services as course_services
from notifications import services
from notifications.constants import MAX_ATTEMPTS, Status
from notifications.models import Notification

from ..factories import CourseFactory
from ..mailcatcher import free_port

pytestmark = pytest.mark.django_db


def email_rows(**filters):
    return Notification.objects.filter(channel="email", **filters)


def test_a_booking_queues_an_inbox_row_and_an_email_in_its_transaction(learner):
    course = CourseFactory()
    course_services.book_course(course=course, learner=learner, children_ages=[])
    kinds = set(Notification.objects.values_list("kind", "channel", "status"))
    assert kinds == {
        ("booking_confirmed", "inbox", "sent"),
        ("booking_confirmed", "email", "queued"),
    }


def test_a_refused_booking_queues_nothing(learner):
    course = CourseFactory(childcare_places=0, childcare_min_age=None, childcare_max_age=None)
    with pytest.raises(course_services.InvalidChildren):
        course_services.book_course(course=course, learner=learner, children_ages=[3])
    assert not Notification.objects.exists()


def test_email_goes_out_on_commit_exactly_once(learner, django_capture_on_commit_callbacks):
    course = CourseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        course_services.book_course(course=course, learner=learner, children_ages=[])
    assert len(mail.outbox) == 1
    row = email_rows().get()
    assert row.status == Status.SENT
    assert services.deliver(row.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_user_without_email_channel_gets_only_the_inbox(learner):
    learner.notification_channels = []
    learner.save()
    course_services.book_course(course=CourseFactory(), learner=learner, children_ages=[])
    assert set(Notification.objects.values_list("channel", flat=True)) == {"inbox"}


def test_mail_server_away_retries_with_backoff_then_fails_into_the_inbox(learner, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    course_services.book_course(course=CourseFactory(), learner=learner, children_ages=[])
    row = email_rows().get()
    assert services.deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == Status.QUEUED
    assert row.attempts == 1
    assert row.next_attempt_at > timezone.now()
    assert "ConnectionRefused" in row.last_error
    assert services.deliver(row.pk) == "skipped"  # not due yet

    moment = timezone.now()
    for _ in range(MAX_ATTEMPTS - 1):
        moment += dt.timedelta(hours=1)
        with time_machine.travel(moment):
            services.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert row.attempts == MAX_ATTEMPTS
    inbox = Notification.objects.get(channel="inbox", kind="booking_confirmed")
    assert inbox.status == Status.SENT


def test_refused_address_fails_at_once(learner, smtp):
    smtp(refuse=True)
    course_services.book_course(course=CourseFactory(), learner=learner, children_ages=[])
    row = email_rows().get()
    assert services.deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert "refused" in row.last_error


def test_email_arrives_at_a_real_smtp_server(learner, smtp):
    catcher = smtp()
    course_services.book_course(course=CourseFactory(), learner=learner, children_ages=[])
    assert services.deliver(email_rows().get().pk) == "sent"
    assert len(catcher.messages) == 1
    assert catcher.messages[0].rcpt_tos == [learner.email]


def test_sweep_frees_rows_a_dead_worker_left_in_sending_and_delivers_them(learner):
    course_services.book_course(course=CourseFactory(), learner=learner, children_ages=[])
    row = email_rows().get()
    email_rows().update(status=Status.SENDING, sending_since=timezone.now(), attempts=1)
    assert services.sweep()["unstuck"] == 0  # a live worker may still be sending
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        result = services.sweep()
    assert result["unstuck"] == 1
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert len(mail.outbox) == 1


def test_booking_succeeds_while_the_broker_is_down_and_the_sweep_delivers_later(
    learner, django_capture_on_commit_callbacks, settings
):
    from backend.celery import app

    # The sweep below stands for the next minute's, after the outage pause.
    settings.KURSLOTSE_REDIS_OUTAGE_PAUSE_SECONDS = 0

    def use_broker(url):
        app.conf.broker_url = url
        app._pool = None  # Celery recreates its pools lazily, for the new URL
        app.amqp._producer_pool = None

    app.conf.task_always_eager = False
    previous = app.conf.broker_url
    use_broker(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        with django_capture_on_commit_callbacks(execute=True):
            booking = course_services.book_course(
                course=CourseFactory(), learner=learner, children_ages=[]
            )
    finally:
        use_broker(previous)
        app.conf.task_always_eager = True
    assert booking.status == "confirmed"
    assert email_rows().get().status == Status.QUEUED
    assert email_rows().get().enqueued_at is None  # the broker never had it
    assert len(mail.outbox) == 0
    services.sweep()
    assert email_rows().get().status == Status.SENT
    assert len(mail.outbox) == 1


def test_session_reminders_are_queued_once_and_again_after_a_move(learner):
    course = CourseFactory()
    course_services.book_course(course=course, learner=learner, children_ages=[])
    session = course.sessions.order_by("date").first()
    start = timezone.make_aware(dt.datetime.combine(session.date, session.start_time))
    with time_machine.travel(start - dt.timedelta(hours=30)):
        assert services.sweep()["reminders"] == 0
    with time_machine.travel(start - dt.timedelta(hours=20)):
        assert services.sweep()["reminders"] == 1
        services.sweep()
    assert Notification.objects.filter(kind="session_reminder", channel="inbox").count() == 1
    course_services.move_session(session=session, to_date=session.date + dt.timedelta(days=1),
                                 start_time=session.start_time, end_time=session.end_time)  # fmt: skip
    with time_machine.travel(start + dt.timedelta(hours=4)):
        services.sweep()
    assert Notification.objects.filter(kind="session_reminder", channel="inbox").count() == 2


def test_email_is_in_the_recipients_language_and_right_to_left_for_arabic(learner):
    from notifications.channels import EmailChannel

    learner.preferred_language = "ar"
    learner.save()
    course_services.book_course(course=CourseFactory(), learner=learner, children_ages=[])
    message = EmailChannel().build(email_rows().get())
    html = next(body for body, kind in message.alternatives if kind == "text/html")
    assert 'dir="rtl"' in html
    assert 'lang="ar"' in html


def test_inbox_lists_own_notifications_in_the_readers_language(as_user, learner):
    course_services.book_course(course=CourseFactory(), learner=learner, children_ages=[])
    learner.preferred_language = "en"
    learner.save()
    inbox = as_user(learner).get("/api/v1/notifications/").json()
    assert inbox["count"] == 1
    entry = inbox["results"][0]
    assert entry["subject"].startswith("Your place in")
    assert entry["read_at"] is None
    read = as_user(learner).post(f"/api/v1/notifications/{entry['id']}/read/").json()
    assert read["read_at"] is not None
    assert as_user(learner).get("/api/v1/notifications/?unread=true").json()["count"] == 0


def test_smtp_errors_are_sorted_into_transient_and_permanent():
    from notifications.channels import EmailChannel, PermanentError, TransientError

    class Broken:
        def __init__(self, error):
            self.error = error

        def send(self, fail_silently=False):
            raise self.error

    channel = EmailChannel()
    for error, expected in [
        (smtplib.SMTPRecipientsRefused({"a@b": (550, b"no")}), PermanentError),
        (smtplib.SMTPServerDisconnected("gone"), TransientError),
        (ConnectionRefusedError(), TransientError),
    ]:
        channel.build = lambda n, e=error: Broken(e)
        with pytest.raises(expected):
            channel.send(None)


def calendar_of(row):
    from icalendar import Calendar

    from notifications.channels import EmailChannel

    message = EmailChannel().build(row)
    parts = [body for body, kind in message.alternatives if kind.startswith("text/calendar")]
    assert len(parts) == 1, message.alternatives
    return Calendar.from_ical(parts[0])


def test_moving_a_session_sends_every_participant_an_update_of_the_same_event(learner,
                                                                             other_learner):  # fmt: skip
    course = CourseFactory()
    for person in (learner, other_learner):
        course_services.book_course(course=course, learner=person, children_ages=[])
    first = calendar_of(email_rows(kind="booking_confirmed", recipient=learner).get())
    session = course.sessions.order_by("date").first()
    course_services.move_session(session=session, to_date=session.date + dt.timedelta(days=1),
                                 start_time=dt.time(10, 0), end_time=dt.time(12, 0))  # fmt: skip
    updates = email_rows(kind="session_moved")
    assert {row.recipient for row in updates} == {learner, other_learner}
    update = calendar_of(updates.get(recipient=learner))
    assert str(update["METHOD"]) == "REQUEST"
    events = update.walk("VEVENT")
    uids = {str(event["UID"]) for event in events}
    assert uids == {str(first.walk("VEVENT")[0]["UID"])}
    assert max(int(e["SEQUENCE"]) for e in events) > int(first.walk("VEVENT")[0]["SEQUENCE"])
    assert any("RECURRENCE-ID" in event for event in events)


def test_cancelling_a_course_sends_a_cancel_for_the_event(learner, coordinator):
    course = CourseFactory()
    course_services.book_course(course=course, learner=learner, children_ages=[])
    course_services.cancel_course(course=course, by=coordinator)
    cancel = calendar_of(email_rows(kind="course_cancelled").get())
    assert str(cancel["METHOD"]) == "CANCEL"
    assert (
        str(cancel.walk("VEVENT")[0]["UID"])
        == f"course-{course.pk}@{settings.KURSLOTSE_CALENDAR_DOMAIN}"
    )


def test_sweep_does_not_hand_a_recently_enqueued_row_to_the_broker_again(learner):
    course_services.book_course(course=CourseFactory(), learner=learner, children_ages=[])
    email_rows().update(enqueued_at=timezone.now())
    assert services.sweep()["enqueued"] == 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        assert services.sweep()["enqueued"] == 1
    assert email_rows().get().status == Status.SENT
