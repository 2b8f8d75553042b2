"""The notifications courses sends: their kinds, words, payloads and reminders.

Registered with the outbox from ``CoursesConfig.ready`` (``register``): the
outbox (``notifications/``) stores and delivers rows and knows nothing of
courses; what a course message says, which ones the office must pass on by
phone and which reminders come due lives here, next to the data.
"""

from datetime import datetime, timedelta

from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.registry import DEFAULT_SMS_SEGMENTS, register_kind, register_reminders
from notifications.services import notify_many
from notifications.texts import Text, day, moment, only, sentence, times

from .constants import BookingStatus, CourseStatus, SessionStatus

_l = gettext_lazy


class Kind(models.TextChoices):
    BOOKING_CONFIRMED = "booking_confirmed", _l("Booking confirmed")
    BOOKING_WAITLISTED = "booking_waitlisted", _l("On the waiting list")
    BOOKING_CANCELLED = "booking_cancelled", _l("Booking cancelled")
    OFFER_MADE = "offer_made", _l("A place is free for you")
    OFFER_EXPIRING = "offer_expiring", _l("Your offered place expires soon")
    OFFER_EXPIRED = "offer_expired", _l("Your offered place has expired")
    SESSION_MOVED = "session_moved", _l("A course date has moved")
    SESSION_CANCELLED = "session_cancelled", _l("A course date is cancelled")
    COURSE_CANCELLED = "course_cancelled", _l("A course is cancelled")
    COURSE_CHANGED = "course_changed", _l("A course has changed")
    SESSION_REMINDER = "session_reminder", _l("Your course tomorrow")
    # A coordinator's or teacher's own words (services.send_course_message),
    # in a frame in the recipient's language.
    COURSE_MESSAGE = "course_message", _l("A message about your course")
    WAITLIST_PRIORITY = "waitlist_priority", _l("You are first on the waiting list")
    WAITLIST_REMOVED = "waitlist_removed", _l("Taken off the waiting list")


# --- Payloads: the words of the moment, plus the ids an invitation is built from ---


def session_payload(session, **extra) -> dict:
    course = session.course
    venue = course.venue
    return {
        "course": course.pk,
        "session": session.pk,
        "title": course.title,
        "date": session.date.isoformat(),
        "time": f"{session.start_time:%H:%M}-{session.end_time:%H:%M}",
        "place": f"{venue.name}, {venue.street}, {venue.municipality.name}" if venue else "",
        **extra,
    }


def course_payload(course, **extra) -> dict:
    """The course with its next scheduled date (today or later; for a course
    that has ended, its last one), or without a date if it has none."""
    scheduled = course.sessions.filter(status=SessionStatus.SCHEDULED)
    session = (
        scheduled.filter(date__gte=timezone.localdate()).order_by("date", "start_time").first()
        or scheduled.order_by("-date", "-start_time").first()
    )
    if session is not None:
        # A course already running names its next date, not "the first date".
        started = scheduled.filter(date__lt=session.date).exists()
        return session_payload(session, started=started, **extra)
    return {"course": course.pk, "title": course.title, **extra}


# --- Words ---------------------------------------------------------------------------


def _words(payload: dict) -> dict:
    return {
        "title": payload.get("title", ""),
        "date": day(payload.get("date")),
        "time": payload.get("time", ""),
        "place": payload.get("place", "") or _("online"),
        "until": moment(payload.get("until")),
        "position": payload.get("position", ""),
        "old_date": day(payload.get("old_date")),
        "old_time": times(payload.get("old_time")),
        "new_time": times(payload.get("time")),
        "reason": payload.get("reason", ""),
    }


def _booking_confirmed(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("Your place in %(title)s is confirmed") % c,
        (
            _("Good news: you have a place in the course %(title)s.") % c,
            *only(
                bool(p.get("date")),
                (
                    _("The next date: %(date)s, %(time)s, %(place)s.")
                    if p.get("started")
                    else _("The first date: %(date)s, %(time)s, %(place)s.")
                )
                % c,
            ),
            *only(attached, _("The dates are in the calendar file attached to this message.")),
        ),
    )


def _course_changed(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("Changes to %(title)s") % c,
        (
            _("The course %(title)s has changed: %(changes)s.") % {**c, "changes": _changes(p)},
            *only(
                bool(p.get("date")) and bool({"times", "weekdays"} & set(p.get("changed", ()))),
                sentence(_("The next date: %(date)s, %(time)s.") % {**c, "time": c["new_time"]}),
            ),
            *only(attached, _("Your calendar is updated with this message.")),
        ),
    )


def _booking_waitlisted(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("You are on the waiting list for %(title)s") % c,
        (
            (
                _(
                    "All childcare places in %(title)s are taken. "
                    "You are number %(position)s on the waiting list."
                )
                if p.get("childcare_full")
                else _(
                    "The course %(title)s is full. You are number %(position)s on the waiting list."
                )
            )
            % c,
            _("When a place is free, we will write to you at once."),
        ),
    )


