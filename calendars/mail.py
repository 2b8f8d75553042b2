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
