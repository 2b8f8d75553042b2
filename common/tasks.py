"""Periodic housekeeping tasks: thin, they call a service."""

from celery import shared_task

from . import services


@shared_task(name="common.tasks.purge_idempotency_records")
def purge_idempotency_records() -> int:
    return services.purge_idempotency_records()


@shared_task(name="common.tasks.run_retention")
def run_retention() -> int:
    """The nightly retention run (``CELERY_BEAT_SCHEDULE``); returns the run's id."""
    return services.run_retention().pk
