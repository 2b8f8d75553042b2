"""The words of every notification kind, in plain language.

Each kind has a subject and a few short lines, filled from the payload the
change wrote (a snapshot: title, date, place), and rendered in the
recipient's language at delivery time. The email templates
(templates/notifications/email.*) and the inbox API share these texts.

A line that points to the calendar file ("the dates are in the attached
calendar file") is only there when the file is: ``render(...,
calendar_attached=True)`` is passed by the email channel once it has the
invitation in hand; the inbox has no attachments and never says so.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from .constants import Kind


@dataclass(frozen=True)
class Text:
    subject: str
    lines: tuple[str, ...]


# A date with its weekday as each language writes it: CLDR's "full" date
# pattern, in Django's format letters. ``E`` is the month as it stands in a
# date (Ukrainian and Russian "4 березня", not the nominative "4 Березень").
WEEKDAY_DATE_FORMATS = {
    "de": "l, j. F Y",  # Montag, 12. April 2032
    "en": "l, j F Y",  # Monday, 12 April 2032
    "uk": "l, j E Y р.",  # noqa: RUF001  (Cyrillic: "року")
    "ru": "l, j E Y г.",  # noqa: RUF001  (Cyrillic: "года")
    "tr": "j F Y l",  # 12 Nisan 2032 Pazartesi
    "ar": "l، j F Y",
    "fa": "l j F Y",
}


def _with_weekday(day: date) -> str:
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return formats.date_format(day, WEEKDAY_DATE_FORMATS.get(language, "l, j E Y"))


def _day(iso: str | None) -> str:
    """An ISO date as the reader's language writes it, with the weekday."""
    if not iso:
        return ""
    return _with_weekday(date.fromisoformat(iso))


def _times(text: str | None) -> str:
    """``"18:00-20:00"`` (a payload's times) as the reader's language writes times."""
    if not text:
        return ""
    try:
        parts = [time.fromisoformat(part) for part in text.split("-")]
    except ValueError:
        return text
    return "\u2013".join(formats.time_format(part, "TIME_FORMAT") for part in parts)


def _sentence(text: str) -> str:
    """A sentence ending in a time that ends in a period itself ("7 p.m.") gets one period."""
    return text[:-1] if text.endswith("..") else text


def _moment(iso: str | None) -> str:
    if not iso:
        return ""
    moment = timezone.localtime(datetime.fromisoformat(iso))
    return f"{_with_weekday(moment.date())}, {moment:%H:%M}"


def _course(payload: dict) -> dict:
    return {
        "title": payload.get("title", ""),
        "date": _day(payload.get("date")),
        "time": payload.get("time", ""),
        "place": payload.get("place", "") or _("online"),
        "until": _moment(payload.get("until")),
        "position": payload.get("position", ""),
        "old_date": _day(payload.get("old_date")),
        "old_time": _times(payload.get("old_time")),
        "new_time": _times(payload.get("time")),
        "reason": payload.get("reason", ""),
    }


def _only(condition: bool, *lines: str) -> tuple[str, ...]:
    return lines if condition else ()


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


