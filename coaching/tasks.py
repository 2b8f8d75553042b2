"""Celery tasks for coaching: thin, they call a service."""

from celery import shared_task

from . import services


@shared_task(name="coaching.tasks.expire_stale_proposals")
def expire_stale_proposals() -> int:
    """Periodic (celery beat, hourly): reopen requests whose coach did not answer in time."""
    return services.expire_stale_proposals()
