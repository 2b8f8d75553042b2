"""What the apps that own the data tell the outbox about their notifications.

The outbox knows no domain: it stores, delivers and sweeps rows. Each app
registers, from its ``AppConfig.ready``, the kinds it sends (``register_kind``:
label, text, whether people without email must hear it by phone, whether it
goes by email whatever the person chose, where its subject lives, how many
SMS segments its text message may take), the
reminders the periodic sweep queues (``register_reminders``) and what an
email may carry besides its text (``register_attachment``: calendars adds the
invitation). Adding a kind, a reminder or an attachment touches only the app
that owns it; adding a channel touches ``channels.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .texts import Text


class TextFunction(Protocol):
    def __call__(self, payload: dict, /, *, attached: bool) -> Text: ...


class Attachment(Protocol):
    """Something an email carries besides its text (a calendar invitation).

    ``mentions`` says whether the text may say so ("the dates are in the
    attached calendar file"); ``attach`` adds it to the message."""

    mentions: bool

    def attach(self, message: Any) -> None: ...


# A text message of up to 3 segments: 459 GSM-7 characters, 201 in Arabic or Cyrillic.
DEFAULT_SMS_SEGMENTS = 3


@dataclass(frozen=True)
class NotificationKind:
    name: str
    label: Any  # a lazy translation
    text: TextFunction
    # People without email hear of it from the office (calls.py).
    needs_call: bool = False
    # It reaches everyone with an address by email (essential.py).
    essential: bool = False
    # Where the message's subject lives, for the reader or for the office.
    link: Callable[[dict, bool], str] | None = None
    # The most SMS segments its text message may take (notifications/sms/words.py).
    sms_segments: int = DEFAULT_SMS_SEGMENTS


_KINDS: dict[str, NotificationKind] = {}
_REMINDERS: list[Callable[[datetime], int]] = []
_ATTACHMENTS: list[Callable[[Any], Attachment | None]] = []


def register_kind(
    name: str,
    label,
    text: TextFunction,
    *,
    needs_call: bool = False,
    essential: bool = False,
    link: Callable[[dict, bool], str] | None = None,
    sms_segments: int = DEFAULT_SMS_SEGMENTS,
) -> NotificationKind:
    """Declare one kind of notification. Registering a name twice is a mistake
    (two apps would answer for the same rows), unless it is the same kind again."""
    kind = NotificationKind(str(name), label, text, needs_call, essential, link, sms_segments)
    known = _KINDS.get(kind.name)
    if known is not None and known.text is not text:
        raise ValueError(f"notification kind {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind
    return kind


def kind(name: str | None) -> NotificationKind | None:
    return _KINDS.get(str(name)) if name is not None else None


def kinds() -> list[NotificationKind]:
    return list(_KINDS.values())


def kind_choices() -> list[tuple[str, Any]]:
    """``Notification.kind``'s choices (a callable, so a new kind needs no migration)."""
    return [(each.name, each.label) for each in _KINDS.values()]


def register_reminders(queue_due: Callable[[datetime], int]) -> None:
    """``queue_due(now)`` queues (``notify``) the reminders that have come due
    and returns how many; the sweep calls it every minute. It must be
    idempotent: its keys name the event as it is now."""
    if queue_due not in _REMINDERS:
        _REMINDERS.append(queue_due)


def reminder_queuers() -> list[Callable[[datetime], int]]:
    return list(_REMINDERS)


def register_attachment(build: Callable[[Any], Attachment | None]) -> None:
    """``build(notification)`` returns what to attach to its email, or None."""
    if build not in _ATTACHMENTS:
        _ATTACHMENTS.append(build)


def attachments_for(notification) -> list[Attachment]:
    return [each for each in (build(notification) for build in _ATTACHMENTS) if each is not None]
