"""With Redis away, signing in still works. The cache (where allauth keeps
its rate limits) is then empty rather than an error: limits fail open, logged,
and are back with Redis."""

import pytest
from django.core.cache import cache, caches
from django.test import Client

from accounts.roles import LEARNER
from common.cache import DegradingRedisCache

from ..factories import UserFactory
from ..servers import RedisServer

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def redis_cache(settings):
    """The cache on a redis-server of the test's own, so it can be stopped."""
    server = RedisServer()
    server.start()
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": server.url(1),
        }
    }
    yield server
    server.stop()


def sign_in(user, password=PASSWORD):
    client = Client(raise_request_exception=True)
    return client.post("/accounts/login/", {"login": user.email, "password": password})


def test_with_redis_stopped_signing_in_still_works_and_rate_limits_fail_open(redis_cache, caplog):
    assert isinstance(caches["default"], DegradingRedisCache)
    user = UserFactory(roles=[LEARNER])
    assert sign_in(user).status_code == 302
    assert cache._cache.get_client().keys("*"), "allauth keeps its rate limits in Redis"

    redis_cache.stop()
    with caplog.at_level("WARNING", logger="common.outages"):
        answer = sign_in(user)
        again = sign_in(user)

    assert answer.status_code == again.status_code == 302
    assert answer.url == "/"
    assert "The Redis cache" in caplog.text and "is unreachable" in caplog.text
    assert caplog.text.count("is unreachable") == 1, "logged once, then Redis is left alone"
