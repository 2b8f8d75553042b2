"""Fault tests with real parts: a Celery worker process, Redis, PostgreSQL and
an SMTP server. Nothing is lost when a worker dies or Redis is down, and
nothing is sent twice.

Each test starts its own redis-server on a free port (so it can stop it) and
a real worker process (`celery -A backend worker`) that reads the test
database. The SMTP catcher refuses to accept a message whose sender hung up
before the server said "250" — as a real mail server would — so a worker
killed mid-send leaves no delivered copy behind.
"""

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from courses import services as course_services
from notifications import services
from notifications.constants import Status
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory
from ..mailcatcher import free_port
from ..servers import RedisServer, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]


class SlowCatcher:
    """Accepts each message after ``delay`` seconds, unless the client left."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        if server.transport is None or server.transport.is_closing():
            return "421 Client went away"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def keys(self) -> list[str]:
        # Long header values may arrive folded over two lines.
        return ["".join(str(m["X-Kurslotse-Notification"]).split()) for m in self.messages]


class Worker:
    """A real `celery -A backend worker` process against the test database."""

    def __init__(self, broker_url: str, smtp_port: int, log: Path):
        self.broker_url, self.smtp_port, self.log = broker_url, smtp_port, log
        self.process = None

    def env(self) -> dict:
        db = connection.settings_dict
        database_url = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
        return {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": self.broker_url,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "PYTHONUNBUFFERED": "1",
        }

    def start(self):
        celery = Path(sys.executable).with_name("celery")
        self.process = subprocess.Popen(
            [str(celery), "-A", "backend", "worker", "-Q", "celery,notifications",
             "--pool=prefork", "--concurrency=1", "--loglevel=INFO", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=self.env(), stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_for(lambda: b"ready" in self.log.read_bytes(), timeout=60, what="celery worker")

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def reset_connections(app):
    """Drop pooled broker connections so the next publish uses the new URL."""
    app._pool = None  # Celery recreates both pools lazily, for the current URL
    app.amqp._producer_pool = None


@pytest.fixture
def rig(tmp_path, settings):
    """Redis, an SMTP catcher and the in-process Celery app pointed at them."""
    from backend.celery import app

    redis = RedisServer()
    redis.start()
    catcher = SlowCatcher()
    smtp = Controller(catcher, hostname="127.0.0.1", port=free_port())
    smtp.start()
    previous = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = redis.url()
    app.conf.task_always_eager = False
    reset_connections(app)
    workers: list[Worker] = []

    def worker() -> Worker:
        new = Worker(redis.url(), smtp.port, tmp_path / f"worker-{len(workers)}.log")
        workers.append(new)
        new.start()
        return new

    yield {"redis": redis, "catcher": catcher, "worker": worker, "logs": tmp_path}
    for each in workers:
        each.stop()
    smtp.stop()
    redis.stop()
    app.conf.broker_url, app.conf.task_always_eager = previous
    reset_connections(app)


def book(on_commit=True):
    learner = UserFactory(roles=["learner"])
    course = CourseFactory()
    return course_services.book_course(course=course, learner=learner, children_ages=[])


def emails():
    return Notification.objects.filter(channel="email")


def test_a_booking_confirmation_arrives_with_a_calendar_request(rig, settings):
    settings.KURSLOTSE_HANDOVER_LINGER_SECONDS = 0.2  # as in production: the process's thread
    rig["worker"]()
    booking = book()
    wait_for(lambda: len(rig["catcher"].messages) == 1, what="the confirmation email")
    message = rig["catcher"].messages[0]
    assert message["To"] == booking.learner.email
    parts = {part.get_content_type(): part for part in message.walk()}
    calendar = parts["text/calendar"]
    assert calendar.get_param("method") == "REQUEST"
    from icalendar import Calendar

    parsed = Calendar.from_ical(calendar.get_payload(decode=True))
    assert parsed["METHOD"] == "REQUEST"
    event = parsed.walk("VEVENT")[0]
    assert str(event["UID"]) == f"course-{booking.course_id}@{settings.KURSLOTSE_CALENDAR_DOMAIN}"
    # The email arrives a moment before the worker commits its row as sent.
    wait_for(lambda: emails().get().status == Status.SENT, timeout=10, what="the row marked sent")


def test_killing_the_worker_mid_send_loses_nothing_and_sends_nothing_twice(rig):
    catcher = rig["catcher"]
    catcher.delay = 0.3
    for _ in range(12):
        book()
    keys = set(emails().values_list("idempotency_key", flat=True))
    worker = rig["worker"]()
    wait_for(lambda: len(catcher.messages) >= 3, what="a few deliveries")
    wait_for(lambda: emails().filter(status=Status.SENDING).exists(), what="a send in flight")
    worker.kill()
    assert emails().filter(status=Status.SENDING).count() == 1

    # The sweep's clock is 11 minutes ahead (past the stuck threshold): run it
    # before the new worker starts, or it would also free that worker's live claims.
    later = timezone.now() + dt.timedelta(minutes=11)
    services.sweep(now=later)
    rig["worker"]()
    wait_for(lambda: not emails().exclude(status=Status.SENT).exists(), timeout=90, what="all sent")
    received = catcher.keys()
    assert sorted(received) == sorted(keys), "every message exactly once"


def test_with_redis_down_a_booking_succeeds_and_its_email_arrives_after_redis_is_back(
    rig, settings
):
    settings.KURSLOTSE_REDIS_OUTAGE_PAUSE_SECONDS = 1
    rig["worker"]()
    rig["redis"].stop()
    booking = book()
    assert booking.status == "confirmed"
    assert emails().get().status == Status.QUEUED
    rig["redis"].start()
    wait_for(services.BROKER.available, timeout=10, what="the broker's pause to end")
    services.sweep()
    wait_for(lambda: len(rig["catcher"].messages) == 1, timeout=90, what="the late email")
    wait_for(lambda: emails().get().status == Status.SENT, timeout=10, what="the row marked sent")


def test_with_redis_stopped_a_course_cancellation_tries_the_broker_once_and_its_emails_come_later(
    rig, settings, caplog
):
    """A cancellation with 14 bookings once took 84 s with Redis away: 6 s of
    reconnecting for each email. Now the first publish fails at once, the
    other 13 do not even try, and the sweep sends all 14 when Redis is back."""
    settings.KURSLOTSE_REDIS_OUTAGE_PAUSE_SECONDS = 1
    catcher = rig["catcher"]
    course = CourseFactory(seats=20)
    learners = [UserFactory(roles=["learner"]) for _ in range(14)]
    for learner in learners:
        course_services.book_course(course=course, learner=learner, children_ages=[])
    rig["worker"]()
    wait_for(lambda: len(catcher.messages) == 14, what="the 14 confirmations")
    rig["redis"].stop()
    coordinator = UserFactory(roles=["coordinator"])

    with caplog.at_level("WARNING", logger="notifications.services"):
        course_services.cancel_course(course=course, by=coordinator)

    cancellations = emails().filter(kind="course_cancelled")
    assert cancellations.count() == 14
    assert set(cancellations.values_list("status", flat=True)) == {Status.QUEUED}
    attempts = [r for r in caplog.records if r.getMessage().startswith("Could not enqueue")]
    assert len(attempts) == 1, "one failed publish, then the broker is left alone"

    rig["redis"].start()
    wait_for(services.BROKER.available, timeout=10, what="the broker's pause to end")
    assert services.sweep()["enqueued"] == 14
    wait_for(lambda: len(catcher.messages) == 28, timeout=90, what="the 14 cancellations")
    # The catcher has the last email a moment before the worker commits its row as sent.
    wait_for(
        lambda: set(cancellations.values_list("status", flat=True)) == {Status.SENT},
        timeout=10, what="every cancellation marked sent",
    )  # fmt: skip
    assert len(set(catcher.keys())) == 28, "each email exactly once"


def queued_without_tasks(count: int) -> list[str]:
    """``count`` bookings whose emails are queued but were never handed to the
    broker (as after an outage), so that one sweep hands them over as one batch."""
    from backend.celery import app

    app.conf.task_always_eager = False
    previous = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    reset_connections(app)
    try:
        for _ in range(count):
            book()
    finally:
        app.conf.broker_url = previous
        reset_connections(app)
        services.BROKER.reset()
    assert not emails().exclude(enqueued_at=None).exists()
    return sorted(emails().values_list("idempotency_key", flat=True))


def test_a_worker_killed_mid_batch_leaves_what_it_sent_marked_and_the_rest_claimable_later(rig):
    """One task of 12 rows over one SMTP connection; the worker dies while the
    mail server holds one message. What it sent is marked sent, the rest stay
    claimed until the claim expires, and then each of the 12 arrives once."""
    catcher = rig["catcher"]
    catcher.delay = 0.3
    keys = queued_without_tasks(12)
    worker = rig["worker"]()
    assert services.sweep()["enqueued"] == 12  # one task of 12
    # Three marked sent (the mail server accepts each one a moment before the
    # worker marks it): the worker is now inside the next message's 0.3 s.
    wait_for(
        lambda: emails().filter(status=Status.SENT).count() >= 3,
        what="a few deliveries of the batch marked sent",
    )
    worker.kill()
    delivered = set(catcher.keys())
    sent = set(emails().filter(status=Status.SENT).values_list("idempotency_key", flat=True))
    assert sent <= delivered, "only what the mail server accepted is marked sent"
    assert len(sent) >= 3
    claimed = emails().filter(status=Status.SENDING)
    assert claimed.count() == 12 - len(sent), "the rest of the batch is still claimed"
    # Until the claim expires nobody takes those rows: the worker may only be slow.
    assert set(services.deliver_batch(list(claimed.values_list("pk", flat=True))).values()) == {
        "skipped"
    }
    services.sweep(now=timezone.now() + dt.timedelta(minutes=11))  # past the stuck threshold
    assert not emails().filter(status=Status.SENDING).exists()
    rig["worker"]()
    wait_for(lambda: not emails().exclude(status=Status.SENT).exists(), timeout=90, what="all sent")
    assert sorted(catcher.keys()) == keys, "every message exactly once"
