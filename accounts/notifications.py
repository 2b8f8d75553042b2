"""The notification accounts sends: the warning before an unused account is
erased (retention, README "Data protection"). Registered with the outbox from
``AccountsConfig.ready``: by email even to those who chose no email
notifications, by the office's call to those without an address."""

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.registry import register_kind
from notifications.texts import Text, day


class Kind(models.TextChoices):
    ERASURE_WARNING = "erasure_warning", gettext_lazy("Your account will be deleted")


def _erasure_warning(p: dict, *, attached: bool) -> Text:
    """Owned by accounts (retention of unused accounts): when the data goes and
    what keeps it. People without email hear it from the office: for them,
    what keeps their data is a booking or a coaching request, not a sign-in."""
    when = {"date": day(p.get("erase_on")), "since": day(p.get("since"))}
    if p.get("by_phone"):
        return Text(
            _("Your data at Kurslotse will be deleted on %(date)s") % when,
            (
                _("You have not booked a course or asked for a coach since %(since)s.") % when,
                _(
                    "To protect your data, we delete what is no longer used: everything "
                    "stored about you will be deleted on %(date)s."
                )
                % when,
                _(
                    "If you want to keep your data, book a course or ask for a coach with "
                    "the coordination office before then."
                ),
            ),
        )
    return Text(
        _("Your Kurslotse account will be deleted on %(date)s") % when,
        (
            _("You have not signed in to Kurslotse since %(since)s.") % when,
            _(
                "To protect your data, we delete what is no longer used: your account and "
                "everything stored about you will be deleted on %(date)s."
            )
            % when,
            _("If you want to keep your account, simply sign in before then."),
        ),
    )


def register() -> None:
    """Called from ``AccountsConfig.ready``."""
    register_kind(
        Kind.ERASURE_WARNING.value,
        Kind.ERASURE_WARNING.label,
        _erasure_warning,
        needs_call=True,
        essential=True,
    )
