"""How a notification reaches a person.

A channel sends outbox rows: ``send(row)`` one, or ``session()`` a context
in which ``send(row)`` is called for each row of a batch over one connection
(the email channel keeps one SMTP connection open for the whole batch). It
raises ``TransientError`` when trying again later may work (the mail server
is away) and ``PermanentError`` when it will not (the address is refused); a
``TransientError`` with ``broken=True`` says the connection itself failed, so
the rest of a batch should not wait for it again and again. A messenger
would be one more class here and its name in ``CHANNELS``, as SMS is
(``SmsChannel``, with its texts and gateways in ``sms/``).
"""

import contextlib
import json
import logging
import smtplib
from collections.abc import Iterator

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import SafeMIMEMultipart
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language_bidi, override

from common.kept import KeptPerProcess

from . import registry
from .errors import PermanentError, TransientError
from .models import Notification
from .sms import gateways as sms_gateways
from .sms import words as sms_words
from .sms.gateways import Message
from .texts import Text, render

logger = logging.getLogger(__name__)


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
        text, body, html = _words(
            notification.kind,
            notification.payload,
            language,
            any(each.mentions for each in attachments),
        )
        # Without an attachment the message is the same for everyone who reads
        # these words but for its headers: its parts are made once (_SharedParts).
        message = (EmailMultiAlternatives if attachments else _SharedPartsEmail)(
            subject=text.subject,
            body=body,
            to=[recipient.email],
            headers={"X-Kurslotse-Notification": notification.idempotency_key},
        )
        message.attach_alternative(html, "text/html")
        for attachment in attachments:
            attachment.attach(message)
        return message


# The words of a message (text, plain body, HTML) per kind, payload, language
# and whether the calendar file is mentioned. The payload is a snapshot taken
# when the row was queued, so the words follow from this key: the reminders of
# one date, or the news of one course's change, are rendered once per worker
# process and language instead of once per person.
_KEPT_WORDS: KeptPerProcess[tuple, tuple[Text, str, str]] = KeptPerProcess(256)


def _words(kind: str, payload: dict, language: str, attached: bool) -> tuple[Text, str, str]:
    key = (
        kind,
        json.dumps(payload, sort_keys=True, default=str),
        language,
        attached,
        timezone.get_current_timezone_name(),  # moments are written in it
        settings.KURSLOTSE_SITE_NAME,
    )
    kept = _KEPT_WORDS.get(key)
    if kept is not None:
        return kept
    text = render(kind, payload, language, calendar_attached=attached)
    with override(language):
        context = {
            "text": text,
            "language": language,
            "direction": "rtl" if get_language_bidi() else "ltr",
            "site_name": settings.KURSLOTSE_SITE_NAME,
        }
        words = (
            text,
            render_to_string("notifications/email.txt", context),
            render_to_string("notifications/email.html", context),
        )
    _KEPT_WORDS.keep(key, words)
    return words


class _SharedPartsEmail(EmailMultiAlternatives):
    """An email whose parts (plain text and HTML) are made and flattened once
    per process for every message with the same words (``_SharedParts``);
    only its headers (To, Date, Message-ID, the notification's key …) are
    made per person, by Django as for any message. Making and flattening the
    two MIME parts of every reminder was the largest cost per message a
    worker had left (a profile of ``deliver_batch``). What it sends is what
    Django makes of the same message, byte for byte but for the boundary
    (``test_email_making.py``); read its words from ``body`` and
    ``alternatives``, or parse what ``message()`` writes: its MIME object has
    no parts to walk. An attachment (an invitation, made for its attendee)
    takes Django's own way."""

    def _create_message(self, msg):
        if self.attachments or [each.mimetype for each in self.alternatives] != ["text/html"]:
            return super()._create_message(msg)
        encoding = self.encoding or settings.DEFAULT_CHARSET
        return _SharedParts.of(self.body, self.alternatives[0].content, encoding).message()


