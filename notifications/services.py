"""The outbox: queue notifications with the change that causes them, deliver
each exactly once from Celery workers, in batches, and sweep up whatever was
missed.

``notify`` writes the rows of all of a person's channels in one insert
(``notify_many``: of many people's, one insert per ``INSERT_BATCH`` rows), in
the caller's transaction, and once that transaction commits hands the ids of
every row it queued to the workers in one task per ``DELIVERY_BATCH`` (a
moment later, with the process's other commits: ``handover.py``). A
caller that must send that insert inside a statement of its own (a booking in
a rush: one round trip) takes the same three steps itself: ``outgoing`` (the
rows), ``insert_statement`` (the SQL, with payload keys it may fill in SQL)
and ``inserted`` (ids, hand-over after the commit, replays).
``deliver_batch`` claims the rows that are still due in one statement (row
locks with a status guard, ``SKIP LOCKED``: a duplicate task or a second
worker gets nothing twice), sends them over one connection per channel and
marks each one sent the moment the mail server accepted it, so a worker
killed in the middle of a batch leaves the rows it sent marked and the others
claimable again once their claim expires. ``sweep`` runs every minute from
celery beat: it frees rows a dead worker left in ``sending``, queues the
reminders the apps registered and re-enqueues everything due (Redis was down,
a worker died) in batches. Reminders are rows, not long-ETA tasks, so they
survive restarts and Redis' visibility timeout.
"""

import json
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F, Q
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import Conflict
from common.outages import breaker

from . import handover, registry
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

# Rows per delivery task: one claim, one SMTP connection, one task per this
# many. Small enough that a batch is sent long before its claim expires
# (STUCK_AFTER_MINUTES) and that two workers share a backlog evenly.
DELIVERY_BATCH = 100
# Rows per INSERT of ``notify_many``: one statement of a bounded size.
INSERT_BATCH = 1000
# Enough for every reminder of a district day in one sweep, small enough to hold.
SWEEP_BATCH = 20_000
# After this many broken connections in a row, the rest of a batch is not tried
# (the mail server is away or stalled): it waits for its next attempt.
BROKEN_CONNECTIONS = 2


def channels_of(recipient, kind: str | None = None) -> list[str]:
    """The inbox, plus the channels the person chose (``email``, ``sms``): email
    only to those who have an address, text messages only to those who have a
    phone number. Someone without an address who gets no text messages is
    reached by the office's call (``calls.py``): for a ``kind`` its owner
    declared to need a call, or, with no kind given, as the way to reach them
    at all. Text messages replace that call: whoever gets them (people
    registered by phone do, ``register_participant_by_phone``) hears of offers,
    changes and reminders by SMS, and the office is not asked to call as well.
    A kind about the account itself goes by email even to those who chose none
    (``essential.py``)."""
    chosen = [c for c in recipient.notification_channels or [] if c in OPTIONAL_CHANNELS]
    if not recipient.email and Channel.EMAIL in chosen:
        chosen.remove(Channel.EMAIL)
    if not getattr(recipient, "phone", "") and Channel.SMS in chosen:
        chosen.remove(Channel.SMS)
    if not recipient.email and Channel.SMS not in chosen:
        call = kind is None or needs_call(kind)
        return [Channel.INBOX, *([Channel.OFFICE_CALL] if call else [])]
    if recipient.email and is_essential(kind) and Channel.EMAIL not in chosen:
        chosen.append(Channel.EMAIL)  # about the account itself (essential.py)
    return [Channel.INBOX, *chosen]


def notify(*, recipient, kind: str, key: str, payload: dict | None = None) -> list[Notification]:
    """Queue ``kind`` for ``recipient`` on each of their channels; idempotent per ``key``.

    Call inside the transaction of the change, so both commit or neither does.
    One ``INSERT … ON CONFLICT DO NOTHING`` writes every channel's row (a row
    whose key exists already is left as it is and returned as it is); the new
    queued rows go to the workers after the commit (``_enqueue_on_commit``).
    A caller that wants the rows written by its own statement uses the same
    three steps itself: ``outgoing``, ``insert_statement``, ``inserted``.
    """
    rows = outgoing(recipient=recipient, kind=kind, key=key, payload=payload)
    return inserted(rows, _insert_new(rows.rows))


