"""Celery tasks for courses: thin, they call a service."""

from celery import shared_task

from . import services


@shared_task(name="courses.tasks.expire_stale_offers")
def expire_stale_offers() -> int:
    """Periodic (celery beat, every minute): pass on places whose offer ran out."""
    return services.expire_stale_offers()
