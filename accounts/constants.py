"""Choice sets of the accounts app: what was read of whom (the access trail), what
a person may consent to, and through which door."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessWhat(models.TextChoices):
    """What someone read of another person (``AccessLog.what``): a small fixed
    vocabulary, so the data-protection officer can filter and every language
    can name it. ``AccessLog.object_id`` is the id of the record read (the
    booking, request, mentorship, note, person, notification …), for exports
    and printed lists the id of the course."""

    BOOKING = "booking", _("booking with children's ages")
    WAITING_LIST = "waiting_list", _("place on a waiting list")
    COURSE_LIST = "course_list", _("course participant list")
    ATTENDANCE = "attendance", _("attendance")
    ATTENDANCE_SHEET = "attendance_sheet", _("attendance sheet (PDF)")
    EXPORT = "export", _("export of a participant list")
    COACHING_REQUEST = "coaching_request", _("coaching request")
    MENTEE = "mentee", _("mentee's details")
    COACH_NOTES = "coach_notes", _("coach's notes")
    CONTACT_DETAILS = "contact_details", _("contact details")
    NOTIFICATION = "notification", _("message sent to the person")
    DATA_EXPORT = "data_export", _("export of all the person's data")
    # Written with no subject: that an erasure happened (who, when) stays, whose not.
    ERASURE = "erasure", _("erasure of a person's data")


class ConsentPurpose(models.TextChoices):
    """What is optional, and so needs the person's consent (GDPR Art. 6(1)(a)).

    Everything else Kurslotse does rests on the district's public task
    (Art. 6(1)(e)) and is described in the privacy notice.
    """

    EMAIL_NOTIFICATIONS = "email_notifications", _("Messages by email")
    SMS_NOTIFICATIONS = "sms_notifications", _("Messages by text message (SMS)")
    SHARE_PHONE_WITH_COACH = "share_phone_with_coach", _("Show my phone number to my coach")


# The consents that are the choice of a notification channel: given, the
# channel is in ``User.notification_channels`` (written by record_consent only).
CHANNEL_CONSENTS = {
    ConsentPurpose.EMAIL_NOTIFICATIONS: "email",
    ConsentPurpose.SMS_NOTIFICATIONS: "sms",
}


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
