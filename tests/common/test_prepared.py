"""``common.prepared.fetch_prepared``: the same rows as a plain cursor, counted
and logged like any statement, and on PostgreSQL really prepared once per
connection with a generic plan (planned once, not per call)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.prepared import fetch_prepared

SQL = "SELECT id, name FROM places_municipality WHERE id IN (%s, %s) AND name <> %s ORDER BY id"


@pytest.mark.django_db
def test_prepared_rows_are_the_plain_rows_and_the_statement_is_logged():
    from places.models import Municipality

    first, second = Municipality.objects.order_by("pk").values_list("pk", flat=True)[:2]
    params = [first, second, "nowhere"]
    with connection.cursor() as cursor:
        cursor.execute(SQL, params)
        plain = cursor.fetchall()
    with CaptureQueriesContext(connection) as captured:
        rows = fetch_prepared(SQL, params)
        again = fetch_prepared(SQL, [second, 2**40, "nowhere"])  # a bigint, the same statement
    assert [tuple(row) for row in rows] == [tuple(row) for row in plain]
    assert len(plain) == 2 and [tuple(row) for row in again] == [tuple(plain[1])]
    assert len(captured.captured_queries) == 2
    logged = captured.captured_queries[0]["sql"]
    assert f"IN ({first}, {second})" in logged and "'nowhere'" in logged


@pytest.mark.django_db
def test_on_postgresql_the_statement_is_prepared_once_with_a_generic_plan():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs it as any statement")
    for value in (1, 40_000, 2**40):  # smallint, integer and bigint sizes: one statement
        fetch_prepared(SQL, [value, value, "nowhere"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["SELECT id, name FROM places_municipality WHERE id IN ($1, $2)%"],
        )
        prepared = cursor.fetchall()
    assert prepared == [(3, 0)]
