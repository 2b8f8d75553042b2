"""Housekeeping writes shared by all apps."""

import logging
from datetime import timedelta

from django.utils import timezone

from . import retention
from .models import IdempotencyRecord, RetentionRun

logger = logging.getLogger(__name__)

# How much of a failing rule's error the run keeps (the log has all of it).
ERROR_LENGTH = 500

# Clients retry within minutes; a day is ample and keeps no answers for long.
IDEMPOTENCY_RETENTION = timedelta(hours=24)


def purge_idempotency_records(now=None) -> int:
    """Delete remembered answers older than the retention period; returns how many."""
    cutoff = (now or timezone.now()) - IDEMPOTENCY_RETENTION
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def run_retention(now=None) -> RetentionRun:
    """Run every retention rule once and record what each removed.

    Each rule runs on its own: one that fails is logged with its context and
    recorded in the run's ``errors``, and the others run all the same. Safe to
    repeat and to run twice at once: every rule removes only what is past its
    period, and the inactive-account warning is given once (a conditional
    update), so a second run finds nothing more to do.
    """
    now = now or timezone.now()
    run = RetentionRun.objects.create(started_at=now)
    for rule in retention.rules():
        try:
            run.removed[rule.key] = rule.run(now)
        except retention.PartialFailure as error:
            logger.error("Retention rule %s (run %s) partly failed: %s", rule.key, run.pk, error)
            run.removed[rule.key] = error.removed
            run.errors[rule.key] = str(error)[:ERROR_LENGTH]
        except Exception as error:
            logger.exception(
                "Retention rule %s (run %s, period %s %s) failed",
                rule.key,
                run.pk,
                rule.period,
                rule.unit,
            )
            run.errors[rule.key] = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
        # What is done is on record even if the process dies during the next rule.
        run.save(update_fields=["removed", "errors"])
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    logger.info(
        "Retention run %s removed %s; errors: %s", run.pk, run.removed, run.errors or "none"
    )
    return run
