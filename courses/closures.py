"""Every write about closures (school holidays, a provider's or venue's closed
days), one function per use case, for the pages and the API alike.

A closure is applied when a course's sessions are generated
(``courses.services._planned_dates``); what a course skipped is stored with
it, so creating, changing or deleting a closure changes no existing course.
Invariants are the model's (``Closure.clean``: order of the days, at most one
of provider and venue, length); the limit that depends on today is here.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import InvalidInput

from .constants import MAX_DAYS_AHEAD
from .models import Closure

FIELDS = frozenset({"name", "first_day", "last_day", "provider", "venue"})


def _check_within_horizon(closure: Closure, today: date | None = None) -> None:
    """A closure lies within ``MAX_DAYS_AHEAD`` days of today, before or after,
    as courses do: no course could meet beyond, and there a date is a typing
    error (0001-01-01, 9999-12-31)."""
    today = today or timezone.localdate()
    earliest, latest = (
        today - timedelta(days=MAX_DAYS_AHEAD),
        today + timedelta(days=MAX_DAYS_AHEAD),
    )
    for field in ("first_day", "last_day"):
        day = getattr(closure, field)
        if day > latest:
            message = _("Choose a date before %(date)s.") % {"date": latest.isoformat()}
            raise InvalidInput(message, fields={field: [message]})
        if day < earliest:
            message = _("Choose a date after %(date)s.") % {"date": earliest.isoformat()}
            raise InvalidInput(message, fields={field: [message]})


def _save(closure: Closure) -> Closure:
    closure.full_clean()
    _check_within_horizon(closure)
    closure.save()
    return closure


@transaction.atomic
def create_closure(*, by=None, **fields) -> Closure:
    unknown = set(fields) - FIELDS
    if unknown:
        raise ValueError(f"create_closure does not set {sorted(unknown)}")
    return _save(Closure(**fields))


@transaction.atomic
def update_closure(*, closure: Closure, by=None, **changes) -> Closure:
    """Change a closure. Courses that exist keep the dates they were planned with."""
    unknown = set(changes) - FIELDS
    if unknown:
        raise ValueError(f"update_closure does not change {sorted(unknown)}")
    closure = Closure.objects.get(pk=closure.pk)  # read fresh: the form may have changed it
    for name, value in changes.items():
        setattr(closure, name, value)
    return _save(closure)


@transaction.atomic
def delete_closure(*, closure: Closure, by=None) -> None:
    """Delete a closure. The dates courses skipped for it stay skipped, with its name."""
    Closure.objects.filter(pk=closure.pk).delete()