def notify_many(*, kind: str, items: Iterable[tuple[Any, str, dict | None]]) -> list[Notification]:
    """``notify`` for many people at once: ``items`` are ``(recipient, key,
    payload)``, each one's rows exactly as ``notify`` would write them (same
    idempotency keys). Returns the rows it inserted (a replay's are left as
    they are and not returned).

    One insert per ``INSERT_BATCH`` rows instead of one per person, and one
    hand-over at the commit: a sweep that reminds a course of 10,000 spent
    most of its time on 10,000 single inserts. The recipients' channels are
    read from the objects given (``email``, ``notification_channels``), so
    load them with the bookings (``select_related``), not one by one."""
    rows = _outgoing(kind, items)
    return _created(rows, _insert_new(rows.rows))


@dataclass(frozen=True)
class Outgoing:
    """What ``notify`` would write for one call, not written yet: a row per
    channel, and whether they count as handed to the broker from the start."""

    rows: list[Notification]
    handing_over: bool


def outgoing(*, recipient, kind: str, key: str, payload: dict | None = None) -> Outgoing:
    """``notify``'s rows for ``recipient``: one per channel (``channels_of``),
    keyed ``{kind}:{key}:{recipient}:{channel}``."""
    return _outgoing(kind, [(recipient, key, payload)])


def _outgoing(kind: str, items: Iterable[tuple[Any, str, dict | None]]) -> Outgoing:
    now = timezone.now()
    # Counted as handed to the broker from the start: the publish after commit
    # clears the mark if it fails, so the next sweep picks the row up.
    handing_over = BROKER.available()
    rows = []
    for recipient, key, payload in items:
        for channel in channels_of(recipient, kind):
            listed = channel in LIST_CHANNELS  # the row is the delivery: sent as written
            rows.append(
                Notification(
                    idempotency_key=f"{kind}:{key}:{recipient.pk}:{channel}",
                    recipient=recipient,
                    kind=kind,
                    channel=channel,
                    payload=payload or {},
                    status=Status.SENT if listed else Status.QUEUED,
                    sent_at=now if listed else None,
                    next_attempt_at=None if listed else now,
                    enqueued_at=now if handing_over and not listed else None,
                )
            )
    return Outgoing(rows=rows, handing_over=handing_over)


_META = Notification._meta
_RETURNED = [_META.pk, _META.get_field("idempotency_key")]


_FIELDS = [field for field in _META.concrete_fields if not field.primary_key]


def _insert_query(rows: list[Notification]) -> InsertQuery:
    """``INSERT … ON CONFLICT DO NOTHING`` of ``rows`` (every column but the id)."""
    query = InsertQuery(Notification, on_conflict=OnConflict.IGNORE)
    query.insert_values(_FIELDS, rows)  # type: ignore[arg-type]
    return query


