"""Delivery in batches: one claim, one SMTP connection and one statement per
message sent, whatever the batch's size; a message that fails fails alone."""

import contextlib
import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses import services as course_services
from notifications import services
from notifications.constants import Status
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def reminders(count: int) -> list[int]:
    """``count`` queued reminder emails (no calendar file: building one reads the course)."""
    for _ in range(count):
        person = UserFactory(roles=["learner"], notification_channels=["email"])
        payload = {"title": "Deutsch A1", "date": "2032-04-12", "time": "18:00-20:00"}
        services.notify(recipient=person, kind="session_reminder", key="s", payload=payload)
    return list(
        Notification.objects.filter(channel="email", status=Status.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def queued_emails(count: int) -> list[int]:
    course = CourseFactory(seats=count + 5)
    for _ in range(count):
        learner = UserFactory(roles=["learner"], notification_channels=["email"])
        course_services.book_course(course=course, learner=learner, children_ages=[])
    return list(
        Notification.objects.filter(channel="email").order_by("pk").values_list("pk", flat=True)
    )


def test_one_refused_recipient_fails_alone_and_the_rest_of_the_batch_is_sent_once(smtp):
    ids = queued_emails(5)
    refused = Notification.objects.select_related("recipient").get(pk=ids[2]).recipient.email
    catcher = smtp()

    async def handle_rcpt(server, session, envelope, address, rcpt_options):
        if address == refused:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    catcher.handle_RCPT = handle_rcpt
    results = services.deliver_batch(ids)

    assert [results[pk] for pk in ids] == ["sent", "sent", "failed", "sent", "sent"]
    assert sorted(address for m in catcher.messages for address in m.rcpt_tos) == sorted(
        Notification.objects.filter(pk__in=ids)
        .exclude(pk=ids[2])
        .values_list("recipient__email", flat=True)
    )
    failed = Notification.objects.get(pk=ids[2])
    assert failed.status == Status.FAILED and "refused" in failed.last_error
    assert set(services.deliver_batch(ids).values()) == {"skipped"}, "nothing is sent twice"
    assert len(catcher.messages) == 4


def test_a_mail_server_that_is_away_costs_a_batch_two_tries_and_each_row_its_own_backoff(
    settings,
):
    from ..mailcatcher import free_port

    ids = queued_emails(4)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    results = services.deliver_batch(ids)
    assert set(results.values()) == {"retry"}
    rows = Notification.objects.filter(pk__in=ids)
    assert {(row.status, row.attempts) for row in rows} == {(Status.QUEUED, 1)}
    assert all(row.next_attempt_at > timezone.now() for row in rows)
    assert {row.last_error.startswith("not tried") for row in rows} == {False, True}


@contextlib.contextmanager
def statements():
    """The SQL statements run inside, without the savepoints the test's own
    transaction adds around each ``atomic`` (a worker runs outside one)."""
    with CaptureQueriesContext(connection) as context:
        found: list[str] = []
        yield found
    found.extend(q["sql"] for q in context.captured_queries if "SAVEPOINT" not in q["sql"].upper())


def test_a_claim_is_two_statements_and_each_sent_message_one_whatever_the_batch_size(mailoutbox):
    small = reminders(2)
    with statements() as run:  # SELECT … FOR UPDATE SKIP LOCKED, UPDATE … sending
        claimed = services._claim(small, timezone.now())
    assert len(run) == 2, run
    assert [row.pk for row in claimed] == small
    assert {row.status for row in Notification.objects.filter(pk__in=small)} == {Status.SENDING}
    Notification.objects.filter(pk__in=small).update(status=Status.QUEUED, attempts=0)

    large = reminders(10)[2:]
    with statements() as run:
        assert len(services._claim(large, timezone.now())) == len(large) == 10
    assert len(run) == 2, run
    Notification.objects.filter(pk__in=large).update(status=Status.QUEUED, attempts=0)

    # Delivering: the claim, then one UPDATE per message the server accepted
    # (marked at once, so a worker killed later in the batch leaves it marked).
    with statements() as run:
        results = services.deliver_batch(large)
    assert len(run) == 2 + len(large), run
    assert set(results.values()) == {"sent"}
    assert len(mailoutbox) == len(large)
    # A batch of rows already sent costs the claim's SELECT only.
    with statements() as run:
        assert set(services.deliver_batch(large).values()) == {"skipped"}
    assert len(run) == 1, run


def test_rows_not_yet_due_are_not_claimed():
    ids = queued_emails(3)
    later = timezone.now() + dt.timedelta(minutes=5)
    Notification.objects.filter(pk=ids[0]).update(next_attempt_at=later)
    assert [row.pk for row in services._claim(ids, timezone.now())] == ids[1:]
    with time_machine.travel(later + dt.timedelta(seconds=1)):
        assert [row.pk for row in services._claim(ids, timezone.now())] == ids[:1]


def test_notify_writes_all_channels_in_one_insert_and_a_replay_in_two_statements():
    person = UserFactory(roles=["learner"], notification_channels=["email"])
    with statements() as run:
        rows = services.notify(recipient=person, kind="booking_confirmed", key="k", payload={})
    assert len(run) == 1, run
    assert {row.channel for row in rows} == {"inbox", "email"}
    assert all(row.pk for row in rows)
    with statements() as run:  # the insert that skips both, then reading them
        again = services.notify(recipient=person, kind="booking_confirmed", key="k", payload={})
    assert len(run) == 2, run
    assert [row.pk for row in again] == [row.pk for row in rows]
    assert Notification.objects.count() == 2


def test_a_transaction_with_many_notifications_hands_them_over_in_one_task(
    django_capture_on_commit_callbacks, published
):
    people = [UserFactory(roles=["learner"], notification_channels=["email"]) for _ in range(5)]
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for index, person in enumerate(people):
            services.notify(recipient=person, kind="course_changed", key=f"c{index}")
    emails = list(Notification.objects.filter(channel="email").values_list("pk", flat=True))
    assert [sorted(ids) for ids in published] == [sorted(emails)]


@pytest.mark.postgres
def test_a_caller_can_write_notifys_rows_in_its_own_statement(
    django_capture_on_commit_callbacks, published
):
    """``outgoing``, ``insert_statement``, ``inserted``: the rows ``notify``
    writes, sent inside a caller's statement (here a ``WITH`` whose count fills
    a payload key), queued ones handed over at the commit, a replay skipped."""
    from django.db import transaction

    person = UserFactory(roles=["learner"], notification_channels=["email"])

    def send(payload):
        rows = services.outgoing(recipient=person, kind="course_changed", key="k", payload=payload)
        sql, params = services.insert_statement(rows, fill={"seen": "(SELECT n + 1 FROM counted)"})
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH counted AS (SELECT 41 AS n), told AS ({sql}) SELECT * FROM told", params
            )
            return services.inserted(rows, cursor.fetchall())

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        rows = send({"title": "Deutsch A1", "seen": None})
    assert {row.channel for row in rows} == {"inbox", "email"}
    written = {row.channel: row for row in Notification.objects.filter(recipient=person)}
    assert {channel: row.pk for channel, row in written.items()} == {r.channel: r.pk for r in rows}
    assert written["inbox"].payload == {"title": "Deutsch A1", "seen": 42}
    assert written["inbox"].idempotency_key == f"course_changed:k:{person.pk}:inbox"
    assert published == [[written["email"].pk]]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        again = send({"title": "changed"})  # the same key: left as it is
    assert [row.pk for row in again] == [row.pk for row in rows]
    assert Notification.objects.get(pk=written["inbox"].pk).payload["title"] == "Deutsch A1"
    assert published == [[written["email"].pk]]
