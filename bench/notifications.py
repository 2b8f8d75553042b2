"""Notification delivery: N reminders due at once, through Redis and W Celery
worker processes to a local SMTP sink, next to the raw rate of that sink.

    .venv/bin/python bench/notifications.py                       # 10,000 reminders, 2 workers, 1 round
    .venv/bin/python bench/notifications.py --count 1000 --rounds 3
    .venv/bin/python bench/notifications.py --source sessions     # reminders made by the sweep

Always starts a private PostgreSQL and Redis with ``scripts/services.sh``
(state in ``var/services-bench-notify``) and stops them afterwards, and works
in its own database (``kurslotse_bench_notify``, dropped and re-created).
Nothing listens anywhere but 127.0.0.1.

* The SMTP sink is an aiosmtpd server in a thread of this process. It accepts
  every message at once and records its ``X-Kurslotse-Notification`` header
  (the outbox row's idempotency key), so duplicates and losses are counted
  per key.
* raw sink: the same number of messages, of the same size as a rendered
  reminder, sent straight to the sink with smtplib by W processes at once,
  one SMTP connection per message (as Django's SMTP backend does for a
  single ``send()``). This is the ceiling the pipeline is compared with.
* pipeline: W real ``celery -A backend worker -Q celery,notifications
  --pool=prefork --concurrency=1`` processes with the SMTP backend pointed at
  the sink. ``--source rows`` (default) writes N due reminder rows (email,
  queued, ``next_attempt_at`` empty) plus their inbox rows in bulk, then calls
  ``notifications.services.sweep()`` in this process, which enqueues what is
  due. ``--source sessions`` books N learners on a course whose session starts
  in 3 hours and lets ``sweep()`` create the reminders itself
  (the reminder queuers courses registered → ``notify``), as beat does in production.
  The clock runs from the sweep until the last row is ``sent``.

``sweep()`` enqueues at most ``notifications.services.SWEEP_BATCH`` (20,000) due
rows per call. When every task it enqueued has run (the Redis queue and Redis'
unacked set are empty, no row is ``sending``) and rows are still queued, the benchmark calls ``sweep()`` again
at once, as the next beat tick would (in production that tick comes up to a
minute later). ``--beat-interval 60`` instead sweeps every 60 s while rows are
pending, as beat does: a sweep re-enqueues rows whose tasks still wait in Redis,
and those extra tasks show up as ``skipped``. The number of sweeps is printed.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import re
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.parser import BytesHeaderParser
from pathlib import Path

import benchkit
from benchkit import REPO_DIR, free_port, private_services, recreate_database, say

BENCH_DIR = REPO_DIR / "bench"
SERVICES_DIR = REPO_DIR / "var" / "services-bench-notify"
WORK_DIR = REPO_DIR / "var" / "bench-notify"
HEADER_NAME = "X-Kurslotse-Notification"
POLL_SECONDS = 0.5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="reminders due at once")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--rounds", type=int, default=1, help="rounds (1-3); medians reported")
    parser.add_argument(
        "--source",
        choices=("rows", "sessions"),
        default="rows",
        help="rows: due outbox rows written in bulk; sessions: sweep() creates the reminders",
    )
    parser.add_argument(
        "--beat-interval",
        type=float,
        default=0,
        help="0 (default): sweep again as soon as every enqueued task has run; "
        "N: sweep every N seconds while rows are pending, as celery beat does (60)",
    )
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds a round may take before giving up"
    )
    parser.add_argument("--db-name", default="kurslotse_bench_notify", help="database to recreate")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    if args.count < 1 or args.workers < 1:
        parser.error("--count and --workers must be at least 1")
    if not 1 <= args.rounds <= 3:
        parser.error("--rounds must be 1, 2 or 3")
    return args


def wait_for(condition, timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"ABORT: timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --- PostgreSQL and Redis --------------------------------------------------------------


@contextmanager
def services() -> Iterator[None]:
    """A private PostgreSQL and Redis pair, stopped afterwards (never a shared one:
    a foreign worker on a shared Redis would take our tasks)."""
    say("Starting a private PostgreSQL and Redis (scripts/services.sh)")
    with private_services(SERVICES_DIR):
        yield


def setup_django() -> None:
    # Run as a script, this file's folder comes first on sys.path, and its name
    # would shadow the notifications app: put the repository first and the
    # folder last (spawned processes still find benchkit there).
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
    sys.path.insert(0, str(REPO_DIR))
    sys.path.append(str(BENCH_DIR))
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    os.environ["KURSLOTSE_ENV"] = "development"
    os.environ["DEBUG"] = "false"  # no query log growing in long loops
    import django

    django.setup()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command


# --- The SMTP sink ---------------------------------------------------------------------


class Sink:
    """Accepts every message at once; records each one's notification key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: list[str | None] = []
        self._parser = BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope):
        value = self._parser.parsebytes(envelope.content, headersonly=True).get(HEADER_NAME)
        # A long key is folded onto a continuation line; keys hold no whitespace.
        key = "".join(value.split()) if value is not None else None
        with self._lock:
            self._keys.append(key)
        return "250 OK"

    def count(self) -> int:
        with self._lock:
            return len(self._keys)

    def take(self) -> list[str | None]:
        """Everything received since the last take."""
        with self._lock:
            keys, self._keys = self._keys, []
        return keys


