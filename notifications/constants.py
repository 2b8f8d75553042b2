"""Kinds of notification, channels and delivery states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    BOOKING_CONFIRMED = "booking_confirmed", _("Booking confirmed")
    BOOKING_WAITLISTED = "booking_waitlisted", _("On the waiting list")
    BOOKING_CANCELLED = "booking_cancelled", _("Booking cancelled")
    OFFER_MADE = "offer_made", _("A place is free for you")
    OFFER_EXPIRING = "offer_expiring", _("Your offered place expires soon")
    OFFER_EXPIRED = "offer_expired", _("Your offered place has expired")
    SESSION_MOVED = "session_moved", _("A course date has moved")
    SESSION_CANCELLED = "session_cancelled", _("A course date is cancelled")
    COURSE_CANCELLED = "course_cancelled", _("A course is cancelled")
    COURSE_CHANGED = "course_changed", _("A course has changed")
    SESSION_REMINDER = "session_reminder", _("Your course tomorrow")
    MEETING_REMINDER = "meeting_reminder", _("Your meeting soon")
    MATCH_PROPOSED = "match_proposed", _("A learner was proposed to you")
    MATCH_ACCEPTED = "match_accepted", _("Your coach accepted")
    MATCH_DECLINED = "match_declined", _("A coach declined a proposal")
    PROPOSAL_EXPIRED = "proposal_expired", _("A proposal expired unanswered")
    MEETING_SCHEDULED = "meeting_scheduled", _("Meeting scheduled")
    MEETING_CHANGED = "meeting_changed", _("Meeting changed")
    MEETING_CANCELLED = "meeting_cancelled", _("Meeting cancelled")
    MENTORSHIP_ENDED = "mentorship_ended", _("Coaching ended")
    # Owned by courses (services.send_course_message): a coordinator's or
    # teacher's own words, in a frame in the recipient's language.
    COURSE_MESSAGE = "course_message", _("A message about your course")
    WAITLIST_PRIORITY = "waitlist_priority", _("You are first on the waiting list")
    WAITLIST_REMOVED = "waitlist_removed", _("Taken off the waiting list")
    # Owned by accounts (services.warn_inactive_accounts_before): the account
    # will be erased unless the person signs in (retention, README "Data protection").
    ERASURE_WARNING = "erasure_warning", _("Your account will be deleted")


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("Email")
    # For people without an email address: the coordination office's call
    # list (/manage/calls/), until a phone channel (SMS) exists. See calls.py.
    OFFICE_CALL = "office_call", _("A call from the office")


# Channels a person may choose besides the inbox, which everyone has.
OPTIONAL_CHANNELS = (Channel.EMAIL,)
# Channels whose row *is* the delivery (a list someone reads): sent when written.
LIST_CHANNELS = (Channel.INBOX, Channel.OFFICE_CALL)

# Delivery tries: a transient failure (mail server away) is retried after
# 1, 2, 4, 8 … minutes, at most this many times, then marked failed.
MAX_ATTEMPTS = 6
# A row left in "sending" longer than this belonged to a worker that died.
STUCK_AFTER_MINUTES = 10
# A row handed to the broker is not handed again by the sweep for this long
# (its task is probably still waiting in the queue behind others).
REENQUEUE_AFTER_MINUTES = 5


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