def _booking_cancelled(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("Your booking for %(title)s is cancelled") % c,
        (_("Your place in the course %(title)s is cancelled.") % c,),
    )


def _offer_made(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("A place is free for you: %(title)s") % c,
        (
            _("A place in the course %(title)s is free for you.") % c,
            _("Please accept it by %(until)s. After that it goes to the next person.") % c,
        ),
    )


def _offer_expiring(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("Your place in %(title)s is only held until %(until)s") % c,
        (_("Please accept your place in %(title)s by %(until)s.") % c,),
    )


def _offer_expired(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("Your offered place in %(title)s has expired") % c,
        (_("You did not accept the place in time. It went to the next person.") % c,),
    )


def _session_moved(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("New date for %(title)s") % c,
        (
            _("The course date on %(old_date)s, %(old_time)s has moved.") % c
            if c["old_time"]
            else _("The course date on %(old_date)s has moved.") % c,
            sentence(_("New date: %(date)s, %(time)s.") % {**c, "time": c["new_time"]}),
            *only(attached, _("Your calendar is updated with this message.")),
        ),
    )


def _session_cancelled(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("No course on %(date)s: %(title)s") % c,
        (_("The course %(title)s does not take place on %(date)s.") % c,),
    )


def _course_cancelled(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("The course %(title)s is cancelled") % c,
        (
            _("We are sorry: the course %(title)s does not take place.") % c,
            _("Your booking is cancelled. Look for another course in Kurslotse."),
        ),
    )


def _session_reminder(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("Tomorrow: %(title)s") % c,
        (_("Your course %(title)s is tomorrow, %(date)s, %(time)s, %(place)s.") % c,),
    )


def _waitlist_priority(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("You are first on the waiting list for %(title)s") % c,
        (
            _(
                "The coordination office has moved you to the front of the waiting list "
                "for the course %(title)s."
            )
            % c,
            _("The next free place that fits is offered to you. We will tell you at once."),
        ),
    )


def _waitlist_removed(p: dict, *, attached: bool) -> Text:
    c = _words(p)
    return Text(
        _("You are no longer on the waiting list for %(title)s") % c,
        (
            _(
                "The coordination office has taken you off the waiting list for the course "
                "%(title)s."
            )
            % c,
            *only(bool(c["reason"]), _("The reason: %(reason)s") % c),
            _("If you have questions, please contact the coordination office."),
        ),
    )


def _changes(p: dict) -> str:
    words = {
        "title": _("the title"),
        "description": _("the description"),
        "place": _("the place"),
        "times": _("the times"),
        "weekdays": _("the weekdays"),
        "online_link": _("the online link"),
        "dates": _("the dates"),
    }
    return ", ".join(str(words[key]) for key in p.get("changed", ()) if key in words)


def _course_message(p: dict, *, attached: bool) -> Text:
    """A person's own words (subject and body, exactly as typed: never translated,
    never used as a format string or template) inside a frame in the reader's
    language: who writes about which course, and why the reader receives it.
    The email's HTML template escapes every line, the typed ones included."""
    who = {"title": p.get("title", ""), "sender": p.get("sender", "")}
    teacher = p.get("sent_as") == "teacher"
    if who["sender"]:
        intro = (
            _("Message about your course “%(title)s” from %(sender)s (course leader):")
            if teacher
            else _("Message about your course “%(title)s” from %(sender)s (coordination office):")
        ) % who
    else:
        intro = (
            _("Message about your course “%(title)s” from your course leader:")
            if teacher
            else _("Message about your course “%(title)s” from the coordination office:")
        ) % who
    why = {
        "confirmed": _("You receive this message because you have a place in this course."),
        "offered": _("You receive this message because a place in this course is offered to you."),
        "waitlisted": _(
            "You receive this message because you are on the waiting list for this course."
        ),
    }.get(p.get("booking_status", ""), "")
    subject = _("“%(title)s”: %(subject)s") % {**who, "subject": p.get("subject", "")}
    return Text(
        subject,
        (
            intro,
            p.get("body", ""),
            *only(bool(why), why),
            _("The message is shown as it was written; Kurslotse did not translate it."),
        ),
    )


# --- Reminders (queued by the outbox's sweep every minute) -----------------------------

SESSION_AHEAD = timedelta(hours=24)
OFFER_AHEAD = timedelta(hours=12)


def queue_due_reminders(now: datetime) -> int:
    """Each reminder's key names the event as it is now (date and time), so a
    moved session is reminded again at its new time and none is queued twice."""
    return _sessions(now) + _offers(now)