@contextmanager
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(
        sink, hostname="127.0.0.1", port=free_port(), server_hostname="bench-sink"
    )
    controller.start()
    try:
        say(f"SMTP sink (aiosmtpd, in this process) on 127.0.0.1:{controller.port}")
        yield sink, controller.port
    finally:
        controller.stop()


# --- Raw sink rate ---------------------------------------------------------------------


def raw_sender(port, local_hostname, template, keys, barrier, results) -> None:
    """One sender process: one SMTP connection per message, like Django's backend."""
    barrier.wait(timeout=60)
    started = time.monotonic()
    errors = 0
    for key in keys:
        message = f"{HEADER_NAME}: {key}\r\n".encode() + template
        try:
            with smtplib.SMTP("127.0.0.1", port, local_hostname=local_hostname, timeout=30) as s:
                s.sendmail("kurslotse@localhost", ["learner@example.invalid"], message)
        except (OSError, smtplib.SMTPException):
            errors += 1
    results.put((started, time.monotonic(), errors))


def raw_sink_rate(sink: Sink, port: int, template: bytes, count: int, senders: int, tag: str):
    """Send ``count`` messages from ``senders`` processes; msgs/s and what the sink saw."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(senders)
    results = context.Queue()
    keys = [f"raw:{tag}:{i}" for i in range(count)]
    hostname = socket.getfqdn()  # Django caches it too (django.core.mail.utils.DNS_NAME)
    sink.take()
    processes = [
        context.Process(
            target=raw_sender,
            args=(port, hostname, template, keys[i::senders], barrier, results),
            daemon=True,
        )
        for i in range(senders)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=900) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    wall = max(o[1] for o in outcomes) - min(o[0] for o in outcomes)
    received = Counter(sink.take())
    return {
        "count": count,
        "senders": senders,
        "wall_s": wall,
        "rate": count / wall if wall else 0.0,
        "errors": sum(o[2] for o in outcomes),
        "received": sum(received.values()),
        "duplicates": sum(1 for n in received.values() if n > 1),
        "lost": len(set(keys) - set(received)),
    }


def message_template(row) -> bytes:
    """A rendered reminder (text, HTML) as sent over SMTP, without its key header."""
    from notifications.channels import EmailChannel

    mime = EmailChannel().build(row).message()
    del mime[HEADER_NAME]
    return mime.as_bytes(linesep="\r\n")


# --- Celery workers --------------------------------------------------------------------


class Worker:
    """A real ``celery -A backend worker`` process (its own process group)."""

    def __init__(self, number: int, env: dict) -> None:
        self.number = number
        self.env = env
        self.log = WORK_DIR / f"worker-{number}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log.write_bytes(b"")
        command = [
            str(Path(sys.executable).with_name("celery")),
            "-A", "backend", "worker", "-Q", "celery,notifications",
            "--pool=prefork", "--concurrency=1", "--loglevel=INFO",
            "-n", f"bench-notify-{self.number}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise SystemExit(f"ABORT: worker {self.number} exited; see {self.log}")
        return b" ready." in self.log.read_bytes()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@contextmanager
def workers(count: int, smtp_port: int) -> Iterator[list[Worker]]:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "PYTHONUNBUFFERED": "1",
    }
    started = [Worker(number, env) for number in range(1, count + 1)]
    try:
        for worker in started:
            worker.start()
        wait_for(lambda: all(w.ready() for w in started), timeout=120, what="the workers")
        say(
            f"{count} Celery worker process(es), prefork concurrency 1 each, "
            f"logs in {WORK_DIR.relative_to(REPO_DIR)}/"
        )
        yield started
    finally:
        for worker in started:
            worker.stop()


TASK_LINE = re.compile(
    rb"Task notifications\.tasks\.deliver_batch\[[^\]]+\] succeeded in ([0-9.]+)s: (\{[^}]*\})"
)


def task_outcomes(started: list[Worker], offsets: list[int]) -> tuple[Counter, list[float]]:
    """Delivery tasks (batches) the workers logged since ``offsets``: the rows'
    outcomes summed (``sent``, ``skipped`` …, plus ``tasks``) and each task's run time."""
    import ast

    outcomes: Counter = Counter()
    seconds: list[float] = []
    for worker, offset in zip(started, offsets, strict=True):
        with worker.log.open("rb") as log:
            log.seek(offset)
            for match in TASK_LINE.finditer(log.read()):
                outcomes.update(ast.literal_eval(match.group(2).decode()))
                outcomes["tasks"] += 1
                seconds.append(float(match.group(1)))
    return outcomes, seconds


