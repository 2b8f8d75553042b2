"""Channels and delivery states of the outbox.

The kinds of notification belong to the apps that send them (``courses/
notifications.py``, ``coaching/notifications.py``, ``accounts/
notifications.py``), registered in ``registry.py``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("Email")
    # For people without an email address who get no text messages: the
    # coordination office's call list (/manage/calls/). See calls.py.
    OFFICE_CALL = "office_call", _("A call from the office")
    # Text messages to the person's phone (notifications/sms/).
    SMS = "sms", _("Text message (SMS)")


# Channels a person may choose besides the inbox, which everyone has; each
# needs their consent (accounts.services.record_consent).
OPTIONAL_CHANNELS = (Channel.EMAIL, Channel.SMS)
# Channels whose row *is* the delivery (a list someone reads): sent when written.
LIST_CHANNELS = (Channel.INBOX, Channel.OFFICE_CALL)

# Delivery tries: a transient failure (mail server away) is retried after
# 1, 2, 4, 8 … minutes, at most this many times, then marked failed.
MAX_ATTEMPTS = 6
# A row left in "sending" longer than this belonged to a worker that died.
STUCK_AFTER_MINUTES = 10
# A row handed to the broker is not handed again by the sweep for this long
# (its task is probably still waiting in the queue behind others).
REENQUEUE_AFTER_MINUTES = 5


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