def insert_statement(rows: Outgoing, *, fill: dict[str, str] | None = None) -> tuple[str, list]:
    """The one statement ``notify`` sends, for a caller to send with its own:
    ``INSERT … ON CONFLICT DO NOTHING RETURNING id, idempotency_key`` (e.g. as
    a data-modifying ``WITH``). PostgreSQL only, for the few rows of one
    ``notify``. Hand the rows it returns to ``inserted``, in the same transaction.

    ``fill`` sets payload keys to SQL expressions, for values only the
    caller's statement knows (a count it makes in the same snapshot, say):
    ``{"position": "(SELECT n + 1 FROM line)"}``; the rows in Python keep the
    payload as given. An expression is written into the SQL as it is: never
    build one from what a user sent.

    Written out from the model's fields: Django's insert compiler took about
    3 ms for two rows, far longer than the database takes to write them, and a
    caller sends this in a rush."""
    payload = "%s"
    if fill:
        pairs = ", ".join(f"'{name}', {sql}" for name, sql in fill.items())
        payload = f"(%s::jsonb || jsonb_build_object({pairs}))"
    values = "(" + ", ".join(payload if f.name == "payload" else "%s" for f in _FIELDS) + ")"
    db = transaction.get_connection()  # once: each use of ``connection`` looks it up
    params = [
        field.get_db_prep_save(field.pre_save(row, True), db)
        for row in rows.rows
        for field in _FIELDS
    ]
    quote = db.ops.quote_name
    table = quote(_META.db_table)
    columns = ", ".join(quote(field.column) for field in _FIELDS)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {', '.join([values] * len(rows.rows))}"
        f" ON CONFLICT DO NOTHING RETURNING {table}.id, {table}.idempotency_key"
    )
    return sql, params


def _insert_new(rows: list[Notification]) -> list[tuple[int, str]]:
    """Insert ``rows`` in one statement per ``INSERT_BATCH`` (fewer on SQLite,
    which takes 999 parameters), skipping those whose idempotency key exists;
    returns the id and key of each inserted one.

    ``bulk_create(ignore_conflicts=True)`` cannot say which rows it inserted
    (it returns no ids), so this is its ``INSERT … ON CONFLICT DO NOTHING
    RETURNING id, idempotency_key`` (PostgreSQL, and SQLite since 3.35)."""
    if not rows:
        return []
    size = max(
        1, min(INSERT_BATCH, transaction.get_connection().ops.bulk_batch_size(_FIELDS, rows))
    )
    returned: list[tuple[int, str]] = []
    for start in range(0, len(rows), size):
        compiler = _insert_query(rows[start : start + size]).get_compiler(using=DEFAULT_DB_ALIAS)
        returned += compiler.execute_sql(_RETURNED) or []
    return returned


def _created(rows: Outgoing, returned: Iterable[Sequence]) -> list[Notification]:
    """The rows an insert wrote (``returned``: the id and key of each), with
    their ids; the queued ones go to the workers after the commit."""
    ids = {key: pk for pk, key in returned}
    created = []
    for row in rows.rows:
        if row.idempotency_key in ids:
            row.pk = ids[row.idempotency_key]
            row._state.adding = False
            row._state.db = DEFAULT_DB_ALIAS
            created.append(row)
    queued = [row.pk for row in created if row.status == Status.QUEUED]
    if queued:
        _enqueue_on_commit(queued, marked=rows.handing_over)
    return created


def inserted(rows: Outgoing, returned: Iterable[Sequence]) -> list[Notification]:
    """What ``notify`` does once its insert ran (``returned``: the id and key of
    each row it inserted): the new rows get their ids, the queued ones go to
    the workers after the commit (``_enqueue_on_commit``), and a replay (the
    key existed already) gets the rows as they are."""
    created = _created(rows, returned)
    if len(created) == len(rows.rows):
        return created
    # A replay (the key exists already): the rows as they are.
    existing = {row.idempotency_key: row for row in created}
    missing = [row.idempotency_key for row in rows.rows if row.idempotency_key not in existing]
    for row in Notification.objects.filter(idempotency_key__in=missing):
        existing[row.idempotency_key] = row
    return [existing[row.idempotency_key] for row in rows.rows if row.idempotency_key in existing]


# After one failed publish, the rows of the next few seconds are left to the
# sweep at once: a course cancellation with fifty bookings must not wait fifty
# times for a broker that is away.
BROKER = breaker(
    "The Celery broker (notifications wait for the sweep)",
    lambda: settings.KURSLOTSE_REDIS_OUTAGE_PAUSE_SECONDS,
)


