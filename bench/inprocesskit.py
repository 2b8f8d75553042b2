"""What the in-process benchmarks share (``catalogue.py``, ``feed.py``): a
PostgreSQL to work in, Django set up inside the benchmark's own process,
timing a request many times and printing medians and p95 next to a baseline.

In-process means Django's test client against a real database: no HTTP
server and no network, so the figures are what the view, the ORM and
PostgreSQL cost, comparable with the baseline measured the same way in the
same run. Uses ``benchkit``'s private PostgreSQL helpers as they are.
"""

from __future__ import annotations

import gc
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from benchkit import REPO_DIR, recreate_database, say


def django_in_process(db_name: str) -> str:
    """Re-create ``db_name`` on the server of ``DATABASE_URL``, point Django at it
    (development settings with DEBUG off, the test client's host allowed, no
    Redis cache: the figures are the database's and the code's), set Django up
    and migrate. Returns the database URL."""
    database_url = recreate_database(os.environ["DATABASE_URL"], db_name)
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "KURSLOTSE_ENV": "development",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "testserver,127.0.0.1",
            "CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
            "REDIS_URL": "",
        }
    )
    sys.path.insert(0, str(REPO_DIR))
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    say(f"Migrated in {time.perf_counter() - started:.1f} s")
    return database_url


def vacuum_analyze() -> None:
    """After bulk inserts, what autovacuum would soon do: planner statistics
    and the visibility map (which lets index-only scans skip the table)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def queries_of(call: Callable[[], object]) -> int:
    """How many SQL statements one call runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclass
class Timing:
    """One case in one round: ``requests`` calls, each timed on its own."""

    case: str
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 95)


def time_calls(
    case: str,
    call: Callable[[], object],
    requests: int,
    prepare: Callable[[], object] | None = None,
) -> Timing:
    """Call ``call`` ``requests`` times (after one unmeasured call), timing each;
    ``prepare``, if given, runs before each call, outside the clock (e.g. the
    change a feed must show).

    The garbage collector runs between calls, not inside one, as in a server
    that is not short of memory. What exists before the first call (Django,
    the data, the caches) is frozen out of its sight first: otherwise every
    collection walks it all, and the collections take longer than the calls."""
    if prepare is not None:
        prepare()
    call()
    gc.collect()
    gc.freeze()
    timing = Timing(case)
    try:
        for _ in range(requests):
            if prepare is not None:
                prepare()
            gc.collect()
            gc.disable()
            try:
                started = time.perf_counter()
                call()
                timing.latencies_ms.append((time.perf_counter() - started) * 1000)
            finally:
                gc.enable()
    finally:
        gc.unfreeze()
    return timing


HEADER = f"{'round':>5}  {'case':<48} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7}"


def timing_row(label: str, timing: Timing, requests: int, queries: int | str) -> str:
    return (
        f"{label:>5}  {timing.case:<48} {requests:>8} {timing.p50:>8.2f} "
        f"{timing.p95:>8.2f} {queries!s:>7}"
    )


def report(
    rounds: list[list[Timing]], requests: int, queries: dict[str, int | str], baseline: str
) -> dict[str, dict[str, float]]:
    """Print every round and the medians over rounds, each case next to the
    baseline case of the same run; return the medians."""
    say(HEADER)
    for number, timings in enumerate(rounds, start=1):
        for timing in timings:
            say(timing_row(str(number), timing, requests, queries[timing.case]))
    say(f"median of {len(rounds)} round(s):")
    medians: dict[str, dict[str, float]] = {}
    for index, first in enumerate(rounds[0]):
        same = [timings[index] for timings in rounds]
        medians[first.case] = {
            "p50_ms": statistics.median(t.p50 for t in same),
            "p95_ms": statistics.median(t.p95 for t in same),
        }
        m = medians[first.case]
        say(
            f"{'':>5}  {first.case:<48} {requests:>8} {m['p50_ms']:>8.2f} {m['p95_ms']:>8.2f} "
            f"{queries[first.case]!s:>7}"
        )
    base = medians[baseline]
    say(f"each case / {baseline} (medians): p50, p95")
    for case, m in medians.items():
        if case != baseline:
            say(
                f"       {case:<48} x{m['p50_ms'] / base['p50_ms']:.2f}  x{m['p95_ms'] / base['p95_ms']:.2f}"
            )
    return medians
