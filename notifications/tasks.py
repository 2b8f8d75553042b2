"""Celery tasks for notifications: thin, they call a service.

``deliver`` runs on its own queue ("notifications"), so a slow mail server
never delays other work; it is safe to run twice for the same id.
"""

from celery import shared_task

from . import services


@shared_task(name="notifications.tasks.deliver", queue="notifications", acks_late=True)
def deliver(notification_id: int) -> str:
    return services.deliver(notification_id)


@shared_task(name="notifications.tasks.sweep")
def sweep() -> dict:
    """Periodic (celery beat, every minute): stuck rows, reminders, anything due."""
    return services.sweep()
