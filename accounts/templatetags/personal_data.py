"""The export as a person reads it: every key with its label, every code with
its name, every date as their language writes it (``/privacy/my-data/``).

The JSON keeps stable codes for programs; here they are turned into words.
Labels are mostly the models' own field names (translated once, for the
forms and the admin); the few keys no model field names are below.
"""

from functools import cache

from django import template
from django.apps import apps
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import formatting

register = template.Library()

EMPTY = "\u2013"  # an en dash: nothing stored

# key -> (app label, model, field) whose verbose_name is the label
FIELD_LABELS = {
    "name": ("accounts", "User", "full_name"),
    "email": ("accounts", "User", "email"),
    "phone": ("accounts", "User", "phone"),
    "preferred_language": ("accounts", "User", "preferred_language"),
    "home_municipality": ("accounts", "User", "home_municipality"),
    "notification_channels": ("accounts", "User", "notification_channels"),
    "date_joined": ("accounts", "User", "date_joined"),
    "at": ("accounts", "AccessLog", "at"),
    "who": ("accounts", "AccessLog", "actor"),
    "what": ("accounts", "AccessLog", "what"),
    "object_id": ("accounts", "AccessLog", "object_id"),
    "course": ("courses", "Booking", "course"),
    "title": ("courses", "Course", "title"),
    "level": ("courses", "Course", "level"),
    "starts_on": ("courses", "Course", "starts_on"),
    "ends_on": ("courses", "Course", "ends_on"),
    "municipality": ("courses", "Course", "municipality"),
    "status": ("courses", "Booking", "status"),
    "children_ages": ("courses", "Booking", "children_ages"),
    "childcare_places": ("courses", "Booking", "childcare_places"),
    "first_in_line": ("courses", "Booking", "waitlist_priority"),
    "reason_for_going_first": ("courses", "Booking", "priority_reason"),
    "booked_at": ("courses", "Booking", "created_at"),
    "offered_at": ("courses", "Booking", "offered_at"),
    "offer_expires_at": ("courses", "Booking", "offer_expires_at"),
    "confirmed_at": ("courses", "Booking", "confirmed_at"),
    "cancelled_at": ("courses", "Booking", "cancelled_at"),
    "cancel_reason": ("courses", "Booking", "cancel_reason"),
    "reason_given_by_the_office": ("courses", "Booking", "cancel_note"),
    "attendance": ("courses", "Attendance", "status"),
    "date": ("courses", "CourseSession", "date"),
    "programme": ("coaching", "CoachingRequest", "programme"),
    "goals": ("coaching", "CoachingRequest", "goals"),
    "languages": ("coaching", "CoachingRequest", "languages"),
    "german_level": ("coaching", "CoachingRequest", "german_level"),
    "availability": ("coaching", "CoachingRequest", "availability"),
    "online_ok": ("coaching", "CoachingRequest", "online_ok"),
    "coach_gender_preference": ("coaching", "CoachingRequest", "coach_gender_preference"),
    "care_facility": ("coaching", "CoachingRequest", "care_facility"),
    "shift_pattern": ("coaching", "CoachingRequest", "shift_pattern"),
    "notes": ("coaching", "CoachingRequest", "notes"),
    "asked_on": ("coaching", "CoachingRequest", "created_at"),
    "matched_on": ("coaching", "CoachingRequest", "matched_at"),
    "closed_on": ("coaching", "CoachingRequest", "closed_at"),
    "coach": ("coaching", "CoachProfile", "user"),
    "started": ("coaching", "Mentorship", "started_at"),
    "ended": ("coaching", "Mentorship", "ended_at"),
    "end_reason": ("coaching", "Mentorship", "end_reason"),
    "starts_at": ("coaching", "Meeting", "starts_at"),
    "ends_at": ("coaching", "Meeting", "ends_at"),
    "place": ("coaching", "Meeting", "place"),
    "online_link": ("coaching", "Meeting", "online_link"),
    "kind": ("coaching", "Milestone", "kind"),
    "occurred_on": ("coaching", "Milestone", "occurred_on"),
    "note": ("coaching", "Milestone", "note"),
    "text": ("coaching", "CoachNote", "text"),
    "travel_radius_km": ("coaching", "CoachProfile", "travel_radius_km"),
    "capacity": ("coaching", "CoachProfile", "capacity"),
    "skills": ("coaching", "CoachProfile", "skills"),
    "gender": ("coaching", "CoachProfile", "gender"),
    "active": ("coaching", "CoachProfile", "is_active"),
    "volunteer": ("coaching", "CoachProfile", "is_volunteer"),
    "volunteer_agreement_signed": ("coaching", "CoachProfile", "volunteer_agreement_signed"),
    "police_certificate_seen_on": ("coaching", "CoachProfile", "police_certificate_seen_on"),
    "channel": ("notifications", "Notification", "channel"),
    "called_at": ("notifications", "Notification", "done_at"),
    "issued": ("calendars", "FeedToken", "created_at"),
}

