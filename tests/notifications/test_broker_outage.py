"""A request never waits on a broker that is away.

The broker here is a server that accepts the connection and never answers —
Redis behind a broken network, the worst case: without timeouts a publish
waited for ever, and with kombu's default reconnecting a refused publish took
6 s. (A stopped Redis, refusing connections, is in test_real_worker.py.)
"""

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from accounts.roles import COORDINATOR, LEARNER
from courses import services as course_services
from notifications import services
from notifications.constants import Status
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory
from ..servers import SilentServer
from .test_real_worker import reset_connections

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_publishing_is_bounded_by_short_timeouts_and_never_retried():
    from backend.celery import app

    options = app.conf.broker_transport_options
    assert options["max_retries"] == 0
    assert options["socket_connect_timeout"] == django_settings.REDIS_CONNECT_TIMEOUT <= 5
    assert options["socket_timeout"] == django_settings.REDIS_SOCKET_TIMEOUT <= 5
    assert app.conf.broker_connection_timeout == django_settings.REDIS_CONNECT_TIMEOUT
    assert app.conf.task_publish_retry is False


@pytest.fixture
def silent_broker():
    from backend.celery import app

    broker = SilentServer()
    previous = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{broker.port}/0"
    reset_connections(app)
    yield broker
    app.conf.broker_url = previous
    reset_connections(app)
    broker.close()


def test_a_course_cancellation_with_a_silent_broker_tries_it_once_and_leaves_the_rest_queued(
    silent_broker, settings
):
    course = CourseFactory(seats=20)
    for _ in range(14):
        course_services.book_course(
            course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[]
        )
    confirmations = Notification.objects.filter(channel="email", kind="booking_confirmed")
    # The first confirmation's publish timed out; the other 13 left it to the sweep.
    assert len(silent_broker.accepted) == 1
    assert set(confirmations.values_list("enqueued_at", flat=True)) == {None}

    api = APIClient()
    api.force_authenticate(UserFactory(roles=[COORDINATOR]))
    answer = api.post(f"/api/v1/courses/{course.pk}/cancel/")

    assert answer.status_code == 200
    assert len(silent_broker.accepted) == 1, "the broker is left alone for a few seconds"
    cancellations = Notification.objects.filter(channel="email", kind="course_cancelled")
    assert cancellations.count() == 14
    assert set(cancellations.values_list("status", "enqueued_at")) == {(Status.QUEUED, None)}
    # After the pause the sweep tries again: once, and it gives up as fast.
    services.BROKER.reset()
    assert services.sweep()["enqueued"] == 28
    assert len(silent_broker.accepted) == 2
    assert not Notification.objects.filter(channel="email", enqueued_at__isnull=False).exists()
