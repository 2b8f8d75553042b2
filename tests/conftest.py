"""Shared fixtures. Tests run on SQLite by default and on PostgreSQL when
``DATABASE_URL`` points there (CI). Tests marked ``postgres`` or ``redis``
skip locally without those servers, but fail when ``KURSLOTSE_REQUIRE_SERVICES``
is set (as .ci/run does), so CI can never go green by skipping them."""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from rest_framework.test import APIClient

from accounts.roles import COACH, COORDINATOR, LEARNER

from .factories import CourseFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("KURSLOTSE_REQUIRE_SERVICES") == "1"

# ``KURSLOTSE_TEST_NOW=2027-03-28T01:59:30+01:00`` runs the whole session as if
# the clock showed that moment (and ticks on from there), so the suite can be
# proved on a clock-change night, at midnight or on New Year's Eve
# (`.ci/run` does). Tests that freeze time themselves nest inside it.
TEST_NOW = os.environ.get("KURSLOTSE_TEST_NOW", "").strip()


def pytest_configure(config):
    # Hashing with the production hasher costs ~0.2 s a user; tests need many,
    # some in fixtures wider than one test (tests/world.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _own_redis_databases_per_worker()
    if TEST_NOW:
        import datetime as dt

        import time_machine

        moment = dt.datetime.fromisoformat(TEST_NOW)
        if moment.tzinfo is None:
            raise pytest.UsageError("KURSLOTSE_TEST_NOW needs an offset, e.g. +01:00")
        config._kurslotse_clock = time_machine.travel(moment, tick=True)
        config._kurslotse_clock.start()


def _own_redis_databases_per_worker():
    """`make test` runs the suite in parallel processes (pytest-xdist), and each
    gets its own test database from pytest-django. Give each its own pair of
    Redis databases as well (worker gw1 takes /2 for the broker and /3 for the
    cache), so one worker's ``cache.clear()`` or queued message never reaches
    another's tests. Nothing has talked to Redis yet when this runs."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not settings.REDIS_URL or not worker.startswith("gw"):
        return
    from backend.celery import app
    from backend.settings import redis_database, redis_sibling_database

    broker = redis_database(settings.REDIS_URL, 2 * int(worker.removeprefix("gw")))
    settings.REDIS_URL = settings.CELERY_BROKER_URL = app.conf.broker_url = broker
    settings.CACHES["default"]["LOCATION"] = redis_sibling_database(broker)


def pytest_report_header(config):
    if TEST_NOW:
        return f"clock: the session starts at {TEST_NOW} (KURSLOTSE_TEST_NOW)"
    return None


def pytest_unconfigure(config):
    clock = getattr(config, "_kurslotse_clock", None)
    if clock is not None:
        clock.stop()


def _missing_services(item) -> list[str]:
    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    missing = []
    if item.get_closest_marker("postgres") and not on_postgres:
        missing.append("PostgreSQL (set DATABASE_URL=postgres://…)")
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        missing.append("Redis (set REDIS_URL=redis://…)")
    return missing


def pytest_runtest_setup(item):
    missing = _missing_services(item)
    if not missing:
        return
    reason = "needs " + " and ".join(missing)
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason}, and KURSLOTSE_REQUIRE_SERVICES=1 forbids skipping it")
    pytest.skip(reason + "; .ci/run starts both")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The cache may be a real Redis shared by runs: start each test from empty
    (allauth's rate limits live there), with every server taken for up again
    (a test that stopped Redis leaves no "skip it for a while" behind)."""
    from common.outages import reset_all

    reset_all()
    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests (browser, real worker, rush) run in real transactions,
    and each one ends with a flush that empties even the tables migrations
    fill. Put the role groups and municipalities back before such a test."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    if not transactional and "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    from accounts.services import ensure_role_groups
    from places.data_loading import load_municipalities
    from places.models import Municipality

    ensure_role_groups()
    if not Municipality.objects.exists():
        load_municipalities(Municipality)


@pytest.fixture(scope="session", autouse=True)
def _live_server_accepts_a_rush():
    """Django's test server queues only 10 pending connections; a rush test opens
    dozens at once, as a production server (gunicorn's backlog is 2048) would take."""
    WSGIServer.request_queue_size = 128


@pytest.fixture(autouse=True)
def _celery_runs_tasks_inline(request):
    """Tasks run in the test's own process, except in the tests that start a
    real worker against Redis (marked ``redis``)."""
    from backend.celery import app

    if request.node.get_closest_marker("redis"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _commits_hand_over_at_once(settings):
    """A commit hands its notifications to the broker itself, at once, so a
    test sees them handed over when its request returns. Tests of the
    process's hand-over thread (notifications/handover.py), and those with a
    real worker, set a linger as production has."""
    settings.KURSLOTSE_HANDOVER_LINGER_SECONDS = 0


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def learner(db):
    return UserFactory(roles=[LEARNER])


@pytest.fixture
def other_learner(db):
    return UserFactory(roles=[LEARNER])


@pytest.fixture
def coach(db):
    return UserFactory(roles=[COACH])


@pytest.fixture
def coordinator(db):
    return UserFactory(roles=[COORDINATOR])


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def as_user():
    return client_for


@pytest.fixture
def course(db):
    return CourseFactory()


# The shared world of the permission tables (tests/world.py).
from .mailcatcher import smtp  # noqa: E402, F401  (a real SMTP catcher, tests/mailcatcher.py)
from .world import _world_of_the_module, world, world_shared_by_the_module  # noqa: E402, F401
