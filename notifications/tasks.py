"""Celery tasks for notifications: thin, they call a service.

``deliver_batch`` runs on its own queue ("notifications"), so a slow mail
server never delays other work; it is safe to run twice for the same ids.
``deliver`` (one id) stays for tasks queued before batches existed.
"""

from celery import shared_task

from . import services


@shared_task(name="notifications.tasks.deliver_batch", queue="notifications", acks_late=True)
def deliver_batch(notification_ids: list[int]) -> dict[str, int]:
    """Returns how many rows were sent, retried, failed or skipped (for the logs)."""
    counts: dict[str, int] = {}
    for outcome in services.deliver_batch(notification_ids).values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@shared_task(name="notifications.tasks.deliver", queue="notifications", acks_late=True)
def deliver(notification_id: int) -> str:
    return services.deliver(notification_id)


@shared_task(name="notifications.tasks.sweep")
def sweep() -> dict:
    """Periodic (celery beat, every minute): stuck rows, reminders, anything due."""
    return services.sweep()