def _texts(kind: str, p: dict, attached: bool) -> Text:
    c = _course(p)
    if kind == Kind.BOOKING_CONFIRMED:
        return Text(
            _("Your place in %(title)s is confirmed") % c,
            (
                _("Good news: you have a place in the course %(title)s.") % c,
                *_only(
                    bool(p.get("date")),
                    (
                        _("The next date: %(date)s, %(time)s, %(place)s.")
                        if p.get("started")
                        else _("The first date: %(date)s, %(time)s, %(place)s.")
                    )
                    % c,
                ),
                *_only(attached, _("The dates are in the calendar file attached to this message.")),
            ),
        )
    if kind == Kind.COURSE_CHANGED:
        return Text(
            _("Changes to %(title)s") % c,
            (
                _("The course %(title)s has changed: %(changes)s.") % {**c, "changes": _changes(p)},
                *_only(
                    bool(p.get("date")) and bool({"times", "weekdays"} & set(p.get("changed", ()))),
                    _sentence(
                        _("The next date: %(date)s, %(time)s.") % {**c, "time": c["new_time"]}
                    ),
                ),
                *_only(attached, _("Your calendar is updated with this message.")),
            ),
        )
    if kind == Kind.BOOKING_WAITLISTED:
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
    if kind == Kind.BOOKING_CANCELLED:
        return Text(
            _("Your booking for %(title)s is cancelled") % c,
            (_("Your place in the course %(title)s is cancelled.") % c,),
        )
    if kind == Kind.OFFER_MADE:
        return Text(
            _("A place is free for you: %(title)s") % c,
            (
                _("A place in the course %(title)s is free for you.") % c,
                _("Please accept it by %(until)s. After that it goes to the next person.") % c,
            ),
        )
    if kind == Kind.OFFER_EXPIRING:
        return Text(
            _("Your place in %(title)s is only held until %(until)s") % c,
            (_("Please accept your place in %(title)s by %(until)s.") % c,),
        )
    if kind == Kind.OFFER_EXPIRED:
        return Text(
            _("Your offered place in %(title)s has expired") % c,
            (_("You did not accept the place in time. It went to the next person.") % c,),
        )
    if kind == Kind.SESSION_MOVED:
        return Text(
            _("New date for %(title)s") % c,
            (
                _("The course date on %(old_date)s, %(old_time)s has moved.") % c
                if c["old_time"]
                else _("The course date on %(old_date)s has moved.") % c,
                _sentence(_("New date: %(date)s, %(time)s.") % {**c, "time": c["new_time"]}),
                *_only(attached, _("Your calendar is updated with this message.")),
            ),
        )
    if kind == Kind.SESSION_CANCELLED:
        return Text(
            _("No course on %(date)s: %(title)s") % c,
            (_("The course %(title)s does not take place on %(date)s.") % c,),
        )
    if kind == Kind.COURSE_CANCELLED:
        return Text(
            _("The course %(title)s is cancelled") % c,
            (
                _("We are sorry: the course %(title)s does not take place.") % c,
                _("Your booking is cancelled. Look for another course in Kurslotse."),
            ),
        )
    if kind == Kind.SESSION_REMINDER:
        return Text(
            _("Tomorrow: %(title)s") % c,
            (_("Your course %(title)s is tomorrow, %(date)s, %(time)s, %(place)s.") % c,),
        )
    if kind == Kind.MATCH_PROPOSED:
        return Text(
            _("A learner would like your help"),
            (
                _("Please look at the proposal in Kurslotse and say yes or no by %(until)s.") % c
                if c["until"]
                else _("Please look at the proposal in Kurslotse and say yes or no."),
            ),
        )
    if kind == Kind.MATCH_ACCEPTED:
        return Text(
            _("You have a coach"),
            (_("A coach has agreed to help you. They will contact you soon."),),
        )
    if kind == Kind.MATCH_DECLINED:
        return Text(
            _("A coach declined a proposal"),
            (_("The request is open again for the next matching run."),),
        )
    if kind == Kind.PROPOSAL_EXPIRED:
        return Text(
            _("A proposal was not answered"),
            (
                _("The coach did not answer by %(until)s. The request is open again.") % c
                if c["until"]
                else _("The coach did not answer in time. The request is open again."),
            ),
        )
    if kind in (Kind.MEETING_SCHEDULED, Kind.MEETING_CHANGED):
        return Text(
            _("Meeting on %(date)s") % c,
            (
                _("Your meeting: %(date)s, %(time)s, %(place)s.") % c,
                *_only(attached, _("The date is in the calendar file attached to this message.")),
            ),
        )
    if kind == Kind.MEETING_CANCELLED:
        return Text(
            _("Meeting on %(date)s is cancelled") % c,
            (_("The meeting on %(date)s does not take place.") % c,),
        )
    if kind == Kind.MEETING_REMINDER:
        return Text(
            _("Meeting soon: %(time)s") % c,
            (_("Your meeting is today at %(time)s, %(place)s.") % c,),
        )
    if kind == Kind.WAITLIST_PRIORITY:
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
    if kind == Kind.WAITLIST_REMOVED:
        return Text(
            _("You are no longer on the waiting list for %(title)s") % c,
            (
                _(
                    "The coordination office has taken you off the waiting list for the course "
                    "%(title)s."
                )
                % c,
                *_only(bool(c["reason"]), _("The reason: %(reason)s") % c),
                _("If you have questions, please contact the coordination office."),
            ),
        )
    if kind == Kind.MENTORSHIP_ENDED:
        return Text(_("Your coaching has ended"), (_("Thank you. Good luck!"),))
    if kind == Kind.COURSE_MESSAGE:
        return _course_message(p)
    if kind == Kind.ERASURE_WARNING:
        return _erasure_warning(p)
    return Text(str(kind), ())


def _erasure_warning(p: dict) -> Text:
    """Owned by accounts (retention of unused accounts): when the data goes and
    what keeps it. People without email hear it from the office: for them,
    what keeps their data is a booking or a coaching request, not a sign-in."""
    when = {"date": _day(p.get("erase_on")), "since": _day(p.get("since"))}
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


def _course_message(p: dict) -> Text:
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
            *_only(bool(why), why),
            _("The message is shown as it was written; Kurslotse did not translate it."),
        ),
    )


def render(kind: str, payload: dict, language: str, *, calendar_attached: bool = False) -> Text:
    """The subject and lines of a notification in ``language``; the lines
    about a calendar file only with ``calendar_attached``."""
    with translation.override(language):
        return _texts(kind, payload, calendar_attached)
