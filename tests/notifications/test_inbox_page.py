"""The inbox page: one's own messages in one's own language, marked read on request."""

import pytest

from accounts.roles import LEARNER
from courses.notifications import Kind
from notifications.selectors import inbox_of, unread_count
from notifications.services import notify

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def _message(user, key="1"):
    payload = {"title": "Deutsch A1 Eppingen", "date": "2026-12-01", "course": 1}
    return notify(recipient=user, kind=Kind.BOOKING_CONFIRMED, key=key, payload=payload)[0]


def test_inbox_shows_own_messages_in_the_readers_language(client):
    reader = UserFactory(roles=[LEARNER], preferred_language="en")
    _message(reader)
    _message(UserFactory(roles=[LEARNER]), key="someone-else")
    client.force_login(reader)
    page = client.get("/inbox/").content.decode()
    assert page.count('class="card card--unread"') == 1
    assert "Deutsch A1 Eppingen" in page


def test_the_same_message_reads_in_ukrainian_after_switching(client):
    reader = UserFactory(roles=[LEARNER], preferred_language="en")
    _message(reader)
    client.force_login(reader)
    english = client.get("/inbox/").content.decode()
    client.post("/language/", {"language": "uk", "next": "/inbox/"})
    ukrainian = client.get("/inbox/").content.decode()
    assert 'lang="uk"' in ukrainian
    assert english != ukrainian


def test_marking_read_changes_only_that_message_and_the_unread_badge(client):
    reader = UserFactory(roles=[LEARNER])
    first, second = _message(reader, "1"), _message(reader, "2")
    client.force_login(reader)
    assert client.post(f"/inbox/{first.pk}/read/").status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    client.post("/inbox/read-all/")
    assert not inbox_of(reader).filter(read_at__isnull=True).exists()


def test_inbox_page_queries_do_not_grow_with_messages(client, django_assert_max_num_queries):
    reader = UserFactory(roles=[LEARNER])
    client.force_login(reader)
    for key in range(3):
        _message(reader, str(key))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/inbox/")
    for key in range(3, 15):
        _message(reader, str(key))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/inbox/")


def test_inbox_pages_link_to_each_other(client):
    reader = UserFactory(roles=[LEARNER])
    for key in range(25):
        _message(reader, str(key))
    client.force_login(reader)
    first = client.get("/inbox/").content.decode()
    assert 'href="?page=2" rel="next"' in first
    second = client.get("/inbox/?page=2").content.decode()
    assert 'href="?page=1" rel="prev"' in second
    assert second.count('class="card card--unread"') == 5


def test_unread_count_is_the_inbox_unread():
    """``unread_count`` (one hand-written statement) counts what ``inbox_of``
    lists unread: not read ones, not other channels, not other people's."""
    from django.contrib.auth.models import AnonymousUser
    from django.utils import timezone

    reader = UserFactory(roles=[LEARNER], notification_channels=["email"])
    other = UserFactory(roles=[LEARNER])
    for number in range(3):
        notify(recipient=reader, kind=Kind.BOOKING_CONFIRMED, key=f"r{number}", payload={})
    notify(recipient=other, kind=Kind.BOOKING_CONFIRMED, key="o", payload={})
    inbox_of(reader).filter(idempotency_key__contains=":r0:").update(read_at=timezone.now())
    assert unread_count(reader) == inbox_of(reader).filter(read_at__isnull=True).count() == 2
    assert unread_count(other) == 1 and unread_count(AnonymousUser()) == 0
