"""Carry on without a server that is away, instead of waiting on it again.

A ``CircuitBreaker`` remembers that a dependency (the Redis cache, the Celery
broker) just failed and, for ``pause`` seconds, tells its callers to skip it:
one request with fourteen notifications to enqueue waits for one failed
connection, not fourteen. After the pause the next call tries again. Each
outage is logged once when it starts (and each pause it goes on), and once
when the server is back. Per process, as the connections it guards are.
"""

import logging
import threading
import time

logger = logging.getLogger(__name__)

_ALL: "dict[str, CircuitBreaker]" = {}


def breaker(name: str, pause_seconds) -> "CircuitBreaker":
    """The process's one breaker called ``name`` (shared by all threads)."""
    with _REGISTRY_LOCK:
        if name not in _ALL:
            _ALL[name] = CircuitBreaker(name, pause_seconds)
        return _ALL[name]


def reset_all() -> None:
    """Forget every failure (tests start from a world where all is up)."""
    for each in list(_ALL.values()):
        each.reset()


_REGISTRY_LOCK = threading.Lock()


class CircuitBreaker:
    def __init__(self, name: str, pause_seconds):
        self.name = name
        self._pause_seconds = pause_seconds  # a number, or a callable giving one
        self._down_until = 0.0
        self._down = False
        self._lock = threading.Lock()

    @property
    def pause_seconds(self) -> float:
        value = self._pause_seconds
        return float(value() if callable(value) else value)

    def available(self) -> bool:
        """False while a recent failure says: don't even try."""
        return time.monotonic() >= self._down_until

    def failed(self, error: BaseException) -> None:
        pause = self.pause_seconds
        with self._lock:
            self._down_until = time.monotonic() + pause
            self._down = True
        logger.warning(
            "%s is unreachable (%s: %s); carrying on without it for %.0f s",
            self.name,
            type(error).__name__,
            error,
            pause,
        )

    def succeeded(self) -> None:
        if not self._down:
            return
        with self._lock:
            was_down, self._down, self._down_until = self._down, False, 0.0
        if was_down:
            logger.info("%s is reachable again", self.name)

    def reset(self) -> None:
        """Forget a failure (tests; an operator who knows better)."""
        with self._lock:
            self._down, self._down_until = False, 0.0
