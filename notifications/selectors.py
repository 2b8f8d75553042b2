"""Reads of notifications: a person's inbox."""

from .constants import Channel
from .models import Notification


def inbox_of(user):
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX).order_by(
        "-created_at", "-pk"
    )


def unread_count(user) -> int:
    """Shown in every page's navigation, so one cheap COUNT."""
    return inbox_of(user).filter(read_at__isnull=True).count()