def _sessions(now: datetime) -> int:
    from .models import CourseSession

    local_now = timezone.localtime(now)
    horizon = local_now + SESSION_AHEAD
    sessions = CourseSession.objects.filter(
        status=SessionStatus.SCHEDULED,
        course__status=CourseStatus.PUBLISHED,
        date__gte=local_now.date(),
        date__lte=horizon.date(),
    ).select_related("course__venue__municipality")
    due = [
        session
        for session in sessions
        if now
        < timezone.make_aware(datetime.combine(session.date, session.start_time))
        <= now + SESSION_AHEAD
    ]
    return tell_confirmed(
        Kind.SESSION_REMINDER,
        [
            (
                session.course_id,
                f"session:{session.pk}:{session.date}:{session.start_time}",
                session_payload(session),
            )
            for session in due
        ],
    )


def _offers(now: datetime) -> int:
    from .models import Booking

    offers = Booking.objects.filter(
        status=BookingStatus.OFFERED,
        offer_expires_at__gt=now,
        offer_expires_at__lte=now + OFFER_AHEAD,
    ).select_related("course", "learner")
    items = []
    for booking in offers:
        until = booking.offer_expires_at.isoformat() if booking.offer_expires_at else ""
        payload = {"course": booking.course_id, "title": booking.course.title, "until": until}
        items.append((booking.learner, f"offer:{booking.pk}:{until}", payload))
    notify_many(kind=Kind.OFFER_EXPIRING, items=items)
    return len(items)


# --- Everyone with a confirmed place ------------------------------------------------


def tell_confirmed(kind: str, events: list[tuple[int, str, dict]]) -> int:
    """Tell everyone with a confirmed place in a course of each event
    ``(course id, key, payload)`` — a reminder, a moved or cancelled date, a
    changed course. Returns how many were told (a replay counts: its rows
    are left as they are).

    The one rule for who hears of a course's dates, in two statements
    whatever their number (more only past ``INSERT_BATCH`` rows): the
    confirmed bookings of all the courses with their learners, then
    ``notify_many``."""
    from .models import Booking

    if not events:
        return 0
    learners: dict[int, list] = {}
    confirmed = (
        Booking.objects.filter(
            course_id__in={course_id for course_id, _key, _payload in events},
            status=BookingStatus.CONFIRMED,
        )
        .select_related("learner")
        .order_by("pk")
    )
    for booking in confirmed:
        learners.setdefault(booking.course_id, []).append(booking.learner)
    items = [
        (learner, key, payload)
        for course_id, key, payload in events
        for learner in learners.get(course_id, [])
    ]
    notify_many(kind=kind, items=items)
    return len(items)


# --- Registration --------------------------------------------------------------------


def _link(payload: dict, office: bool) -> str:
    """The course's page: its management page for the office, else the public one."""
    if "course" not in payload:
        return ""
    try:
        return reverse(
            "courses:manage_course" if office else "courses:detail", args=[payload["course"]]
        )
    except NoReverseMatch:
        return ""


# What people without email must hear from the office by phone: what asks
# them to act (an offer) or changes where and when they go. Confirmations and
# waiting-list places are told during the call that books them; reminders are
# not worth a call. "The room has changed" (a course message): what the office
# writes to everyone, it tells those without email by phone.
_TEXTS = {
    Kind.BOOKING_CONFIRMED: (_booking_confirmed, False),
    Kind.BOOKING_WAITLISTED: (_booking_waitlisted, False),
    Kind.BOOKING_CANCELLED: (_booking_cancelled, True),
    Kind.OFFER_MADE: (_offer_made, True),
    Kind.OFFER_EXPIRING: (_offer_expiring, False),
    Kind.OFFER_EXPIRED: (_offer_expired, True),
    Kind.SESSION_MOVED: (_session_moved, True),
    Kind.SESSION_CANCELLED: (_session_cancelled, True),
    Kind.COURSE_CANCELLED: (_course_cancelled, True),
    Kind.COURSE_CHANGED: (_course_changed, True),
    Kind.SESSION_REMINDER: (_session_reminder, False),
    Kind.COURSE_MESSAGE: (_course_message, True),
    Kind.WAITLIST_PRIORITY: (_waitlist_priority, True),
    Kind.WAITLIST_REMOVED: (_waitlist_removed, True),
}


# Text messages (notifications/sms/words.py) of more than the default three
# segments: an offer must carry its deadline in Arabic and Ukrainian too, a
# course message the words typed.
_SMS_SEGMENTS = {Kind.OFFER_MADE: 4, Kind.COURSE_MESSAGE: 4}


def register() -> None:
    """Called from ``CoursesConfig.ready``."""
    for kind, (text, call) in _TEXTS.items():
        register_kind(
            kind.value, kind.label, text, needs_call=call, link=_link,
            sms_segments=_SMS_SEGMENTS.get(kind, DEFAULT_SMS_SEGMENTS),
        )  # fmt: skip
    register_reminders(queue_due_reminders)