def broker_in_flight(redis_client) -> tuple[int, int]:
    """Messages waiting in the notifications queue, and taken but not acknowledged."""
    return redis_client.llen("notifications"), redis_client.hlen("unacked")


# --- Data ------------------------------------------------------------------------------


def create_learners(count: int) -> list:
    started = time.perf_counter()
    users = benchkit.create_learners(count, batch_size=2000)
    say(f"{count} learners (email channel on) in {time.perf_counter() - started:.1f} s")
    return users


def create_course(title: str, seats: int):
    """A published course with one session, 3 hours from now (inside the 24 h window)."""
    from django.utils import timezone

    from courses import services
    from courses.constants import CourseStatus, Format, Level
    from places.models import Municipality

    municipality = Municipality.objects.order_by("pk").first()
    if municipality is None:
        raise SystemExit("ABORT: no municipality in the database (places data migration?)")
    starts = (timezone.localtime() + timedelta(hours=3)).replace(second=0, microsecond=0)
    if starts.hour == 23 and starts.minute > 0:
        starts += timedelta(hours=1)  # keep the session inside one day
    return services.create_course(
        title=title,
        level=Level.A1,
        format=Format.IN_PERSON,
        municipality=municipality,
        seats=seats,
        childcare_places=0,
        starts_on=starts.date(),
        ends_on=starts.date(),
        weekdays=[starts.weekday()],
        start_time=starts.time(),
        end_time=(starts + timedelta(minutes=45)).time(),
        status=CourseStatus.PUBLISHED,
    )


def write_due_rows(learners: list, payload: dict, tag: str) -> None:
    """What ``notify`` writes for each learner (inbox row sent, email row queued), in
    bulk; ``next_attempt_at`` stays empty, so only a sweep enqueues them."""
    from django.db import transaction
    from django.utils import timezone

    from courses.notifications import Kind
    from notifications.constants import Channel, Status
    from notifications.models import Notification

    now = timezone.now()
    rows = []
    for i, learner in enumerate(learners):
        prefix = f"{Kind.SESSION_REMINDER}:bench:{tag}:{i}:{learner.pk}"
        rows.append(
            Notification(
                recipient=learner,
                kind=Kind.SESSION_REMINDER,
                channel=Channel.INBOX,
                payload=payload,
                status=Status.SENT,
                sent_at=now,
                idempotency_key=f"{prefix}:{Channel.INBOX}",
            )
        )
        rows.append(
            Notification(
                recipient=learner,
                kind=Kind.SESSION_REMINDER,
                channel=Channel.EMAIL,
                payload=payload,
                status=Status.QUEUED,
                next_attempt_at=None,
                idempotency_key=f"{prefix}:{Channel.EMAIL}",
            )
        )
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=2000)


