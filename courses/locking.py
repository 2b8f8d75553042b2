"""Lock a course before touching it, in the one order every path shares.

The one lock order
------------------
Every transaction that writes a course, its sessions or its bookings takes
its locks in this order, and in no other:

1. the **course lock** (``lock_course_capacity``): a transaction-scoped
   advisory lock per course, all the courses it needs in one call, in
   ascending id order;
2. then **row locks** (``SELECT … FOR UPDATE``): the course row, then
   session rows, then booking rows, each kind in ascending id order;
3. last, at its commit, a transaction that wrote a course updates the
   catalogue's version row (a deferred trigger, migration ``courses.0009``):
   nothing is ever locked after it, so it cannot close a cycle.

The course lock has two modes. Whatever takes or frees capacity, or changes
the course, takes it **exclusively**. A booking that can only join the
waiting list takes it **shared** (``shared=True``): joiners do not exclude
each other, but they exclude everything that could free or take a place, so
"full" stays true while they hold it. What they must still do one at a time
is their turn in line: each locks the course row (step 2,
``lock_waiting_list``) to append itself and count its position, so positions
stay exact and unique; what it writes in its turn goes in the same round trip
(``services._write_in_one_statement``). A transaction never asks for the exclusive mode while
it holds the shared one (two such transactions would wait for each other):
a joiner that finds a place free after all rolls back and starts again
exclusively (``services.book_course``).

Booking, cancelling a booking, accepting an offer, offering free places,
expiring offers, cancelling a course, moving or cancelling a session: all of
them. Two transactions that take locks in the same order can wait for each
other but never deadlock; one path that locks a booking row first and the
course second (as ``cancel_booking`` once did, against ``cancel_course``) is
``deadlock detected`` on a busy morning.

It is easy to get wrong by hand, so ``courses/services.py`` takes row locks
only through the helpers here (a test checks that it has no
``select_for_update`` of its own): ``lock_course``, ``lock_session`` and
``lock_booking`` read the row's course id without a lock, take that course's
lock, and only then lock and read the row, so what the caller sees is
current. ``lock_rows`` locks the rows of a queryset in id order, for a course
already locked.

The course lock
---------------
Modelled on pretix's ``services/locking.py``: PostgreSQL transaction-scoped
advisory locks with a short ``lock_timeout``. A timeout becomes ``Busy``
(HTTP 503 with Retry-After), never a 500. The lock is released by COMMIT or
ROLLBACK. It is what keeps a rush from overselling: whatever takes capacity
reads what is left only while it holds the lock.

SQLite has no row or advisory locks. The embedded setup opens every
transaction with BEGIN IMMEDIATE (see settings), which holds the database's
single write lock from the start, so every write transaction is serialised
there as a whole.
"""

from collections.abc import Iterable, Sequence
from typing import TypeVar

from django.conf import settings
from django.db import OperationalError, connection
from django.db.models import QuerySet

from common.errors import Busy, transient_database_error

from .models import Booking, Course, CourseSession

# Advisory locks share one 64-bit key space across the database; the top
# byte says which kind of object a key locks, the rest is its id.
COURSE_CAPACITY_LOCK_SPACE = 1

Row = TypeVar("Row", Booking, CourseSession)


def capacity_lock_key(course_id: int) -> int:
    return (COURSE_CAPACITY_LOCK_SPACE << 56) | int(course_id)