class _SharedParts:
    """The flattened ``multipart/alternative`` body of one text and its HTML,
    with the boundary it was made with (checked against the content, as the
    email package checks any boundary)."""

    _kept: KeptPerProcess[tuple, "_SharedParts"] = KeptPerProcess(256)

    def __init__(self, body: str, html: str, encoding: str):
        self.encoding = encoding
        whole = EmailMultiAlternatives(body=body, alternatives=[(html, "text/html")])
        whole.encoding = encoding
        mime = whole.message()
        flat = mime.as_bytes(linesep="\n")  # type: ignore[call-arg]
        self.boundary = mime.get_boundary()
        self.flat = flat.split(b"\n\n", 1)[1]  # everything below the headers

    @classmethod
    def of(cls, body: str, html: str, encoding: str) -> "_SharedParts":
        key = (body, html, encoding)
        kept = cls._kept.get(key)
        if kept is None:
            kept = cls(body, html, encoding)
            cls._kept.keep(key, kept)
        return kept

    def message(self) -> "_SharedPartsMIME":
        return _SharedPartsMIME(self)


class _SharedPartsMIME(SafeMIMEMultipart):
    """A ``multipart/alternative`` written as its headers, made by the email
    package as for any message, followed by the parts as flattened once
    (``_SharedParts``), with the line ends asked for. (A multipart whose
    payload is text is written as that text: here an empty one.)"""

    def __init__(self, parts: _SharedParts):
        super().__init__("alternative", boundary=parts.boundary, encoding=parts.encoding)
        self._parts = parts
        self.set_payload("")  # the generators write the headers and this

    def as_bytes(self, unixfrom=False, linesep="\n"):
        head = super().as_bytes(unixfrom=unixfrom, linesep=linesep)
        return head + self._parts.flat.replace(b"\n", linesep.encode("ascii"))

    def as_string(self, unixfrom=False, linesep="\n"):
        head = super().as_string(unixfrom=unixfrom, linesep=linesep)
        return head + self._parts.flat.decode(self._parts.encoding).replace("\n", linesep)


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


class SmsChannel:
    """A text message to the recipient's phone: the kind's short text in their
    language (``sms/words.py``), handed to the gateway the settings name
    (``sms/gateways.py``). The gateway's errors are the outbox's: retried, or
    failed for good, as for email."""

    name = "sms"

    def build(self, notification: Notification) -> Message:
        recipient = notification.recipient
        if not recipient.phone:
            # The number was removed since the row was queued: nobody to text.
            raise PermanentError("the recipient has no phone number")
        language = recipient.preferred_language or settings.LANGUAGE_CODE
        return Message(
            to=recipient.phone,
            text=sms_words.compose(notification.kind, notification.payload, language),
            reference=notification.idempotency_key,
        )

    def send(self, notification: Notification) -> None:
        with self.session() as sender:
            sender.send(notification)

    @contextlib.contextmanager
    def session(self) -> Iterator["_SmsSession"]:
        """One gateway for a batch (its settings read once). Settings that name
        no usable gateway fail each message for now, logged, so the rows wait
        for the fix instead of a worker crashing on them."""
        try:
            gateway: sms_gateways.Gateway | None = sms_gateways.gateway()
            problem = ""
        except ValueError as error:
            logger.error("No SMS gateway: %s", error)
            gateway, problem = None, str(error)
        yield _SmsSession(self, gateway, problem)


class _SmsSession:
    def __init__(self, channel: SmsChannel, gateway: sms_gateways.Gateway | None, problem: str):
        self.channel = channel
        self.gateway = gateway
        self.problem = problem

    def send(self, notification: Notification) -> None:
        message = self.channel.build(notification)
        if self.gateway is None:
            raise TransientError(f"no SMS gateway: {self.problem}", broken=True)
        self.gateway.send(message)


CHANNELS = {
    channel.name: channel
    for channel in (InboxChannel(), EmailChannel(), OfficeCallChannel(), SmsChannel())
}
