"""The notifications app's interface for other apps: ``notify``.

Callers pass who, what and a key that names the event; calling twice for the
same event (a retried request, a re-run job) creates one notification. Call it
inside the transaction of the change, so both commit or neither does.
Delivery (email, reminders, the inbox API) builds on these rows.
"""

from django.db import transaction

from .models import Notification


def notify(*, recipient, kind: str, key: str, payload: dict | None = None) -> Notification:
    """Queue one notification of ``kind`` for ``recipient``; idempotent per ``key``."""
    with transaction.atomic():
        notification, _created = Notification.objects.get_or_create(
            idempotency_key=f"{kind}:{key}:{recipient.pk}",
            defaults={"recipient": recipient, "kind": kind, "payload": payload or {}},
        )
    return notification
