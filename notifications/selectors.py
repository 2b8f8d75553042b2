"""Reads of notifications: a person's inbox."""

from .constants import Channel
from .models import Notification


def inbox_of(user):
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX).order_by(
        "-created_at", "-pk"
    )
