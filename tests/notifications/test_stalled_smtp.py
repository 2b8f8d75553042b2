"""A mail server that accepts the connection and never answers cannot hold a
worker: the delivery fails for now within EMAIL_TIMEOUT, the row waits for
its next attempt, and that attempt sends it exactly once."""

import datetime as dt
import threading

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from courses import services as course_services
from notifications import services
from notifications.constants import Status
from notifications.models import Notification

from ..factories import CourseFactory
from ..servers import SilentServer

# The worker's thread has its own connection and sees only committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_mail_server_has_a_timeout_by_default():
    assert 0 < django_settings.EMAIL_TIMEOUT <= 30


def test_a_silent_mail_server_fails_the_delivery_for_now_and_the_retry_sends_it_once(
    learner, settings, smtp
):
    silent = SilentServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent.port
    settings.EMAIL_TIMEOUT = 0.5
    course = CourseFactory()

    def book_and_deliver():
        """A booking, and its email handed to the (inline) worker at commit."""
        try:
            course_services.book_course(course=course, learner=learner, children_ages=[])
        finally:
            connection.close()  # the thread's own connection

    worker = threading.Thread(target=book_and_deliver)
    try:
        worker.start()
        worker.join(timeout=30)
        assert not worker.is_alive(), "the worker is stuck on the silent mail server"
    finally:
        silent.close()

    row = Notification.objects.get(channel="email")
    assert len(silent.accepted) == 1
    row.refresh_from_db()
    assert row.status == Status.QUEUED
    assert row.attempts == 1
    assert "timed out" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert services.deliver(row.pk) == "skipped", "not before its next attempt"

    catcher = smtp()  # the mail server answers again
    with time_machine.travel(row.next_attempt_at + dt.timedelta(seconds=1)):
        assert services.deliver(row.pk) == "sent"
        assert services.deliver(row.pk) == "skipped"
    assert len(catcher.messages) == 1