OTHER_LABELS = {
    "id": gettext_lazy("Number"),
    "roles": gettext_lazy("Roles"),
    "last_login": gettext_lazy("Last sign-in"),
    "email_addresses": gettext_lazy("Email addresses"),
    "verified": gettext_lazy("Confirmed"),
    "primary": gettext_lazy("Main address"),
    "two_factor_methods": gettext_lazy("Two-factor authentication"),
    "waitlist_position": gettext_lazy("Place on the waiting list"),
    "requests": gettext_lazy("Coaching requests"),
    "mentorship": gettext_lazy("Coaching"),
    "meetings": gettext_lazy("Meetings"),
    "milestones": gettext_lazy("Milestones"),
    "coach_notes": gettext_lazy("The coach's notes about you"),
    "written_at": gettext_lazy("Written on"),
    "coach_profile": gettext_lazy("Your coach profile"),
    "mentorships_as_coach": gettext_lazy("Coaching you give"),
    "created_at": gettext_lazy("Sent on"),
    "sent_at": gettext_lazy("Delivered on"),
    "read_at": gettext_lazy("Read on"),
    "content": gettext_lazy("Message"),
    "weekday": gettext_lazy("Weekday"),
    "start": gettext_lazy("From"),
    "end": gettext_lazy("Until"),
    "code": gettext_lazy("Language"),
}


@cache
def _field_label(app_label: str, model: str, field: str):
    return apps.get_model(app_label, model)._meta.get_field(field).verbose_name


def label(key) -> str:
    if key in OTHER_LABELS:
        return str(OTHER_LABELS[key])
    if key in FIELD_LABELS:
        text = str(_field_label(*FIELD_LABELS[key]))
        return text[:1].upper() + text[1:]
    return str(key)


@cache
def _choices() -> dict:
    from coaching import constants as coaching
    from courses import constants as courses
    from notifications import constants as notifications
    from notifications.registry import kind_choices

    names: dict = {}
    for choices in (
        coaching.RequestStatus, coaching.EndReason, coaching.MilestoneKind,
        coaching.MeetingStatus, coaching.GermanLevel, coaching.ShiftPattern, coaching.Gender,
        courses.BookingStatus, courses.CancelReason, courses.AttendanceStatus,
        notifications.Channel, notifications.Status,
    ):  # fmt: skip
        for value, name in choices.choices:
            names.setdefault(value, name)
    for value, name in kind_choices():  # notification kinds, as their apps registered them
        names.setdefault(value, name)
    return names


def _scalar(value) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str):
        if len(value) >= 19 and value[10:11] == "T" and (moment := parse_datetime(value)):
            return formatting.moment(moment)
        if len(value) == 10 and (day := parse_date(value)):
            return formatting.long_date(day)
        if value in _choices():
            return str(_choices()[value])
    return str(value)


@register.filter
def readable(value):
    """HTML for one value of the export: dicts as definition lists, lists of
    dicts as numbered lists, short lists of plain values on one line."""
    if isinstance(value, dict):
        if not value:
            return EMPTY
        return format_html(
            '<dl class="facts facts--stacked">{}</dl>',
            format_html_join(
                "", "<dt>{}</dt><dd>{}</dd>", ((label(k), readable(v)) for k, v in value.items())
            ),
        )
    if isinstance(value, list):
        if not value:
            return EMPTY
        if all(not isinstance(item, dict | list) for item in value):
            return ", ".join(_scalar(item) for item in value)
        return format_html(
            '<ol class="personal-data__list">{}</ol>',
            format_html_join("", "<li>{}</li>", ((readable(item),) for item in value)),
        )
    return _scalar(value)
