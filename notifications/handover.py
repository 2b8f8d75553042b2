"""Hand committed notification rows to the workers from one thread per
process, in batches, a moment after their commit.

Publishing a Celery task costs the interpreter about 0.7 to 1.3 ms (kombu builds
a message and a Redis pipeline for each), whatever the number of ids in it.
A request that publishes its own task at its commit pays that every time: in
a booking rush, where the app's CPU is what bounds throughput, it was an
eighth of a booking. So a commit only adds its ids to the process's list
(``after_commit``), and one thread per process publishes what has gathered
``KURSLOTSE_HANDOVER_LINGER_SECONDS`` later, ``DELIVERY_BATCH`` ids per task
(``services.hand_over``): in a rush, the bookings of a fifth of a second go
in one task, and a single booking's email leaves a fifth of a second later.

Nothing is lost when the process dies before its thread published: the rows
are queued in the database, marked as handed over, and the sweep hands them
over again ``REENQUEUE_AFTER_MINUTES`` later, as after a broker outage. A
process that exits normally publishes what is pending first (``atexit``).
Rows the broker did not take are unmarked, so the next sweep sends them.

With a linger of 0 (the tests' default) the committing thread hands over at
once, itself, as before.
"""

import atexit
import logging
import os
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, connections

from .models import Notification

logger = logging.getLogger(__name__)


def after_commit(ids: list[int], marked: Iterable[int]) -> None:
    """Hand over ``ids`` (committed; ``marked`` of them were written as
    handed over): soon, from the process's thread, or at once with no linger."""
    if settings.KURSLOTSE_HANDOVER_LINGER_SECONDS <= 0:
        _hand_over_now(ids, set(marked))
    else:
        _process_queue().put(ids, marked)


def drain() -> None:
    """Publish whatever this process has pending, in the calling thread."""
    queue = _QUEUE
    if queue is not None and queue.pid == os.getpid():
        queue.publish_pending()


def _hand_over_now(ids: list[int], marked: set[int]) -> None:
    from .services import hand_over

    _done, failed = hand_over(ids)
    unmark = [pk for pk in failed if pk in marked]
    if unmark:  # the sweep will find them
        Notification.objects.filter(pk__in=unmark).update(enqueued_at=None)


class _ProcessQueue:
    """The ids this process committed and has not published yet, and the one
    thread that publishes them. Made anew in a forked child (``pid``): a
    thread does not survive a fork, and the parent's ids are the parent's."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._ids: list[int] = []
        self._marked: set[int] = set()
        self._thread: threading.Thread | None = None

    def put(self, ids: list[int], marked: Iterable[int]) -> None:
        with self._lock:
            self._ids.extend(ids)
            self._marked.update(marked)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="notifications-handover", daemon=True
                )
                self._thread.start()
            self._wake.set()

    def _take(self) -> tuple[list[int], set[int]]:
        with self._lock:
            ids, marked = self._ids, self._marked
            self._ids, self._marked = [], set()
            self._wake.clear()
        return ids, marked

    def publish_pending(self) -> None:
        ids, marked = self._take()
        if not ids:
            return
        try:
            _hand_over_now(ids, marked)
        except DatabaseError as error:  # unmarking failed: the sweep finds them later anyway
            logger.warning("Could not unmark notifications %s…: %s", ids[0], error)
        finally:
            if threading.current_thread() is self._thread:
                connections.close_all()  # the thread's own, used only to unmark

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(settings.KURSLOTSE_HANDOVER_LINGER_SECONDS)
            try:
                self.publish_pending()
            except Exception:  # never let the thread die: the next commit needs it
                logger.exception("Handing notifications to the workers failed")


_QUEUE: _ProcessQueue | None = None
_QUEUE_LOCK = threading.Lock()


def _process_queue() -> _ProcessQueue:
    global _QUEUE
    queue = _QUEUE
    if queue is None or queue.pid != os.getpid():
        with _QUEUE_LOCK:
            if _QUEUE is None or _QUEUE.pid != os.getpid():
                _QUEUE = _ProcessQueue()
            queue = _QUEUE
    return queue


atexit.register(drain)