class _Pending:
    """The ids ``notify`` queued in one transaction, handed over at its commit.

    Every ``notify`` registers an ``on_commit`` hook (so a hook survives a
    rolled-back savepoint only with its own rows' callers); the first hook to
    run hands over everything pending, the others find nothing left. A new
    transaction (or a rolled-back savepoint) starts a new list: Django gives
    each its own list of hooks, which is what ties this list to it. An id of a
    rolled-back savepoint may be handed over with the others: the worker finds
    no such row and skips it."""

    def __init__(self, hooks: list):
        self.hooks = hooks
        self.ids: list[int] = []
        self.marked: list[int] = []

    def flush(self) -> None:
        ids, marked = self.ids, self.marked
        self.ids, self.marked = [], []
        if ids:
            handover.after_commit(ids, marked)


def _enqueue_on_commit(ids: list[int], *, marked: bool) -> None:
    connection = transaction.get_connection()
    pending = getattr(connection, "_outbox_pending", None)
    if pending is None or pending.hooks is not connection.run_on_commit:
        pending = _Pending(connection.run_on_commit)
        connection._outbox_pending = pending  # type: ignore[attr-defined]
    pending.ids.extend(ids)
    if marked:
        pending.marked.extend(ids)
    transaction.on_commit(pending.flush)


def hand_over(ids: Sequence[int]) -> tuple[list[int], list[int]]:
    """Hand rows to the workers, ``DELIVERY_BATCH`` ids per task; returns the
    ids handed over and those that were not (the broker is away: the sweep
    will pick them up later — the change that caused them has committed).

    Runs after the commit of the user's request, so it never raises: one
    attempt per task, bounded by the broker's timeouts (settings), no
    retries, and none at all while the broker is paused after a failure."""
    from .tasks import deliver_batch

    done: list[int] = []
    failed: list[int] = []
    for start in range(0, len(ids), DELIVERY_BATCH):
        chunk = list(ids[start : start + DELIVERY_BATCH])
        if not BROKER.available():
            failed.extend(chunk)
            continue
        try:
            deliver_batch.apply_async((chunk,), retry=False)
        except Exception as error:  # the broker is down: never fail the user's request for it
            logger.warning(
                "Could not enqueue notifications %s…; the sweep will send them", chunk[0]
            )
            BROKER.failed(error)
            failed.extend(chunk)
            continue
        BROKER.succeeded()
        done.extend(chunk)
    return done, failed


def enqueue(notification_id: int) -> None:
    """Hand one row to the workers and note when (the sweep's way, for one)."""
    done, _failed = hand_over([notification_id])
    if done:
        Notification.objects.filter(pk__in=done).update(enqueued_at=timezone.now())


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=2 ** max(attempts - 1, 0))


def _claim(ids: Iterable[int], now: datetime) -> list[Notification]:
    """Mark the rows of ``ids`` that are still due ``sending``, and return them
    with their recipients. Rows another worker holds are skipped, not waited
    for (``SKIP LOCKED``); rows already sent, failed or not yet due are left
    alone (the status guard). Two statements, whatever the batch's size."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("recipient")
            .filter(pk__in=list(ids), status=Status.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk")
        )
        if rows:
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
                status=Status.SENDING, sending_since=now, attempts=F("attempts") + 1
            )
    for row in rows:
        row.status, row.sending_since, row.attempts = Status.SENDING, now, row.attempts + 1
    return rows


def _mark_sent(row: Notification) -> None:
    """One statement, right after the mail server accepted the message: a
    worker killed later in the batch has this row marked already.

    Written as SQL (``_mark_sent_sql``): it runs once per message, and building
    the ORM's UPDATE cost the worker about as much as running it."""
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(_mark_sent_sql(), [Status.SENT, timezone.now(), row.pk, Status.SENDING])


@cache
def _mark_sent_sql() -> str:
    """``filter(pk=…, status=SENDING).update(status=SENT, sent_at=…,
    sending_since=None, last_error="")``, as the ORM would write it."""
    quote = transaction.get_connection().ops.quote_name
    meta = Notification._meta

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)  # type: ignore[union-attr]

    return (
        f"UPDATE {quote(meta.db_table)} SET {column('status')} = %s, {column('sent_at')} = %s, "
        f"{column('sending_since')} = NULL, {column('last_error')} = '' "
        f"WHERE {column('id')} = %s AND {column('status')} = %s"
    )


