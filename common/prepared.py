"""Statements planned once per database connection, not once per request.

Django binds parameters on the client and never prepares (``prepare_threshold``
is off so that connection poolers keep working), so PostgreSQL plans every
statement again. For most that costs a fraction of a millisecond; the
catalogue's page of courses with their availability (four joins, a grouped
count of bookings and two subqueries, ``courses.selectors.availability_of``)
took 5 ms to plan and 1 ms to run. A statement whose text is the same on every
call can be sent as a server-side prepared statement instead: planned once per
connection (PostgreSQL keeps a generic plan once it has seen that custom plans
are no better), then only executed.

``fetch_prepared`` does that through Django's own cursor wrapper, so the
statement is logged and counted like any other (``assertNumQueries``,
``CaptureQueriesContext``) and its errors are Django's. Parameters go to the
server as typed values: every integer as ``bigint``, so that one statement is
one prepared statement whatever the size of its ids (psycopg would otherwise
pick ``smallint``, ``integer`` or ``bigint`` per value, and each mix of types
would be prepared on its own). Text parameters go untyped and take the type
the statement gives them, as in any prepared statement; a statement whose
parameters PostgreSQL cannot type fails at once, in every test.

Prepared statements live in the server session: this needs a direct
connection (or a pooler in session mode), as Kurslotse's setups have.

Not for statements whose text varies with their input (a list of ids of any
length: one prepared statement per length, which is fine when the lengths are
few, as page sizes are). Other databases run the statement as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connection

_ONLY_WHEN_ASKED = 2**62  # executions before psycopg would prepare by itself


def fetch_prepared(sql: str, params: Sequence) -> list[tuple]:
    """All rows of ``sql`` with ``params`` (``%s`` placeholders, as Django's),
    prepared on PostgreSQL (see the module docstring)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    connection.ensure_connection()
    # Django's own wrapping of a cursor: logged, counted, errors wrapped.
    with connection._prepare_cursor(_preparing_cursor()) as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql, params)
        return cursor.fetchall()


def _preparing_cursor():
    from psycopg.types.numeric import Int8Dumper

    raw = connection.connection
    if raw.prepare_threshold is None:
        # psycopg prepares nothing, not even when asked, without a threshold.
        # Django's cursors bind on the client and never prepare, so this one
        # prepares only what is asked (``prepare=True``) and nothing by itself.
        raw.prepare_threshold = _ONLY_WHEN_ASKED
    cursor = _preparing_cursor_class()(raw)
    cursor.adapters.register_dumper(int, Int8Dumper)
    return cursor


@cache
def _preparing_cursor_class():
    # Imported here: only a PostgreSQL connection ever gets this far.
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """Server-side binding, always prepared (psycopg keeps the prepared
        statements of a connection, the most recent hundred)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            result = super().execute(query, params, prepare=True, binary=binary)
            self._query = _ForTheLog(self.connection, query, params)
            return result

    return PreparingCursor


class _ForTheLog:
    """What Django's query log reads of a cursor (``cursor._query.query``, set
    by client-binding cursors only): the statement with its parameters written
    in, as for every other statement — written only when a log reads it."""

    def __init__(self, raw_connection, sql: str, params):
        self.raw_connection, self.sql, self.params = raw_connection, sql, params

    @property
    def query(self) -> bytes:
        from psycopg import ClientCursor

        return ClientCursor(self.raw_connection).mogrify(self.sql, self.params).encode()
