"""The notifications coaching sends: their kinds, words, payloads and reminders.

Registered with the outbox from ``CoachingConfig.ready`` (``register``); the
outbox (``notifications/``) knows nothing of coaching.
"""

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.registry import register_kind, register_reminders
from notifications.services import notify_many
from notifications.texts import Text, day, moment, only

from .constants import MeetingStatus

_l = gettext_lazy


class Kind(models.TextChoices):
    MEETING_REMINDER = "meeting_reminder", _l("Your meeting soon")
    MATCH_PROPOSED = "match_proposed", _l("A learner was proposed to you")
    MATCH_ACCEPTED = "match_accepted", _l("Your coach accepted")
    MATCH_DECLINED = "match_declined", _l("A coach declined a proposal")
    PROPOSAL_EXPIRED = "proposal_expired", _l("A proposal expired unanswered")
    MEETING_SCHEDULED = "meeting_scheduled", _l("Meeting scheduled")
    MEETING_CHANGED = "meeting_changed", _l("Meeting changed")
    MEETING_CANCELLED = "meeting_cancelled", _l("Meeting cancelled")
    MENTORSHIP_ENDED = "mentorship_ended", _l("Coaching ended")


def meeting_payload(meeting, **extra) -> dict:
    local = timezone.localtime(meeting.starts_at)
    return {
        "meeting": meeting.pk,
        "mentorship": meeting.mentorship_id,
        "date": local.date().isoformat(),
        "time": f"{local:%H:%M}",
        "place": meeting.place,
        **extra,
    }


def _words(payload: dict) -> dict:
    return {
        "date": day(payload.get("date")),
        "time": payload.get("time", ""),
        "place": payload.get("place", "") or _("online"),
        "until": moment(payload.get("until")),
    }


def _match_proposed(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("A learner would like your help"),
        (
            _("Please look at the proposal in Kurslotse and say yes or no by %(until)s.") % c
            if c["until"]
            else _("Please look at the proposal in Kurslotse and say yes or no."),
        ),
    )


def _match_accepted(p: dict, *, attached: bool) -> Text:
    return Text(
        _("You have a coach"),
        (_("A coach has agreed to help you. They will contact you soon."),),
    )


def _match_declined(p: dict, *, attached: bool) -> Text:
    return Text(
        _("A coach declined a proposal"),
        (_("The request is open again for the next matching run."),),
    )


def _proposal_expired(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("A proposal was not answered"),
        (
            _("The coach did not answer by %(until)s. The request is open again.") % c
            if c["until"]
            else _("The coach did not answer in time. The request is open again."),
        ),
    )


def _meeting_scheduled(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("Meeting on %(date)s") % c,
        (
            _("Your meeting: %(date)s, %(time)s, %(place)s.") % c,
            *only(attached, _("The date is in the calendar file attached to this message.")),
        ),
    )


def _meeting_cancelled(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("Meeting on %(date)s is cancelled") % c,
        (_("The meeting on %(date)s does not take place.") % c,),
    )


def _meeting_reminder(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("Meeting soon: %(time)s") % c,
        (_("Your meeting is today at %(time)s, %(place)s.") % c,),
    )


def _mentorship_ended(p: dict, *, attached: bool) -> Text:
    return Text(_("Your coaching has ended"), (_("Thank you. Good luck!"),))


MEETING_AHEAD = timedelta(hours=2)


def queue_due_reminders(now: datetime) -> int:
    """Meetings in the next two hours; the key names the meeting's sequence,
    so a moved meeting is reminded again and none twice."""
    from .models import Meeting

    meetings = Meeting.objects.filter(
        status=MeetingStatus.SCHEDULED, starts_at__gt=now, starts_at__lte=now + MEETING_AHEAD
    ).select_related("mentorship__coach", "mentorship__learner")
    items = [
        (person, f"meeting:{meeting.pk}:{meeting.sequence}", meeting_payload(meeting))
        for meeting in meetings
        for person in (meeting.mentorship.learner, meeting.mentorship.coach)
    ]
    notify_many(kind=Kind.MEETING_REMINDER, items=items)
    return len(items)


# Learners without email (registered by phone) hear of their coach and their
# meetings from the office (notifications/calls.py).
_TEXTS = {
    Kind.MEETING_REMINDER: (_meeting_reminder, False),
    Kind.MATCH_PROPOSED: (_match_proposed, False),
    Kind.MATCH_ACCEPTED: (_match_accepted, True),
    Kind.MATCH_DECLINED: (_match_declined, False),
    Kind.PROPOSAL_EXPIRED: (_proposal_expired, False),
    Kind.MEETING_SCHEDULED: (_meeting_scheduled, True),
    Kind.MEETING_CHANGED: (_meeting_scheduled, True),
    Kind.MEETING_CANCELLED: (_meeting_cancelled, True),
    Kind.MENTORSHIP_ENDED: (_mentorship_ended, True),
}


def register() -> None:
    """Called from ``CoachingConfig.ready``."""
    for kind, (text, call) in _TEXTS.items():
        register_kind(kind.value, kind.label, text, needs_call=call)
    register_reminders(queue_due_reminders)
