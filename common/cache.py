"""Django's Redis cache, degrading instead of failing while Redis is away.

Everything in the cache can be lost without harm, so a cache that cannot be
reached is treated as empty: reads miss, writes are dropped, and the request
goes on. Short socket timeouts (settings) bound how long one attempt may take;
after a failure the cache skips Redis for a few seconds (``CircuitBreaker``)
instead of waiting on it again for every call.

What degrades: allauth's rate limits (sign-in attempts, password resets)
fail open while Redis is away — ``add`` reports success so its locks are
taken, reads find no history — and so does its check that a TOTP code is not
used twice. Both are logged (a warning when the outage starts) and are back
as soon as Redis is. The README says so.
"""

import redis
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

from .outages import breaker

# Connection problems only; an error Redis answers with (a bug) still raises.
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        # Django makes one cache object per thread; they share one breaker.
        self.breaker = breaker(
            f"The Redis cache at {self._servers[0].rpartition('@')[2]}",
            lambda: settings.KURSLOTSE_REDIS_OUTAGE_PAUSE_SECONDS,
        )

    def _call(self, fallback, method, *args, **kwargs):
        if not self.breaker.available():
            return fallback
        try:
            result = method(*args, **kwargs)
        except UNREACHABLE as error:
            self.breaker.failed(error)
            return fallback
        self.breaker.succeeded()
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._call(missing, super().incr, key, delta, version)
        if result is missing:  # as for a key that is not there
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(None, super().delete_many, keys, version)

    def clear(self):
        return self._call(False, super().clear)
