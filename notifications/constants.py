"""Kinds of notification, channels and delivery states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    MATCH_PROPOSED = "match_proposed", _("A learner was proposed to you")
    MATCH_ACCEPTED = "match_accepted", _("Your coach accepted")
    MATCH_DECLINED = "match_declined", _("A coach declined a proposal")
    PROPOSAL_EXPIRED = "proposal_expired", _("A proposal expired unanswered")
    MEETING_SCHEDULED = "meeting_scheduled", _("Meeting scheduled")
    MEETING_CHANGED = "meeting_changed", _("Meeting changed")
    MEETING_CANCELLED = "meeting_cancelled", _("Meeting cancelled")
    MENTORSHIP_ENDED = "mentorship_ended", _("Coaching ended")


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("Email")


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