def book_everyone(course, learners: list) -> None:
    from django.utils import timezone

    from courses.constants import BookingStatus
    from courses.models import Booking

    now = timezone.now()
    Booking.objects.bulk_create(
        [
            Booking(
                course=course, learner=learner, status=BookingStatus.CONFIRMED, confirmed_at=now
            )
            for learner in learners
        ],
        batch_size=2000,
    )


# --- One round -------------------------------------------------------------------------


def warm_up(started: list[Worker], learners: list, payload: dict, sink: Sink) -> None:
    """Unmeasured: each worker loads templates, translations and its connections."""
    from notifications import services
    from notifications.constants import Channel, Status
    from notifications.models import Notification

    write_due_rows(learners[: 4 * len(started)], payload, "warm-up")
    rows = Notification.objects.filter(
        idempotency_key__contains=":bench:warm-up:", channel=Channel.EMAIL
    )
    services.hand_over(list(rows.values_list("pk", flat=True)))
    wait_for(lambda: not rows.exclude(status=Status.SENT).exists(), timeout=120, what="the warm-up")
    time.sleep(1)
    sink.take()


def run_pipeline(args, number, started, learners, payload, sink, redis_client) -> dict:
    from django.db.models import Count, Max, Min
    from django.utils import timezone

    from courses.constants import SessionStatus
    from courses.models import CourseSession
    from notifications import services
    from notifications.constants import Channel, Status
    from notifications.models import Notification

    tag = f"r{number}"
    course = None
    if args.source == "rows":
        write_due_rows(learners, payload, tag)
        rows = Notification.objects.filter(
            idempotency_key__contains=f":bench:{tag}:", channel=Channel.EMAIL
        )
    else:
        course = create_course(f"Benchmark reminders, round {number}", seats=len(learners))
        book_everyone(course, learners)
        session = course.sessions.get()
        rows = Notification.objects.filter(
            idempotency_key__startswith=f"session_reminder:session:{session.pk}:",
            channel=Channel.EMAIL,
        )
    offsets = [w.log.stat().st_size for w in started]
    sink.take()

    began_at = timezone.now()
    began = time.monotonic()
    sweeps = [services.sweep()]
    sweep_seconds = [time.monotonic() - began]
    idle_polls = 0
    timed_out = False
    while True:
        time.sleep(POLL_SECONDS)
        statuses = dict(rows.values_list("status").annotate(n=Count("pk")).order_by())
        pending = statuses.get(Status.QUEUED, 0) + statuses.get(Status.SENDING, 0)
        if pending == 0 and sum(statuses.values()) >= args.count:
            break
        if time.monotonic() - began > args.timeout:
            timed_out = True
            break
        if args.beat_interval:
            if time.monotonic() - began >= len(sweeps) * args.beat_interval:
                sweep_began = time.monotonic()
                sweeps.append(services.sweep())
                sweep_seconds.append(time.monotonic() - sweep_began)
            continue
        waiting, unacked = broker_in_flight(redis_client)
        if waiting == 0 and unacked == 0 and statuses.get(Status.SENDING, 0) == 0:
            idle_polls += 1
            if idle_polls >= 2:  # every task enqueued so far has run: the next beat tick
                sweep_began = time.monotonic()
                sweeps.append(services.sweep())
                sweep_seconds.append(time.monotonic() - sweep_began)
                idle_polls = 0
                if pending == 0 and not sweeps[-1]["enqueued"] and not sweeps[-1]["reminders"]:
                    break  # fewer rows than expected, and nothing left to do
        else:
            idle_polls = 0
    polled_done = time.monotonic() - began

    # Let leftover (duplicate) tasks run out, then count what arrived (bounded, no abort:
    # a round that timed out is still reported).
    deadline = time.monotonic() + 120
    while broker_in_flight(redis_client) != (0, 0) and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    time.sleep(1.5)
    received = sink.take()
    outcomes, task_seconds = task_outcomes(started, offsets)

    span = rows.filter(status=Status.SENT).aggregate(first=Min("sent_at"), last=Max("sent_at"))
    wall = (span["last"] - began_at).total_seconds() if span["last"] else polled_done
    expected = dict(rows.values_list("idempotency_key", "status"))
    sent_keys = {key for key, status in expected.items() if status == Status.SENT}
    counts = Counter(received)
    result = {
        "round": number,
        "source": args.source,
        "count": args.count,
        "workers": args.workers,
        "rows": len(expected),
        "sweeps": len(sweeps),
        "sweep_s": sweep_seconds,
        "sweep_results": sweeps,
        "wall_s": wall,
        "rate": len(sent_keys) / wall if wall else 0.0,
        "timed_out": timed_out,
        "received": len(received),
        "duplicates": sum(1 for n in counts.values() if n > 1),
        "extra_copies": sum(n - 1 for n in counts.values() if n > 1),
        "sent_not_received": len(sent_keys - set(counts)),
        "not_sent": len(expected) - len(sent_keys) + max(0, args.count - len(expected)),
        "stray": sum(n for key, n in counts.items() if key not in expected),
        "statuses": dict(Counter(expected.values())),
        "tasks": dict(outcomes),
        "task_ms_mean": 1000 * statistics.fmean(task_seconds) if task_seconds else 0.0,
        "task_ms_p50": 1000 * statistics.median(task_seconds) if task_seconds else 0.0,
        # Worker time per row a task handled (sent, retried, failed or skipped).
        "row_ms": 1000 * sum(task_seconds) / max(1, sum(outcomes.values()) - outcomes["tasks"]),
    }
    result["lost"] = result["sent_not_received"] + result["not_sent"]
    if course is not None:  # so the next round's sweep does not walk this session again
        CourseSession.objects.filter(course=course).update(status=SessionStatus.CANCELLED)
    return result


