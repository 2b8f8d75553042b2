"""The outbox: queue notifications with the change that causes them, deliver
each exactly once from Celery workers, and sweep up whatever was missed.

``notify`` writes one row per channel in the caller's transaction and asks a
worker to deliver it once that transaction commits (the task carries only the
id). ``deliver`` claims the row under a lock and does nothing unless it is
still due, so a duplicate task or a retry never sends twice. ``sweep`` runs
every minute from celery beat: it frees rows a dead worker left in
``sending``, re-enqueues everything due (Redis was down, a worker died) and
queues the reminders that have come due. Reminders are rows, not long-ETA
tasks, so they survive restarts and Redis' visibility timeout.
"""

import json
import logging
import re
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import Conflict
from common.outages import breaker

from .calls import needs_call
from .channels import CHANNELS, PermanentError, TransientError
from .constants import (
    LIST_CHANNELS,
    MAX_ATTEMPTS,
    OPTIONAL_CHANNELS,
    REENQUEUE_AFTER_MINUTES,
    STUCK_AFTER_MINUTES,
    Channel,
    Status,
)
from .essential import is_essential
from .models import Notification

logger = logging.getLogger(__name__)


def channels_of(recipient, kind: str | None = None) -> list[str]:
    """The inbox, plus the channels the person chose; email only to those who
    have an address. Someone without one is reached by the office's call
    (``calls.py``): for a ``kind`` its owner declared to need a call, or, with
    no kind given, as the way to reach them at all. A kind about the account
    itself goes by email even to those who chose none (``essential.py``)."""
    if not recipient.email:
        call = kind is None or needs_call(kind)
        return [Channel.INBOX, *([Channel.OFFICE_CALL] if call else [])]
    chosen = [c for c in recipient.notification_channels or [] if c in OPTIONAL_CHANNELS]
    if is_essential(kind) and Channel.EMAIL not in chosen:
        chosen.append(Channel.EMAIL)  # about the account itself (essential.py)
    return [Channel.INBOX, *chosen]


def notify(*, recipient, kind: str, key: str, payload: dict | None = None) -> list[Notification]:
    """Queue ``kind`` for ``recipient`` on each of their channels; idempotent per ``key``.

    Call inside the transaction of the change, so both commit or neither does.
    """
    rows = []
    now = timezone.now()
    for channel in channels_of(recipient, kind):
        listed = channel in LIST_CHANNELS  # the row is the delivery: sent as written
        row, created = Notification.objects.get_or_create(
            idempotency_key=f"{kind}:{key}:{recipient.pk}:{channel}",
            defaults={
                "recipient": recipient,
                "kind": kind,
                "channel": channel,
                "payload": payload or {},
                "status": Status.SENT if listed else Status.QUEUED,
                "sent_at": now if listed else None,
                "next_attempt_at": None if listed else now,
            },
        )
        if created and row.status == Status.QUEUED:
            transaction.on_commit(partial(enqueue, row.pk))
        rows.append(row)
    return rows


# After one failed publish, the rows of the next few seconds are left to the
# sweep at once: a course cancellation with fifty bookings must not wait fifty
# times for a broker that is away.
BROKER = breaker(
    "The Celery broker (notifications wait for the sweep)",
    lambda: settings.KURSLOTSE_REDIS_OUTAGE_PAUSE_SECONDS,
)


def enqueue(notification_id: int) -> None:
    """Hand a row to the workers. If the broker is unreachable, the sweep will
    pick the row up later: the change that caused it has committed already.

    Runs after the commit of the user's request, so it never raises: one
    attempt, bounded by the broker's timeouts (settings), no retries."""
    from .tasks import deliver

    if not BROKER.available():
        return
    try:
        deliver.apply_async((notification_id,), retry=False)
    except Exception as error:  # the broker is down: never fail the user's request for it
        logger.warning("Could not enqueue notification %s; the sweep will send it", notification_id)
        BROKER.failed(error)
        return
    BROKER.succeeded()
    Notification.objects.filter(pk=notification_id).update(enqueued_at=timezone.now())


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** max(attempts - 1, 0))


def _claim(notification_id: int, now: datetime) -> Notification | None:
    """Mark the row ``sending`` if it is due; None if someone else has it or it is done."""
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if row is None or row.status != Status.QUEUED:
            return None
        if row.next_attempt_at and row.next_attempt_at > now:
            return None
        row.status = Status.SENDING
        row.sending_since = now
        row.attempts += 1
        row.save(update_fields=["status", "sending_since", "attempts"])
        return row


def deliver(notification_id: int) -> str:
    """Send one notification once. Returns what happened (for logs and tests)."""
    now = timezone.now()
    row = _claim(notification_id, now)
    if row is None:
        return "skipped"
    try:
        CHANNELS[row.channel].send(row)
    except TransientError as error:
        return _retry_or_fail(row, str(error))
    except PermanentError as error:
        _fail(row, str(error))
        return "failed"
    except Exception as error:
        logger.exception("Delivering notification %s failed", row.pk)
        return _retry_or_fail(row, f"{type(error).__name__}: {error}")
    Notification.objects.filter(pk=row.pk).update(
        status=Status.SENT, sent_at=timezone.now(), sending_since=None, last_error=""
    )
    return "sent"


def _retry_or_fail(row: Notification, error: str) -> str:
    if row.attempts >= MAX_ATTEMPTS:
        _fail(row, error)
        return "failed"
    Notification.objects.filter(pk=row.pk).update(
        status=Status.QUEUED,
        sending_since=None,
        enqueued_at=None,
        next_attempt_at=timezone.now() + _backoff(row.attempts),
        last_error=error[:2000],
    )
    return "retry"


