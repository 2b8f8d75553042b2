"""Reads of the shared housekeeping records."""

from .models import RetentionRun

# The page and the API show this many runs: a month of nights and some.
RETENTION_RUNS_SHOWN = 40


def retention_runs():
    """Retention runs, the newest first."""
    return RetentionRun.objects.order_by("-started_at", "-pk")
