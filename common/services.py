"""Housekeeping writes shared by all apps."""

from datetime import timedelta

from django.utils import timezone

from .models import IdempotencyRecord

# Clients retry within minutes; a day is ample and keeps no answers for long.
IDEMPOTENCY_RETENTION = timedelta(hours=24)


def purge_idempotency_records(now=None) -> int:
    """Delete remembered answers older than the retention period; returns how many."""
    cutoff = (now or timezone.now()) - IDEMPOTENCY_RETENTION
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
