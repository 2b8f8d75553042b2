"""How a notification reaches a person.

A channel sends outbox rows: ``send(row)`` one, or ``session()`` a context
in which ``send(row)`` is called for each row of a batch over one connection
(the email channel keeps one SMTP connection open for the whole batch). It
raises ``TransientError`` when trying again later may work (the mail server
is away) and ``PermanentError`` when it will not (the address is refused); a
``TransientError`` with ``broken=True`` says the connection itself failed, so
the rest of a batch should not wait for it again and again. Adding SMS or a
messenger means one more class here and its name in ``CHANNELS``.
"""

import contextlib
import smtplib
from collections.abc import Iterator

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils.translation import get_language_bidi, override

from . import registry
from .models import Notification
from .texts import render


class TransientError(Exception):
    """Delivery failed for now; try again later."""

    def __init__(self, message: str, *, broken: bool = False):
        super().__init__(message)
        self.broken = broken  # the connection failed, not only this message


class PermanentError(Exception):
    """Delivery can never succeed (e.g. the address is refused)."""


class InboxChannel:
    """The in-app inbox: the row itself is the message."""

    name = "inbox"

    def send(self, notification: Notification) -> None:
        return None

    @contextlib.contextmanager
    def session(self) -> Iterator["InboxChannel"]:
        yield self


class OfficeCallChannel:
    """The coordination office's call list (``calls.py``): the row itself is
    the task, shown at /manage/calls/ until someone marks the call done."""

    name = "office_call"

    def send(self, notification: Notification) -> None:
        return None

    @contextlib.contextmanager
    def session(self) -> Iterator["OfficeCallChannel"]:
        yield self


class EmailChannel:
    """Plain text and HTML in the recipient's language, plus a calendar
    invitation (``text/calendar; method=…``) where the event has one."""

    name = "email"

    def send(self, notification: Notification) -> None:
        """One message over its own connection (what ``message.send()`` does)."""
        message = self.build(notification)
        try:
            message.send(fail_silently=False)
        except Exception as error:
            sorted_error = _sorted(error)
            if sorted_error is error:
                raise
            raise sorted_error from error

    @contextlib.contextmanager
    def session(self) -> Iterator["_EmailSession"]:
        """Send a batch over one SMTP connection, opened at the first message."""
        sender = _EmailSession(self)
        try:
            yield sender
        finally:
            sender.close()

    def build(self, notification: Notification) -> EmailMultiAlternatives:
        recipient = notification.recipient
        if not recipient.email:
            # The address was removed since the row was queued: nobody to send to.
            raise PermanentError("the recipient has no email address")
        language = recipient.preferred_language or settings.LANGUAGE_CODE
        # Attachments first: the text mentions the calendar file only if it is attached.
        attachments = registry.attachments_for(notification)
        text = render(
            notification.kind,
            notification.payload,
            language,
            calendar_attached=any(each.mentions for each in attachments),
        )
        with override(language):
            context = {
                "text": text,
                "language": language,
                "direction": "rtl" if get_language_bidi() else "ltr",
                "site_name": settings.KURSLOTSE_SITE_NAME,
            }
            body = render_to_string("notifications/email.txt", context)
            html = render_to_string("notifications/email.html", context)
        message = EmailMultiAlternatives(
            subject=text.subject,
            body=body,
            to=[recipient.email],
            headers={"X-Kurslotse-Notification": notification.idempotency_key},
        )
        message.attach_alternative(html, "text/html")
        for attachment in attachments:
            attachment.attach(message)
        return message


def _sorted(error: Exception) -> Exception:
    """An SMTP error as the outbox treats it: refused recipients for good,
    the rest for now (the connection itself broken, or just this message)."""
    if isinstance(error, PermanentError | TransientError):
        return error
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return PermanentError(f"recipient refused: {error.recipients}")
    broken = isinstance(error, smtplib.SMTPServerDisconnected | TimeoutError | OSError)
    if broken or isinstance(error, smtplib.SMTPException):
        return TransientError(f"{type(error).__name__}: {error}", broken=broken)
    return error


class _EmailSession:
    """One SMTP connection for a batch: opened at the first message, opened
    again after it broke, closed at the end (``EmailChannel.session``)."""

    def __init__(self, channel: EmailChannel):
        self.channel = channel
        self.connection: BaseEmailBackend | None = None

    def send(self, notification: Notification) -> None:
        message = self.channel.build(notification)
        try:
            if self.connection is None:
                self.connection = get_connection(fail_silently=False)
                self.connection.open()
            message.connection = self.connection
            self.connection.send_messages([message])
        except Exception as error:
            sorted_error = _sorted(error)
            if isinstance(sorted_error, TransientError) and sorted_error.broken:
                self.close()
            if sorted_error is error:
                raise
            raise sorted_error from error

    def close(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            with contextlib.suppress(Exception):
                connection.close()


CHANNELS = {
    channel.name: channel for channel in (InboxChannel(), EmailChannel(), OfficeCallChannel())
}
