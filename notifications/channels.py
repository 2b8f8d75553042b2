"""How a notification reaches a person. Each channel sends one outbox row.

A channel raises ``TransientError`` when trying again later may work (the
mail server is away) and ``PermanentError`` when it will not (the address is
refused). Adding SMS or a messenger means one more class here and its name in
``CHANNELS``.
"""

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import get_language_bidi, override

from .models import Notification
from .texts import render


class TransientError(Exception):
    """Delivery failed for now; try again later."""


class PermanentError(Exception):
    """Delivery can never succeed (e.g. the address is refused)."""


class InboxChannel:
    """The in-app inbox: the row itself is the message."""

    name = "inbox"

    def send(self, notification: Notification) -> None:
        return None


class OfficeCallChannel:
    """The coordination office's call list (``calls.py``): the row itself is
    the task, shown at /manage/calls/ until someone marks the call done."""

    name = "office_call"

    def send(self, notification: Notification) -> None:
        return None


class EmailChannel:
    """Plain text and HTML in the recipient's language, plus a calendar
    invitation (``text/calendar; method=…``) where the event has one."""

    name = "email"

    def send(self, notification: Notification) -> None:
        message = self.build(notification)
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentError(f"recipient refused: {error.recipients}") from error
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            raise TransientError(f"{type(error).__name__}: {error}") from error

    def build(self, notification: Notification) -> EmailMultiAlternatives:
        recipient = notification.recipient
        if not recipient.email:
            # The address was removed since the row was queued: nobody to send to.
            raise PermanentError("the recipient has no email address")
        language = recipient.preferred_language or settings.LANGUAGE_CODE
        # The invitation first: the text mentions the calendar file only if it is attached.
        invitation = calendar_invitation(notification)
        text = render(
            notification.kind,
            notification.payload,
            language,
            calendar_attached=invitation is not None,
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
        if invitation is not None:
            from calendars.mail import attach_invitation

            _content_type, ics = invitation
            attach_invitation(message, ics, notification.payload["calendar"]["method"])
            # Replies to an invitation (accept/decline, or a plain answer) go
            # to the organizer's mailbox, which the office reads (RFC 6047).
            message.reply_to = [settings.KURSLOTSE_CALENDAR_ORGANIZER]
        return message


def calendar_invitation(notification: Notification) -> tuple[str, bytes] | None:
    """The iCalendar part for events that change someone's calendar, if any."""
    calendar = notification.payload.get("calendar")
    if not calendar:
        return None
    from calendars.invitations import invitation_for

    return invitation_for(
        kind=calendar["type"],
        object_id=calendar["id"],
        method=calendar["method"],
        recipient=notification.recipient,
    )


CHANNELS = {
    channel.name: channel for channel in (InboxChannel(), EmailChannel(), OfficeCallChannel())
}
