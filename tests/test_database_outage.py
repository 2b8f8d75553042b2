"""A database that is busy or briefly away answers 503 with Retry-After, in
the API's error shape or as a page in the visitor's language — never 500. A
programming error stays a logged 500.

"Away" is a real PostgreSQL the test's connection can no longer reach: the
connection is pointed at a local port where nothing listens, then back.
"Busy" is a row lock another real connection holds longer than our
``lock_timeout``.
"""

import sqlite3
import threading
import uuid
from contextlib import contextmanager
from types import SimpleNamespace

import psycopg
import pytest
from django.db import DatabaseError, connection
from django.db.utils import DatabaseErrorWrapper
from django.test import Client
from rest_framework.test import APIClient

from accounts.roles import LEARNER
from common.errors import api_exception_handler, transient_database_error
from courses import services
from courses.constants import BookingStatus
from courses.locking import capacity_lock_key
from courses.models import Booking

from .factories import CourseFactory, UserFactory
from .mailcatcher import free_port
from .servers import wait_for


@contextmanager
def postgresql_away():
    """Until the block ends, every new connection of this thread finds no server."""
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
        connection.ensure_connection()


@contextmanager
def booking_row_held_by_someone_else(booking):
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as holder, holder.transaction():
        holder.execute("SELECT id FROM courses_booking WHERE id = %s FOR UPDATE", [booking.pk])
        yield


def page_client(user=None) -> Client:
    client = Client(raise_request_exception=False)  # see the answer a browser gets
    if user is not None:
        client.force_login(user)
    return client


def confirmed_booking():
    learner = UserFactory(roles=[LEARNER])
    return services.book_course(course=CourseFactory(), learner=learner, children_ages=[])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_lock_not_free_in_time_answers_busy_through_the_api_and_the_page(settings):
    settings.KURSLOTSE_LOCK_TIMEOUT_SECONDS = 0.3
    booking = confirmed_booking()
    api = APIClient()
    api.force_authenticate(booking.learner)
    page = page_client(booking.learner)
    with booking_row_held_by_someone_else(booking):
        answer = api.post(f"/api/v1/bookings/{booking.pk}/cancel/")
        page_answer = page.post(f"/bookings/{booking.pk}/cancel/")

    assert answer.status_code == 503
    assert answer["Retry-After"]
    assert answer.json()["error"]["code"] == "busy"
    assert page_answer.status_code == 503
    assert page_answer["Retry-After"]
    assert "Es wurde nichts geändert" in page_answer.content.decode()  # the learner's German
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED, "nothing changed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_postgresql_away_the_api_answers_503_and_the_idempotent_retry_books_once():
    course = CourseFactory()
    learner = UserFactory(roles=[LEARNER])
    api = APIClient()
    api.force_authenticate(learner)
    url, key = f"/api/v1/courses/{course.pk}/bookings/", str(uuid.uuid4())

    with postgresql_away():
        away = api.post(url, {"children_ages": []}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    first = api.post(url, {"children_ages": []}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = api.post(url, {"children_ages": []}, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert away.status_code == 503
    assert away["Retry-After"]
    assert away.json()["error"]["code"] == "unavailable"
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert Booking.objects.filter(course=course).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_postgresql_away_pages_answer_a_translated_503():
    course = CourseFactory()
    learner = UserFactory(roles=[LEARNER], preferred_language="uk")
    anonymous, signed_in = page_client(), page_client(learner)
    with postgresql_away():
        search = anonymous.get("/courses/", HTTP_ACCEPT_LANGUAGE="de")
        # The session and the user are read in a middleware, before any view.
        mine = signed_in.get("/bookings/")
        api_in_middleware = signed_in.get(f"/api/v1/courses/{course.pk}/")

    assert search.status_code == mine.status_code == api_in_middleware.status_code == 503
    assert search["Retry-After"] and mine["Retry-After"]
    assert "Kurslotse ist kurz nicht erreichbar" in search.content.decode()
    assert 'lang="de"' in search.content.decode()
    assert api_in_middleware.json()["error"]["code"] == "unavailable"
    assert signed_in.get("/bookings/").status_code == 200, "back as soon as the database is"


@pytest.mark.django_db
def test_a_programming_error_is_no_outage_and_stays_a_500():
    with pytest.raises(DatabaseError) as caught, connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    # On SQLite this is an OperationalError, too: the class alone says nothing.
    assert transient_database_error(caught.value) is None
    answer = api_exception_handler(caught.value, {})
    assert answer.status_code == 500
    assert answer.data["error"]["code"] == "server_error"


def test_a_locked_sqlite_database_is_busy(tmp_path):
    path = tmp_path / "db.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    # Django's own translation of sqlite3's errors, as its SQLite backend does it.
    as_django = DatabaseErrorWrapper(SimpleNamespace(Database=sqlite3))
    with pytest.raises(DatabaseError) as caught, as_django:
        other.execute("BEGIN IMMEDIATE")
    holder.rollback()
    assert transient_database_error(caught.value).code == "busy"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_cut_by_the_server_mid_request_answers_503_and_the_retry_books_once(
    settings,
):
    """PostgreSQL restarting (here: pg_terminate_backend, as a restart or a
    failover does) cuts the connection of a request in flight."""
    settings.KURSLOTSE_LOCK_TIMEOUT_SECONDS = 30
    course = CourseFactory()
    learner = UserFactory(roles=[LEARNER])
    url, key = f"/api/v1/courses/{course.pk}/bookings/", str(uuid.uuid4())
    answers = []

    def book_in_a_request():
        api = APIClient()
        api.force_authenticate(learner)
        try:
            answers.append(
                api.post(url, {"children_ages": []}, format="json", HTTP_IDEMPOTENCY_KEY=key)
            )
        finally:
            connection.close()

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        with admin.transaction():
            # Hold the course's lock, so the request waits inside its transaction.
            admin.execute("SELECT pg_advisory_xact_lock(%s)", [capacity_lock_key(course.pk)])
            request = threading.Thread(target=book_in_a_request)
            request.start()
            waiting = wait_for_a_backend_waiting_on_a_lock(admin)
            admin.execute("SELECT pg_terminate_backend(%s)", [waiting])
        request.join(timeout=30)

    assert answers[0].status_code == 503
    assert answers[0].json()["error"]["code"] == "unavailable"
    assert not Booking.objects.filter(course=course).exists()
    retry = APIClient()
    retry.force_authenticate(learner)
    again = retry.post(url, {"children_ages": []}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201
    assert Booking.objects.filter(course=course).count() == 1


def wait_for_a_backend_waiting_on_a_lock(admin) -> int:
    def waiting():
        # Inside a transaction the statistics views keep their first snapshot.
        admin.execute("SELECT pg_stat_clear_snapshot()")
        row = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
        return row[0] if row else None

    wait_for(lambda: waiting() is not None, timeout=30, what="the request to wait")
    return waiting()