def _fail(row: Notification, error: str) -> None:
    """Give up on this channel. Nothing is lost: every notification also has its
    inbox row (the inbox is always on), where the person finds it in the app."""
    logger.warning("Notification %s failed for good: %s", row.pk, error)
    Notification.objects.filter(pk=row.pk).update(
        status=Status.FAILED, sending_since=None, last_error=error[:2000]
    )


# Enough for every reminder of a district day in one sweep, small enough to hold.
SWEEP_BATCH = 20_000


def sweep(now: datetime | None = None) -> dict:
    """Free stuck rows, queue due reminders, re-enqueue everything due."""
    now = now or timezone.now()
    stuck = Notification.objects.filter(
        status=Status.SENDING, sending_since__lt=now - timedelta(minutes=STUCK_AFTER_MINUTES)
    ).update(status=Status.QUEUED, sending_since=None, next_attempt_at=None, enqueued_at=None)
    from . import reminders

    reminded = reminders.queue_due_reminders(now)
    recently_enqueued = now - timedelta(minutes=REENQUEUE_AFTER_MINUTES)
    due = list(
        Notification.objects.filter(status=Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=recently_enqueued))
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in due:
        enqueue(pk)
    return {"unstuck": stuck, "reminders": reminded, "enqueued": len(due)}


def mark_read(*, notification: Notification, reader) -> Notification:
    """Mark one's own inbox entry read (the API only finds one's own)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, reader) -> int:
    """Mark every unread entry of one's own inbox read; returns how many."""
    from .selectors import inbox_of

    return inbox_of(reader).filter(read_at__isnull=True).update(read_at=timezone.now())


class NotRetryable(Conflict):
    def default_message(self):
        return _("Only a notification whose delivery failed can be sent again.")


def retry(notification: Notification, by) -> Notification:
    """Send a failed notification again, e.g. after its mail address was fixed.

    The row goes back to ``queued`` with fresh attempts and is handed to the
    workers once the transaction commits; ``deliver`` then treats it like any
    new row. The last error stays until a delivery succeeds, so the dashboard
    still shows why it failed before. Only failed rows qualify: anything else
    is on its way already or done.
    """
    with transaction.atomic():
        changed = Notification.objects.filter(pk=notification.pk, status=Status.FAILED).update(
            status=Status.QUEUED,
            attempts=0,
            next_attempt_at=timezone.now(),
            enqueued_at=None,
            sending_since=None,
        )
        if not changed:
            raise NotRetryable()
        transaction.on_commit(partial(enqueue, notification.pk))
    logger.info("Notification %s queued again by user %s", notification.pk, getattr(by, "pk", by))
    notification.refresh_from_db()
    return notification


class AlreadyCalled(Conflict):
    code = "already_called"


def mark_called(*, notification: Notification, by) -> Notification:
    """Record that the office passed an ``office_call`` row on: who, when.

    Once only: the second colleague to click is told who called already,
    and the first record stays (a conditional update, no lock to wait for).
    """
    now = timezone.now()
    done = Notification.objects.filter(
        pk=notification.pk, channel=Channel.OFFICE_CALL, done_at__isnull=True
    ).update(done_at=now, done_by=by)
    notification.refresh_from_db(fields=["done_at", "done_by"])
    if not done:
        who = notification.done_by.get_full_name() if notification.done_by else _("someone")
        raise AlreadyCalled(_("%(who)s has already marked this call done.") % {"who": who})
    return notification


def delete_notifications_created_before(*, cutoff: datetime) -> int:
    """Retention (``KURSLOTSE_RETENTION_NOTIFICATIONS_MONTHS``): delete inbox,
    email and call-list rows written before ``cutoff``; returns how many.

    Kept whatever their age, because deleting them would lose a message: rows
    still on their way (queued, or being sent: the worker would find nothing
    and the person hear nothing) and calls the office has not made yet (the
    call list is the only way such a person hears of it). Failed rows go with
    the others: they are on the dashboard for a year already.
    """
    from common.retention import delete_in_batches

    old = Notification.objects.filter(created_at__lt=cutoff)
    old = old.exclude(status__in=(Status.QUEUED, Status.SENDING))
    old = old.exclude(channel=Channel.OFFICE_CALL, done_at__isnull=True)
    return delete_in_batches(old)


def _without(value, texts: set[str]):
    """``value`` (a payload) with every one of ``texts`` cut out of its strings."""
    if isinstance(value, dict):
        return {key: _without(item, texts) for key, item in value.items()}
    if isinstance(value, list):
        return [_without(item, texts) for item in value]
    if isinstance(value, str):
        for text in texts:
            value = re.sub(re.escape(text), "", value, flags=re.IGNORECASE)
        return value.strip()
    return value


@transaction.atomic
def erase_notifications_of(*, person) -> dict[str, int]:
    """The ``notifications`` part of ``accounts.services.erase_person``: every
    row sent to the person goes (queued ones are never delivered: a worker
    finds no row), and messages to others that name them (a course message's
    sender) lose the name."""
    from django.db.models import TextField
    from django.db.models.functions import Cast

    deleted, _by_model = Notification.objects.filter(recipient=person).delete()
    texts = {text for text in (person.full_name, person.email, person.phone) if text}
    naming = Q()
    for text in texts:
        # As the database stores JSON: SQLite keeps "ü" as "\u00fc".
        for spelling in {text, json.dumps(text)[1:-1]}:
            naming |= Q(text__icontains=spelling)
    scrubbed = 0
    if naming:
        rows = Notification.objects.annotate(text=Cast("payload", TextField())).filter(naming)
        for row in rows.select_for_update(of=("self",)).order_by("pk"):
            row.payload = _without(row.payload, texts)
            row.save(update_fields=["payload"])
            scrubbed += 1
    return {"notifications": deleted, "payloads_scrubbed": scrubbed}
