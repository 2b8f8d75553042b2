"""The process's hand-over thread (notifications/handover.py): commits only
add their ids; the thread publishes what gathered, in one task, a moment later.
The broker here is ``deliver_batch.apply_async`` itself (the ``published``
fixture), except where it is a server that does not answer."""

import pytest
from django.db import transaction

from notifications import handover, services
from notifications.models import Notification

from ..factories import UserFactory
from ..servers import SilentServer, wait_for
from .test_real_worker import reset_connections


def commit_one_notification(person, key: str) -> int:
    with transaction.atomic():
        (row,) = [
            row
            for row in services.notify(recipient=person, kind="course_changed", key=key)
            if row.channel == "email"
        ]
    return row.pk


@pytest.fixture(autouse=True)
def own_queue(monkeypatch):
    """Each test its own list and thread (a thread of an earlier test may
    still sleep through that test's linger)."""
    monkeypatch.setattr(handover, "_QUEUE", None)


@pytest.fixture
def people():
    return [UserFactory(roles=["learner"], notification_channels=["email"]) for _ in range(3)]


@pytest.mark.django_db(transaction=True)
def test_the_commits_of_a_moment_go_to_the_broker_in_one_task_after_the_linger(
    settings, published, people
):
    settings.KURSLOTSE_HANDOVER_LINGER_SECONDS = 60  # longer than the test: nothing on its own
    ids = [commit_one_notification(person, f"k{i}") for i, person in enumerate(people)]
    assert published == [], "a commit does not publish itself"
    handover.drain()  # what the thread does when the linger is over (and atexit)
    assert [sorted(batch) for batch in published] == [sorted(ids)]
    handover.drain()
    assert len(published) == 1, "nothing twice"


@pytest.mark.django_db(transaction=True)
def test_the_thread_publishes_without_being_asked(settings, published, people):
    settings.KURSLOTSE_HANDOVER_LINGER_SECONDS = 0.05
    first = commit_one_notification(people[0], "a")
    wait_for(lambda: published == [[first]], timeout=10, what="the thread's task")
    second = commit_one_notification(people[1], "b")  # the same thread, woken again
    wait_for(lambda: published == [[first], [second]], timeout=10, what="the second task")
    assert handover._process_queue()._thread.is_alive(), "one thread, still there for the next"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_hands_over_nothing(settings, published, people):
    settings.KURSLOTSE_HANDOVER_LINGER_SECONDS = 60

    class Undone(Exception):
        pass

    with pytest.raises(Undone), transaction.atomic():
        services.notify(recipient=people[0], kind="course_changed", key="gone")
        raise Undone
    handover.drain()
    assert published == []


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_rows_a_silent_broker_did_not_take_are_left_to_the_sweep(settings, people):
    """The request returns at once; the thread's publish times out, and it
    unmarks the rows (its own database connection), so the next sweep sends them."""
    from backend.celery import app

    settings.KURSLOTSE_HANDOVER_LINGER_SECONDS = 0.05
    broker = SilentServer()
    previous = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{broker.port}/0"
    reset_connections(app)
    try:
        ids = [commit_one_notification(person, f"s{i}") for i, person in enumerate(people)]
        assert Notification.objects.filter(pk__in=ids, enqueued_at__isnull=False).count() == 3
        wait_for(
            lambda: not Notification.objects.filter(pk__in=ids, enqueued_at__isnull=False).exists(),
            timeout=30,
            what="the rows unmarked",
        )
        assert len(broker.accepted) == 1, "one publish for the three, tried once"
    finally:
        app.conf.broker_url = previous
        reset_connections(app)
        broker.close()
        services.BROKER.reset()


def test_a_forked_child_starts_a_list_of_its_own(monkeypatch):
    parent = handover._process_queue()
    monkeypatch.setattr(handover.os, "getpid", lambda: parent.pid + 1)
    child = handover._process_queue()
    assert child is not parent and child.pid == parent.pid + 1
    assert handover._process_queue() is child