# --- Report ----------------------------------------------------------------------------

HEADER = (
    f"{'round':>5}  {'count':>6} {'wrk':>3} {'sweeps':>6} {'sweep s':>7} {'wall s':>7} "
    f"{'msgs/s':>7} {'raw s':>6} {'raw/s':>7} {'ratio':>6} {'tasks':>6} {'skipped':>7} "
    f"{'ms/msg':>7} {'dup':>4} {'lost':>5}"
)


def row(label: str, pipe: dict, raw: dict) -> str:
    tasks = pipe["tasks"].get("tasks", 0)
    return (
        f"{label:>5}  {pipe['count']:>6} {pipe['workers']:>3} {pipe['sweeps']:>6} "
        f"{sum(pipe['sweep_s']):>7.2f} {pipe['wall_s']:>7.2f} {pipe['rate']:>7.1f} "
        f"{raw['wall_s']:>6.2f} {raw['rate']:>7.1f} {pipe['rate'] / raw['rate']:>6.2f} "
        f"{tasks:>6} {pipe['tasks'].get('skipped', 0):>7} {pipe['row_ms']:>7.2f} "
        f"{pipe['duplicates']:>4} {pipe['lost']:>5}"
    )


def report(args, pipes: list[dict], raws: list[dict], message_bytes: int) -> dict:
    say()
    say(
        f"Notification delivery: {args.count} reminders due at once (source: {args.source}, "
        + (
            f"sweep every {args.beat_interval:g} s"
            if args.beat_interval
            else "sweep again when drained"
        )
        + "), "
        f"Redis + {args.workers} worker process(es) -> SMTP sink; raw sink: {args.workers} "
        f"smtplib sender process(es); message {message_bytes} bytes"
    )
    say(HEADER)
    for pipe, raw in zip(pipes, raws, strict=True):
        say(row(str(pipe["round"]), pipe, raw))
    median = {
        "wall_s": statistics.median(p["wall_s"] for p in pipes),
        "rate": statistics.median(p["rate"] for p in pipes),
        "raw_rate": statistics.median(r["rate"] for r in raws),
    }
    median["ratio"] = median["rate"] / median["raw_rate"]
    if len(pipes) > 1:
        say(
            f"median of {len(pipes)} rounds: wall {median['wall_s']:.2f} s, "
            f"{median['rate']:.1f} msgs/s, raw sink {median['raw_rate']:.1f} msgs/s, "
            f"pipeline/raw {median['ratio']:.2f}"
        )
    for pipe, raw in zip(pipes, raws, strict=True):
        say(
            f"round {pipe['round']}: sent {pipe['statuses'].get('sent', 0)}/{pipe['count']}, "
            f"received {pipe['received']}, duplicates {pipe['duplicates']} "
            f"(extra copies {pipe['extra_copies']}), lost {pipe['lost']} "
            f"(sent but not received {pipe['sent_not_received']}, not sent {pipe['not_sent']}), "
            f"stray {pipe['stray']}; tasks {pipe['tasks']}; sweeps "
            + ", ".join(
                f"{s['enqueued']} enqueued/{s['reminders']} reminders in {t:.2f} s"
                for s, t in zip(pipe["sweep_results"], pipe["sweep_s"], strict=True)
            )
            + (" — TIMED OUT" if pipe["timed_out"] else "")
        )
        say(
            f"round {pipe['round']} raw sink: {raw['count']} msgs in {raw['wall_s']:.2f} s, "
            f"errors {raw['errors']}, duplicates {raw['duplicates']}, lost {raw['lost']}"
        )
    verdict = all(p["duplicates"] == 0 and p["lost"] == 0 for p in pipes)
    say(
        "Exactly once: OK (0 duplicates, 0 lost)"
        if verdict
        else "Exactly once: FAILED (see duplicates / lost above)"
    )
    return {
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "message_bytes": message_bytes,
        "rounds": [{"pipeline": p, "raw_sink": r} for p, r in zip(pipes, raws, strict=True)],
        "median": median,
        "exactly_once": verdict,
    }


