"""Lock a course's capacity before reading it, so a rush can never oversell.

Modelled on pretix's ``services/locking.py``: inside the booking transaction,
take PostgreSQL transaction-scoped advisory locks, one per course, in sorted
order (so two transactions locking several courses can never deadlock), with
a short ``lock_timeout``. A timeout becomes ``Busy`` (HTTP 503 with
Retry-After), never a 500. The lock is released by COMMIT or ROLLBACK.

Only taking capacity needs the lock; freeing it (a cancellation) does not,
but offering the freed place to the waiting list takes capacity again and
locks then.

SQLite has no row or advisory locks. The embedded setup opens every
transaction with BEGIN IMMEDIATE (see settings), which holds the database's
single write lock from the start, so the read-then-write of a booking is
serialised there as well.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import OperationalError, connection

from common.errors import Busy

# Advisory locks share one 64-bit key space across the database; the top
# byte says which kind of object a key locks, the rest is its id.
COURSE_CAPACITY_LOCK_SPACE = 1


def capacity_lock_key(course_id: int) -> int:
    return (COURSE_CAPACITY_LOCK_SPACE << 56) | int(course_id)


def lock_course_capacity(course_ids: Iterable[int]) -> None:
    """Take the capacity lock of each course, in ascending id order.

    ``lock_timeout`` stays set for the rest of the (short) transaction, as in
    pretix; waiting longer than that anywhere in it is "busy" too.
    """
    if not settings.KURSLOTSE_CAPACITY_LOCKING:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("Capacity can only be locked inside a transaction.")
    if connection.vendor != "postgresql":
        return
    keys = sorted({capacity_lock_key(pk) for pk in course_ids})
    if not keys:
        return
    timeout_ms = int(settings.KURSLOTSE_LOCK_TIMEOUT_SECONDS * 1000)
    calls = ", ".join("pg_advisory_xact_lock(%s)" for _ in keys)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {timeout_ms}")
            cursor.execute(f"SELECT {calls}", keys)
    except OperationalError as error:
        raise Busy() from error
