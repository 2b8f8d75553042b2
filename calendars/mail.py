"""Putting an invitation into a Django email so calendars take it as one.

Outlook, Gmail and Apple Mail recognise an invitation (or an update of one)
by a ``text/calendar; method=REQUEST|CANCEL`` part inside the message's
``multipart/alternative``, next to the plain-text and HTML bodies, whose
METHOD matches the METHOD inside the calendar. Some webmail clients only
offer attachments, so the same bytes also go along as ``invite.ics``
(``application/ics``) — Google Calendar's own invitations are built the same
way. Send one invitation (one UID) per message, to the attendee in ``To:``.
"""

from django.core.mail import EmailMultiAlternatives

from .builders import invitation_mime_parts
from .events import Method


def attach_invitation(
    message: EmailMultiAlternatives, ics: bytes, method: Method | str, *, as_attachment: bool = True
) -> None:
    parts = invitation_mime_parts(ics, method)
    message.attach_alternative(parts.content.decode("utf-8"), parts.django_mimetype)
    if as_attachment:
        message.attach(parts.filename, parts.content, "application/ics")


def calendar(kind: str, object_id: int, method: str) -> dict:
    """The payload part of a notification whose email carries an invitation:
    which event and method (``kind`` is ``"course"`` or ``"meeting"``). The
    calendar itself is built when the email is sent (``invitations.py``)."""
    return {"calendar": {"type": kind, "id": object_id, "method": method}}


class Invitation:
    """The invitation an email notification carries (registered with the
    outbox in ``CalendarsConfig.ready``): its text may mention the file."""

    mentions = True

    def __init__(self, ics: bytes, method: str):
        self.ics, self.method = ics, method

    def attach(self, message: EmailMultiAlternatives) -> None:
        from django.conf import settings

        attach_invitation(message, self.ics, self.method)
        # Replies to an invitation (accept/decline, or a plain answer) go
        # to the organizer's mailbox, which the office reads (RFC 6047).
        message.reply_to = [settings.KURSLOTSE_CALENDAR_ORGANIZER]


def invitation_of(notification) -> Invitation | None:
    """The iCalendar part for notifications that change someone's calendar, if any."""
    wanted = notification.payload.get("calendar")
    if not wanted:
        return None
    from .invitations import invitation_for

    built = invitation_for(
        kind=wanted["type"],
        object_id=wanted["id"],
        method=wanted["method"],
        recipient=notification.recipient,
    )
    if built is None:
        return None
    _content_type, ics = built
    return Invitation(ics, wanted["method"])