def lock_course_capacity(
    course_ids: Iterable[int], *, shared: bool = False, then: tuple[str, Sequence] | None = None
) -> tuple | None:
    """Take the lock of each course, in ascending id order (step 1 of the order):
    exclusively, or ``shared`` for joining the waiting list (see above).

    ``lock_timeout`` stays set for the rest of the (short) transaction, as in
    pretix; waiting longer than that anywhere in it is "busy" too. Both go to
    the server in one round trip (the keys are integers computed here), and
    so does ``then``, a statement run once the locks are ours (its snapshot is
    taken after them): its first row is returned. Without locks (SQLite,
    locking switched off) ``then`` simply runs.
    """
    if settings.KURSLOTSE_CAPACITY_LOCKING and not connection.in_atomic_block:
        raise RuntimeError("Capacity can only be locked inside a transaction.")
    keys = sorted({capacity_lock_key(pk) for pk in course_ids})
    locks = settings.KURSLOTSE_CAPACITY_LOCKING and connection.vendor == "postgresql" and keys
    if not locks:
        return _run(then)
    timeout_ms = int(settings.KURSLOTSE_LOCK_TIMEOUT_SECONDS * 1000)
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    calls = ", ".join(f"{function}({int(key)})" for key in keys)
    sql = f"SET LOCAL lock_timeout = {timeout_ms}; SELECT {calls}"
    try:
        with connection.cursor() as cursor:
            if then is None:
                cursor.execute(sql)
                return None
            cursor.execute(f"{sql}; {then[0]}", then[1])
            while cursor.nextset():  # on to the result of ``then``, the last
                pass
            return cursor.fetchone()
    except OperationalError as error:
        # Not free in time: "busy". The server going away while we waited is
        # "unavailable"; anything else is a bug and stays one.
        answer = transient_database_error(error)
        if answer is None:
            raise
        raise (Busy() if isinstance(answer, Busy) else answer) from error


def _run(statement: tuple[str, Sequence] | None) -> tuple | None:
    if statement is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        return cursor.fetchone()


def lock_waiting_list(course_id: int, statement: tuple[str, Sequence]) -> tuple:
    """A joiner's turn in line: the course row (step 2), for a transaction that
    holds the course lock shared; then ``statement``, and its first row.

    Joiners append and count their position one at a time; nothing else waits
    for the turn (whatever else locks the course row holds the course lock
    exclusively, which no joiner does at the same time). ``NO KEY UPDATE``, so
    rows that merely refer to the course are not held up. ``statement`` goes
    in the same round trip and takes its snapshot once the turn is ours, so it
    sees every joiner before us; there ``clock_timestamp()`` is a time inside
    the turn (``now()`` and ``statement_timestamp()`` are from before it).
    The turn lasts until COMMIT, and every round trip in it is one more wait
    for the interpreter's lock while all other joiners wait for us: whatever
    the joiner writes belongs in ``statement``."""
    sql, params = statement
    turn = f"SELECT 1 FROM {Course._meta.db_table} WHERE id = %s FOR NO KEY UPDATE"
    with connection.cursor() as cursor:
        if not settings.KURSLOTSE_CAPACITY_LOCKING or connection.vendor != "postgresql":
            # SQLite: the transaction holds the database's write lock already.
            cursor.execute(sql, params)
        else:
            cursor.execute(f"{turn}; {sql}", [course_id, *params])
            cursor.nextset()
        return cursor.fetchone()


def lock_rows(queryset: QuerySet[Row]) -> list[Row]:
    """Lock and read the rows of ``queryset`` in ascending id order (step 2).

    Only for rows of courses whose lock this transaction holds already.
    """
    return list(queryset.select_for_update(of=("self",)).order_by("pk"))


def lock_course(course_id: int) -> Course:
    """The course lock, then the course row: read fresh, for changing it."""
    lock_course_capacity([course_id])
    return Course.objects.select_for_update().get(pk=course_id)


def lock_session(session_id: int) -> CourseSession:
    """The session's course lock, then the session row (with its course, read fresh)."""
    course_id = CourseSession.objects.values_list("course_id", flat=True).get(pk=session_id)
    lock_course_capacity([course_id])
    session = (
        CourseSession.objects.select_related("course")
        .select_for_update(of=("self",))
        .get(pk=session_id)
    )
    if session.course_id != course_id:  # a session never changes course; be sure
        raise RuntimeError(f"Session {session_id} moved to another course while being locked.")
    return session


def lock_booking(booking_id: int) -> Booking:
    """The booking's course lock, then the booking row (with its course, read fresh)."""
    course_id = Booking.objects.values_list("course_id", flat=True).get(pk=booking_id)
    lock_course_capacity([course_id])
    booking = (
        Booking.objects.select_related("course").select_for_update(of=("self",)).get(pk=booking_id)
    )
    if booking.course_id != course_id:  # a booking never changes course; be sure
        raise RuntimeError(f"Booking {booking_id} moved to another course while being locked.")
    return booking
