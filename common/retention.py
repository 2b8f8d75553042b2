"""Retention rules (GDPR Art. 5(1)(e)): how long each kind of personal data is
kept, and the function that removes what is older.

Like notification kinds, a rule lives with the app that owns the data: the app
registers it in its ``AppConfig.ready`` (``coaching/apps.py``,
``notifications/apps.py``, ``accounts/apps.py``) with a stable key, a label
for the coordinators' page, the setting that holds its period
(``KURSLOTSE_RETENTION_*`` in ``backend/settings.py``) and the service that
removes what lies before a cutoff: ``remove(cutoff=...) -> int``, how many
records it removed. ``rule.run(now)`` computes the cutoff from the period
(months by the calendar) and calls it.

``common.services.run_retention`` runs every rule once a day (celery beat,
``manage.py retention``) and records a ``RetentionRun``. A rule must be safe to
run again and at the same time as another run: it removes only what is past
its period *now*, so a second run finds nothing left to do.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils.functional import Promise

MONTHS = "months"
DAYS = "days"


@dataclass(frozen=True)
class RetentionRule:
    key: str
    label: str | Promise  # what is kept, for people ("Coaches' notes")
    setting: str  # the name of the setting holding the period
    unit: str  # MONTHS or DAYS
    what_happens: str | Promise  # for people ("deleted … after the mentorship ended")
    remove: Callable[..., int]  # remove(cutoff=datetime) -> how many were removed

    @property
    def period(self) -> int:
        return int(getattr(settings, self.setting))

    def cutoff(self, now: datetime) -> datetime:
        """The moment before which data falls under this rule; months by the calendar."""
        if self.unit == MONTHS:
            return now - relativedelta(months=self.period)
        return now - timedelta(days=self.period)

    def run(self, now: datetime) -> int:
        return self.remove(cutoff=self.cutoff(now))


class PartialFailure(Exception):
    """A rule removed ``removed`` records, but some could not be: the run
    records both the count and this error."""

    def __init__(self, message: str, *, removed: int):
        super().__init__(message)
        self.removed = removed


_RULES: dict[str, RetentionRule] = {}


def register(rule: RetentionRule) -> RetentionRule:
    """Add a rule (from an ``AppConfig.ready``); a key names one rule only."""
    if rule.unit not in (MONTHS, DAYS):
        raise ValueError(f"Unknown unit {rule.unit!r} for retention rule {rule.key}")
    if not hasattr(settings, rule.setting):
        raise ValueError(f"Retention rule {rule.key} names a missing setting {rule.setting}")
    known = _RULES.get(rule.key)
    if known is not None and known.remove is not rule.remove:
        raise ValueError(f"Two retention rules with the key {rule.key!r}")
    _RULES[rule.key] = rule
    return rule


def unregister(key: str) -> None:
    """Remove a rule (for tests that register one of their own)."""
    _RULES.pop(key, None)


def rules() -> list[RetentionRule]:
    """Every rule, in the order they were registered (the order they run in)."""
    return list(_RULES.values())


# One delete touches at most this many rows, so no run holds a long lock on a
# table the app writes to; a rule repeats until nothing is left.
BATCH = 2_000


def delete_in_batches(queryset) -> int:
    """Delete what ``queryset`` selects, a batch per transaction; returns how many rows."""
    removed = 0
    model = queryset.model
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not ids:
                return removed
            # The rule's condition again, so a row that changed meanwhile stays;
            # only rows of this model are counted (not what cascades from them).
            _total, per_model = queryset.filter(pk__in=ids).delete()
            removed += per_model.get(model._meta.label, 0)
            if per_model.get(model._meta.label, 0) == 0:
                return removed
