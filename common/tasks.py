"""Periodic housekeeping tasks: thin, they call a service."""

from celery import shared_task

from . import services


@shared_task(name="common.tasks.purge_idempotency_records")
def purge_idempotency_records() -> int:
    return services.purge_idempotency_records()
