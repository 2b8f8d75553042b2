"""Choice sets of the accounts app: what a person may consent to, and through which door."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentPurpose(models.TextChoices):
    """What is optional, and so needs the person's consent (GDPR Art. 6(1)(a)).

    Everything else Kurslotse does rests on the district's public task
    (Art. 6(1)(e)) and is described in the privacy notice.
    """

    EMAIL_NOTIFICATIONS = "email_notifications", _("Messages by email")
    SHARE_PHONE_WITH_COACH = "share_phone_with_coach", _("Show my phone number to my coach")


class ConsentVia(models.TextChoices):
    """The door a consent was given or withdrawn through (for the record)."""

    SIGNUP = "signup", _("Sign-up")
    PROFILE = "profile", _("Profile page")
    API = "api", _("App (API)")
    OFFICE = "office", _("Entered by the coordination office")
    MIGRATION = "migration", _("Taken over from the earlier setting")


# The text version consents recorded by the data migration carry: the state
# people had before consents were recorded (README: "Privacy notice and consent").
PRE_CONSENT_VERSION = "before-consent-records"