def _release(rows: Sequence[Notification]) -> None:
    """Give claimed rows back untried (the batch ran out of time): due at once,
    the attempt not counted."""
    Notification.objects.filter(pk__in=[row.pk for row in rows], status=Status.SENDING).update(
        status=Status.QUEUED,
        sending_since=None,
        enqueued_at=None,
        next_attempt_at=None,
        attempts=F("attempts") - 1,
    )


def deliver(notification_id: int) -> str:
    """Send one notification once. Returns what happened (for logs and tests):
    ``sent``, ``retry``, ``failed``, or ``skipped`` (not due, or not ours)."""
    return deliver_batch([notification_id])[notification_id]


def deliver_batch(ids: Sequence[int]) -> dict[int, str]:
    """Send the rows of ``ids`` that are due, each once, over one connection
    per channel. A row whose message fails is retried later or failed on its
    own (``_retry_or_fail``); the others of the batch go on. After
    ``BROKEN_CONNECTIONS`` broken connections in a row the rest wait for
    their next attempt, and a batch that runs for half the claim's life gives
    the rest back, so no claim expires while its worker still holds it."""
    started = time.monotonic()
    give_back_after = STUCK_AFTER_MINUTES * 60 / 2
    results = dict.fromkeys(ids, "skipped")
    rows = _claim(ids, timezone.now())
    by_channel: dict[str, list[Notification]] = {}
    for row in rows:
        by_channel.setdefault(row.channel, []).append(row)
    for name, group in by_channel.items():
        broken, reason = 0, ""
        with CHANNELS[name].session() as sender:
            for index, row in enumerate(group):
                if time.monotonic() - started > give_back_after:
                    _release(group[index:])
                    break
                if broken >= BROKEN_CONNECTIONS:
                    for rest in group[index:]:
                        results[rest.pk] = _retry_or_fail(rest, f"not tried: {reason}")
                    break
                results[row.pk], broken_now, reason = _send_one(sender, row)
                broken = broken + 1 if broken_now else 0
    return results


def _send_one(sender, row: Notification) -> tuple[str, bool, str]:
    """Send one row of a batch: (what happened, whether the connection broke, why)."""
    try:
        sender.send(row)
    except TransientError as error:
        return _retry_or_fail(row, str(error)), error.broken, str(error)
    except PermanentError as error:
        _fail(row, str(error))
        return "failed", False, str(error)
    except Exception as error:
        logger.exception("Delivering notification %s failed", row.pk)
        return _retry_or_fail(row, f"{type(error).__name__}: {error}"), False, str(error)
    _mark_sent(row)
    return "sent", False, ""


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


def sweep(now: datetime | None = None) -> dict:
    """Free stuck rows, queue due reminders, re-enqueue everything due, in batches."""
    now = now or timezone.now()
    stuck = Notification.objects.filter(
        status=Status.SENDING, sending_since__lt=now - timedelta(minutes=STUCK_AFTER_MINUTES)
    ).update(status=Status.QUEUED, sending_since=None, next_attempt_at=None, enqueued_at=None)
    reminded = 0
    for queue_due in registry.reminder_queuers():
        # One transaction per app's reminders: their rows go to the workers in
        # batches at its commit, not one task per reminder.
        with transaction.atomic():
            reminded += queue_due(now)
    recently_enqueued = now - timedelta(minutes=REENQUEUE_AFTER_MINUTES)
    due = list(
        Notification.objects.filter(status=Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=recently_enqueued))
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    done, _failed = hand_over(due)
    for start in range(0, len(done), DELIVERY_BATCH):
        chunk = done[start : start + DELIVERY_BATCH]
        Notification.objects.filter(pk__in=chunk).update(enqueued_at=timezone.now())
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