# --- Main ------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    os.chdir(REPO_DIR)
    with services():
        say(f"Using REDIS_URL {os.environ['REDIS_URL']}")
        os.environ["DATABASE_URL"] = recreate_database(os.environ["DATABASE_URL"], args.db_name)
        setup_django()
        import redis
        from django.core.management import call_command

        from courses.notifications import session_payload
        from notifications.constants import Channel
        from notifications.models import Notification

        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        say(f"Migrated in {time.perf_counter() - started:.1f} s")
        learners = create_learners(args.count)
        course = create_course("Benchmark reminders (payload)", seats=1)
        payload = session_payload(course.sessions.get())
        redis_client = redis.Redis.from_url(os.environ["REDIS_URL"])
        template = message_template(
            Notification(
                recipient=learners[0],
                kind="session_reminder",
                channel=Channel.EMAIL,
                payload=payload,
                idempotency_key="template",
            )
        )

        pipes, raws = [], []
        with smtp_sink() as (sink, port), workers(args.workers, port) as started_workers:
            warm_up(started_workers, learners, payload, sink)
            say("Warm-up done; measuring")
            for number in range(1, args.rounds + 1):
                raws.append(
                    raw_sink_rate(sink, port, template, args.count, args.workers, str(number))
                )
                say(
                    f"round {number} raw sink: {raws[-1]['rate']:.1f} msgs/s "
                    f"({raws[-1]['wall_s']:.2f} s)"
                )
                pipes.append(
                    run_pipeline(
                        args, number, started_workers, learners, payload, sink, redis_client
                    )
                )
                say(
                    f"round {number} pipeline: {pipes[-1]['rate']:.1f} msgs/s "
                    f"({pipes[-1]['wall_s']:.2f} s, {pipes[-1]['sweeps']} sweep(s))"
                )
        figures = report(args, pipes, raws, len(template))
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(figures, indent=2, default=str))
            say(f"Figures written to {args.json}")
    return 0 if figures["exactly_once"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("Interrupted; workers and the services this run started were stopped.", flush=True)
        sys.exit(130)
