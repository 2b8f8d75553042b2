"""Reads of notifications: a person's inbox, the office's call list."""

from common.prepared import fetch_prepared

from .constants import Channel
from .models import Notification


def inbox_of(user):
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX).order_by(
        "-created_at", "-pk"
    )


_UNREAD_SQL = (
    f"SELECT count(*) FROM {Notification._meta.db_table}"
    " WHERE recipient_id = %s AND channel = %s AND read_at IS NULL"
)


def unread_count(user) -> int:
    """``inbox_of(user)``'s unread rows, counted. Shown in every page's
    navigation, so one prepared statement: composing the queryset took longer
    than the count (``test_unread_count_is_the_inbox_unread``)."""
    if not user.is_authenticated:
        return 0
    return int(fetch_prepared(_UNREAD_SQL, [user.pk, str(Channel.INBOX)])[0][0])


def office_calls():
    """Rows of the office's call list (the ``office_call`` channel), and no others."""
    return Notification.objects.filter(channel=Channel.OFFICE_CALL)


def call_list(*, done: bool = False):
    """The office's calls: open ones oldest first (who waits longest comes
    first), or the done ones newest first; with the person, their
    municipality and who called, so a page of them costs one query."""
    rows = office_calls().filter(done_at__isnull=not done)
    rows = rows.select_related("recipient__home_municipality", "done_by")
    if done:
        return rows.order_by("-done_at", "-pk")
    return rows.order_by("created_at", "pk")


def open_calls_count() -> int:
    return Notification.objects.filter(channel=Channel.OFFICE_CALL, done_at__isnull=True).count()


def personal_data_of(person) -> list[dict]:
    """The ``notifications`` section of the export: every message sent to the
    person, on every channel, with what it said (its payload), newest first."""
    return [
        {
            "id": row.pk,
            "kind": row.kind,
            "channel": row.channel,
            "status": row.status,
            "created_at": row.created_at,
            "sent_at": row.sent_at,
            "read_at": row.read_at,
            "called_at": row.done_at,
            "content": row.payload,
        }
        for row in Notification.objects.filter(recipient=person).order_by("-created_at", "-pk")
    ]


def readable_notifications(rows: list[dict]) -> list[dict]:
    """The export's notifications as the page shows them: each message's text
    in the reader's language (the current one) instead of its payload."""
    from django.utils import translation

    from .texts import render

    language = translation.get_language() or "en"
    shown = []
    for row in rows:
        try:
            text = render(row["kind"], row["content"], language)
            content = " ".join([text.subject, *text.lines])
        except (KeyError, TypeError, ValueError):  # an old payload: show what it holds
            content = row["content"]
        shown.append({**row, "content": content})
    return shown
