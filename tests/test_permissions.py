"""The permission table: every API endpoint x every role, one generated test per cell.

Each row names an endpoint and what each role gets: ``OK`` (the call works),
``DENIED`` (401 for anonymous callers, 403 for signed-in roles without the
right), or ``HIDDEN`` (404: someone else's object, or one the role may not
know exists). ``test_every_api_route_is_in_the_table`` makes sure a new
endpoint cannot ship without a row.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import COACH, COORDINATOR, DATA_PROTECTION_OFFICER, LEARNER, TEACHER

from .factories import ProviderFactory, VenueFactory, municipality
from .pages.table import DENIED, HIDDEN, OK
from .world import ROLES, closure, skipping_course

pytestmark = pytest.mark.django_db


def course_payload(w):
    start = timezone.localdate() + dt.timedelta(days=14)
    return {
        "title": "Deutsch B1", "level": "B1", "format": "in_person",
        "municipality": municipality().pk, "seats": 10, "childcare_places": 0,
        "childcare_min_age": None, "childcare_max_age": None,
        "starts_on": start.isoformat(), "ends_on": (start + dt.timedelta(weeks=6)).isoformat(),
        "weekdays": [0], "start_time": "18:00", "end_time": "20:00",
    }  # fmt: skip


def booking_payload(w, role):
    # The world's courses all meet at the same time: the learners want them anyway.
    if role == COORDINATOR:
        return {"children_ages": [], "learner": w.extra["someone"].pk, "confirm_overlap": True}
    return {"children_ages": [], "confirm_overlap": True}


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    url: object  # callable(world) -> str
    expected: dict
    body: object = None  # callable(world, role) -> dict
    route: str = ""  # the URL name this row covers


def everyone(outcome):
    return dict.fromkeys(ROLES, outcome)


def signed_in():
    """Every signed-in role (the data-protection officer too): one's own things."""
    return only(*(role for role in ROLES if role != "anonymous"))


def only(*roles, other=DENIED, anonymous=DENIED):
    expected = {role: (OK if role in roles else other) for role in ROLES}
    expected["anonymous"] = OK if "anonymous" in roles else anonymous
    return expected


TABLE = [
    Row("municipalities", "get", lambda w: "/api/v1/municipalities/", everyone(OK),
        route="api:municipality-list"),
    Row("municipality", "get", lambda w: f"/api/v1/municipalities/{municipality().pk}/",
        everyone(OK), route="api:municipality-detail"),
    Row("venues", "get", lambda w: "/api/v1/venues/", everyone(OK), route="api:venue-list"),
    Row("venue", "get", lambda w: f"/api/v1/venues/{VenueFactory().pk}/", everyone(OK),
        route="api:venue-detail"),
    Row("providers", "get", lambda w: "/api/v1/providers/", everyone(OK),
        route="api:provider-list"),
    Row("provider", "get", lambda w: f"/api/v1/providers/{ProviderFactory().pk}/", everyone(OK),
        route="api:provider-detail"),
    Row("course list", "get", lambda w: "/api/v1/courses/", everyone(OK), route="api:course-list"),
    Row("published course", "get", lambda w: f"/api/v1/courses/{w.course.pk}/", everyone(OK),
        route="api:course-detail"),
    Row("draft course", "get", lambda w: f"/api/v1/courses/{w.draft.pk}/",
        only(COORDINATOR, other=HIDDEN, anonymous=HIDDEN), route="api:course-detail"),
    Row("sessions", "get", lambda w: f"/api/v1/courses/{w.course.pk}/sessions/", everyone(OK),
        route="api:course-sessions"),
    Row("create course", "post", lambda w: "/api/v1/courses/", only(COORDINATOR),
        body=lambda w, r: course_payload(w), route="api:course-list"),
    Row("publish course", "post", lambda w: f"/api/v1/courses/{w.draft.pk}/publish/",
        only(COORDINATOR), route="api:course-publish"),
    Row("cancel course", "post", lambda w: f"/api/v1/courses/{w.course.pk}/cancel/",
        only(COORDINATOR), route="api:course-cancel"),
    Row("book course", "post", lambda w: f"/api/v1/courses/{w.open_course.pk}/bookings/",
        only(LEARNER, COORDINATOR), body=booking_payload, route="api:course-bookings"),
    Row("booking list", "get", lambda w: "/api/v1/bookings/", only(LEARNER, COORDINATOR),
        route="api:booking-list"),
    Row("own booking", "get", lambda w: f"/api/v1/bookings/{w.own_booking.pk}/",
        only(LEARNER, COORDINATOR), route="api:booking-detail"),
    Row("someone else's booking", "get", lambda w: f"/api/v1/bookings/{w.others_booking.pk}/",
        {"anonymous": DENIED, LEARNER: HIDDEN, COACH: DENIED, COORDINATOR: OK, TEACHER: DENIED,
         DATA_PROTECTION_OFFICER: DENIED},
        route="api:booking-detail"),
    Row("cancel own booking", "post", lambda w: f"/api/v1/bookings/{w.own_booking.pk}/cancel/",
        only(LEARNER, COORDINATOR), route="api:booking-cancel"),
    Row("cancel someone else's booking", "post",
        lambda w: f"/api/v1/bookings/{w.others_booking.pk}/cancel/",
        {"anonymous": DENIED, LEARNER: HIDDEN, COACH: DENIED, COORDINATOR: OK, TEACHER: DENIED,
         DATA_PROTECTION_OFFICER: DENIED},
        route="api:booking-cancel"),
    Row("accept own offer", "post",
        lambda w: f"/api/v1/bookings/{w.offered_booking.pk}/accept-offer/",
        only(LEARNER, COORDINATOR), route="api:booking-accept-offer"),
    Row("cancel session", "post", lambda w: f"/api/v1/sessions/{w.session.pk}/cancel/",
        only(COORDINATOR), body=lambda w, r: {"note": "Krank"}, route="api:session-cancel"),
    Row("move session", "post", lambda w: f"/api/v1/sessions/{w.session.pk}/move/",
        only(COORDINATOR),
        body=lambda w, r: {"date": (w.session.date + dt.timedelta(days=1)).isoformat(),
                           "start_time": "10:00", "end_time": "12:00"},
        route="api:session-move"),
    Row("own profile", "get", lambda w: "/api/v1/me/", signed_in(),
        route="api:me"),
    Row("change own profile", "patch", lambda w: "/api/v1/me/",
        signed_in(), body=lambda w, r: {"preferred_language": "en"},
        route="api:me"),
    Row("change a course", "patch", lambda w: f"/api/v1/courses/{w.course.pk}/",
        only(COORDINATOR), body=lambda w, r: {"seats": w.course.seats + 2, "title": "Neu"},
        route="api:course-detail"),
    Row("change a draft", "patch", lambda w: f"/api/v1/courses/{w.draft.pk}/",
        only(COORDINATOR), body=lambda w, r: {"weekdays": [1, 3]}, route="api:course-detail"),
    Row("change log of a course", "get", lambda w: f"/api/v1/courses/{w.course.pk}/changes/",
        only(COORDINATOR), route="api:course-changes"),
    # Messages to a course's people: coordinators, and the course's teachers (participants only).
    Row("messages of a course", "get", lambda w: f"/api/v1/courses/{w.course.pk}/messages/",
        only(COORDINATOR, TEACHER), route="api:course-messages"),
    Row("messages of a course one does not teach", "get",
        lambda w: f"/api/v1/courses/{w.full_course.pk}/messages/",
        only(COORDINATOR) | {TEACHER: HIDDEN}, route="api:course-messages"),
    Row("write to the participants", "post", lambda w: f"/api/v1/courses/{w.course.pk}/messages/",
        only(COORDINATOR, TEACHER), body=lambda w, r: message_body("participants"),
        route="api:course-messages"),
    Row("write to participants and waiting list", "post",
        lambda w: f"/api/v1/courses/{w.course.pk}/messages/", only(COORDINATOR),
        body=lambda w, r: message_body("all"), route="api:course-messages"),
    Row("write to the waiting list of a course one does not teach", "post",
        lambda w: f"/api/v1/courses/{w.full_course.pk}/messages/",
        only(COORDINATOR) | {TEACHER: HIDDEN}, body=lambda w, r: message_body("waitlist"),
        route="api:course-messages"),
    Row("skipped dates", "get", lambda w: f"/api/v1/courses/{w.course.pk}/skipped-dates/",
        everyone(OK), route="api:course-skipped-dates"),
    Row("skipped dates of a draft", "get",
        lambda w: f"/api/v1/courses/{w.draft.pk}/skipped-dates/",
        only(COORDINATOR, other=HIDDEN, anonymous=HIDDEN), route="api:course-skipped-dates"),
    Row("keep a skipped date", "post",
        lambda w: f"/api/v1/courses/{skipping_course(w).pk}/keep-date/", only(COORDINATOR),
        body=lambda w, r: {"date": skipping_course(w).starts_on.isoformat()},
        route="api:course-keep-date"),
    Row("closures", "get", lambda w: "/api/v1/closures/", only(COORDINATOR),
        route="api:closure-list"),
    Row("add a closure", "post", lambda w: "/api/v1/closures/", only(COORDINATOR),
        body=lambda w, r: {"name": "Osterferien", "first_day": "2027-03-25",
                           "last_day": "2027-04-03"}, route="api:closure-list"),
    Row("a closure", "get", lambda w: f"/api/v1/closures/{closure(w).pk}/", only(COORDINATOR),
        route="api:closure-detail"),
    Row("change a closure", "patch", lambda w: f"/api/v1/closures/{closure(w).pk}/",
        only(COORDINATOR), body=lambda w, r: {"name": "Betriebsferien"},
        route="api:closure-detail"),
    Row("delete a closure", "delete", lambda w: f"/api/v1/closures/{closure(w).pk}/",
        only(COORDINATOR), route="api:closure-detail"),
    Row("own consents", "get", lambda w: "/api/v1/me/consents/",
        signed_in(), route="api:my-consents"),
    Row("withdraw own email consent", "post", lambda w: "/api/v1/me/consents/",
        signed_in(),
        body=lambda w, r: {"purpose": "email_notifications", "given": False},
        route="api:my-consents"),
]  # fmt: skip


def message_body(audience):
    return {"audience": audience, "subject": "Raumänderung", "body": "Wir treffen uns in Raum 2."}


def care_request(w, role):
    body = {
        "programme": "care_language", "goals": ["workplace_language"], "languages": ["uk"],
        "german_level": "A2", "municipality": municipality().pk, "care_facility": "Pflegeheim",
        "availability": [{"weekday": 2, "start": "14:00", "end": "16:00"}],
    }  # fmt: skip
    if role == COORDINATOR:
        body["learner"] = w.extra["someone"].pk
    return body


def coach_profile_body(w, role):
    return {
        "programmes": ["jobcoaching"], "languages": [{"code": "en", "level": "good"}],
        "municipality": municipality().pk, "travel_radius_km": 10,
        "availability": [{"weekday": 4, "start": "10:00", "end": "12:00"}], "capacity": 2,
        "skills": ["cv"],
    }  # fmt: skip


def future_meeting(w, role):
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
    return {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
            "place": "Bücherei"}  # fmt: skip


def c(w, key):
    return w.coaching[key].pk


COACHING_TABLE = [
    Row("own coach profile", "get", lambda w: "/api/v1/coaching/coach-profile/", only(COACH),
        route="api:coach-profile"),
    Row("write own coach profile", "put", lambda w: "/api/v1/coaching/coach-profile/",
        only(COACH), body=coach_profile_body, route="api:coach-profile"),
    Row("coaching requests", "get", lambda w: "/api/v1/coaching/requests/",
        only(LEARNER, COORDINATOR), route="api:coaching-request-list"),
    Row("own coaching request", "get",
        lambda w: f"/api/v1/coaching/requests/{c(w, 'own_request')}/",
        only(LEARNER, COORDINATOR), route="api:coaching-request-detail"),
    Row("someone else's coaching request", "get",
        lambda w: f"/api/v1/coaching/requests/{c(w, 'others_request')}/",
        {"anonymous": DENIED, LEARNER: HIDDEN, COACH: DENIED, COORDINATOR: OK, TEACHER: DENIED,
         DATA_PROTECTION_OFFICER: DENIED},
        route="api:coaching-request-detail"),
    Row("ask for a coach", "post", lambda w: "/api/v1/coaching/requests/",
        only(LEARNER, COORDINATOR), body=care_request, route="api:coaching-request-list"),
    Row("withdraw someone else's request", "post",
        lambda w: f"/api/v1/coaching/requests/{c(w, 'open_request')}/withdraw/",
        {"anonymous": DENIED, LEARNER: HIDDEN, COACH: DENIED, COORDINATOR: OK, TEACHER: DENIED,
         DATA_PROTECTION_OFFICER: DENIED},
        route="api:coaching-request-withdraw"),
    Row("matching runs", "get", lambda w: "/api/v1/coaching/matching-runs/", only(COORDINATOR),
        route="api:matching-run-list"),
    Row("start a matching run", "post", lambda w: "/api/v1/coaching/matching-runs/",
        only(COORDINATOR), body=lambda w, r: {}, route="api:matching-run-list"),
    Row("a matching run", "get", lambda w: f"/api/v1/coaching/matching-runs/{make_run(w)}/",
        only(COORDINATOR, anonymous=DENIED), route="api:matching-run-detail"),
    Row("proposals", "get", lambda w: "/api/v1/coaching/proposals/", only(COACH, COORDINATOR),
        route="api:proposal-list"),
    Row("proposal to me", "get", lambda w: f"/api/v1/coaching/proposals/{c(w, 'to_coach')}/",
        only(COACH, COORDINATOR), route="api:proposal-detail"),
    Row("proposal to another coach", "get",
        lambda w: f"/api/v1/coaching/proposals/{c(w, 'to_other')}/",
        {"anonymous": DENIED, LEARNER: DENIED, COACH: HIDDEN, COORDINATOR: OK, TEACHER: DENIED,
         DATA_PROTECTION_OFFICER: DENIED},
        route="api:proposal-detail"),
    Row("propose by hand", "post", lambda w: "/api/v1/coaching/proposals/", only(COORDINATOR),
        body=lambda w, r: {"request": c(w, "open_request"),
                           "coach": w.coaching["other_coach"].coach_profile.pk, "override": True},
        route="api:proposal-list"),
    Row("approve", "post", lambda w: f"/api/v1/coaching/proposals/{c(w, 'waiting')}/approve/",
        only(COORDINATOR), route="api:proposal-approve"),
    Row("accept a proposal to me", "post",
        lambda w: f"/api/v1/coaching/proposals/{c(w, 'to_coach')}/accept/", only(COACH),
        route="api:proposal-accept"),
    Row("accept a proposal to another coach", "post",
        lambda w: f"/api/v1/coaching/proposals/{c(w, 'to_other')}/accept/",
        {"anonymous": DENIED, LEARNER: DENIED, COACH: HIDDEN, COORDINATOR: DENIED, TEACHER: DENIED,
         DATA_PROTECTION_OFFICER: DENIED},
        route="api:proposal-accept"),
    Row("decline a proposal to me", "post",
        lambda w: f"/api/v1/coaching/proposals/{c(w, 'declinable')}/decline/", only(COACH),
        body=lambda w, r: {"reason": "Umzug"}, route="api:proposal-decline"),
    Row("mentorships", "get", lambda w: "/api/v1/coaching/mentorships/",
        only(LEARNER, COACH, COORDINATOR), route="api:mentorship-list"),
    Row("own mentorship", "get",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'mentorship')}/",
        only(LEARNER, COACH, COORDINATOR), route="api:mentorship-detail"),
    Row("someone else's mentorship", "get",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'others_mentorship')}/",
        only(COORDINATOR, other=HIDDEN) | {TEACHER: DENIED,
         DATA_PROTECTION_OFFICER: DENIED}, route="api:mentorship-detail"),
    Row("meetings of own mentorship", "get",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'mentorship')}/meetings/",
        only(LEARNER, COACH, COORDINATOR), route="api:mentorship-meetings"),
    Row("schedule a meeting", "post",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'mentorship')}/meetings/",
        only(COACH, COORDINATOR), body=future_meeting, route="api:mentorship-meetings"),
    Row("read notes", "get",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'mentorship')}/notes/",
        only(COACH, COORDINATOR), route="api:mentorship-notes"),
    Row("write a note", "post",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'mentorship')}/notes/",
        only(COACH, COORDINATOR), body=lambda w, r: {"text": "Gutes Gespräch."},
        route="api:mentorship-notes"),
    Row("notes of someone else's mentee", "get",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'others_mentorship')}/notes/",
        {"anonymous": DENIED, LEARNER: DENIED, COACH: HIDDEN, COORDINATOR: OK, TEACHER: DENIED,
         DATA_PROTECTION_OFFICER: DENIED},
        route="api:mentorship-notes"),
    Row("milestones", "get",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'mentorship')}/milestones/",
        only(LEARNER, COACH, COORDINATOR), route="api:mentorship-milestones"),
    Row("record a milestone", "post",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'mentorship')}/milestones/",
        only(COACH, COORDINATOR),
        body=lambda w, r: {"kind": "interview", "occurred_on": timezone.localdate().isoformat()},
        route="api:mentorship-milestones"),
    Row("rewrite one's note", "patch",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'mentorship')}/notes/{c(w, 'note')}/",
        {**only(COACH), COORDINATOR: HIDDEN}, body=lambda w, r: {"text": "Neu gefasst."},
        route="api:mentorship-note"),
    Row("delete one's note", "delete",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'mentorship')}/notes/{c(w, 'note')}/",
        {**only(COACH), COORDINATOR: HIDDEN}, route="api:mentorship-note"),
    Row("correct a milestone", "patch",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'mentorship')}/milestones/{c(w, 'milestone')}/",
        only(COACH, COORDINATOR), body=lambda w, r: {"kind": "interview"},
        route="api:mentorship-milestone"),
    Row("delete a milestone", "delete",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'mentorship')}/milestones/{c(w, 'milestone')}/",
        only(COACH, COORDINATOR), route="api:mentorship-milestone"),
    Row("end a mentorship", "post",
        lambda w: f"/api/v1/coaching/mentorships/{c(w, 'mentorship')}/end/",
        only(COACH, COORDINATOR), body=lambda w, r: {"reason": "goal_reached"},
        route="api:mentorship-end"),
    Row("move a meeting", "post",
        lambda w: f"/api/v1/coaching/meetings/{c(w, 'meeting')}/move/", only(COACH, COORDINATOR),
        body=future_meeting, route="api:meeting-move"),
    Row("cancel a meeting", "post",
        lambda w: f"/api/v1/coaching/meetings/{c(w, 'meeting')}/cancel/",
        only(COACH, COORDINATOR), route="api:meeting-cancel"),
    Row("coaching figures", "get", lambda w: "/api/v1/coaching/figures/", only(COORDINATOR),
        route="api:coaching-figures"),
]  # fmt: skip


def make_run(w):
    from coaching.models import MatchingRun

    return MatchingRun.objects.create().pk


def inbox_entry(w, whose):
    from notifications.services import notify

    recipient = w.users[LEARNER] if whose == "own" else w.extra["someone"]
    rows = notify(recipient=recipient, kind="match_accepted", key=f"table-{whose}")
    return next(row.pk for row in rows if row.channel == "inbox")


NOTIFICATION_TABLE = [
    Row("own inbox", "get", lambda w: "/api/v1/notifications/", signed_in(),
        route="api:notification-list"),
    Row("own notification", "get", lambda w: f"/api/v1/notifications/{inbox_entry(w, 'own')}/",
        only(LEARNER, other=HIDDEN), route="api:notification-detail"),
    Row("someone else's notification", "get",
        lambda w: f"/api/v1/notifications/{inbox_entry(w, 'other')}/",
        only(anonymous=DENIED, other=HIDDEN), route="api:notification-detail"),
    Row("mark own notification read", "post",
        lambda w: f"/api/v1/notifications/{inbox_entry(w, 'own')}/read/",
        only(LEARNER, other=HIDDEN), route="api:notification-read"),
]  # fmt: skip

CALENDAR_TABLE = [
    Row("calendar feed URL", "get", lambda w: "/api/v1/calendar/feed/",
        signed_in(), route="api:calendar-feed"),
    Row("rotate calendar feed", "post", lambda w: "/api/v1/calendar/feed/rotate/",
        signed_in(), route="api:calendar-feed-rotate"),
]  # fmt: skip


def _others_session(w):
    """A session of a course the world's teacher does not teach."""
    return w.open_course.sessions.order_by("date").first()


ATTENDANCE_TABLE = [
    Row("attendance of a session", "get", lambda w: f"/api/v1/sessions/{w.session.pk}/attendance/",
        only(COORDINATOR, TEACHER), route="api:session-attendance"),
    Row("mark attendance", "put", lambda w: f"/api/v1/sessions/{w.session.pk}/attendance/",
        only(COORDINATOR, TEACHER), route="api:session-attendance",
        # the world's sessions are still to come: only an excused absence is taken
        body=lambda w, r: [{"booking": w.own_booking.pk, "status": "excused"}]),
    Row("attendance of another teacher's session", "get",
        lambda w: f"/api/v1/sessions/{_others_session(w).pk}/attendance/",
        only(COORDINATOR) | {TEACHER: HIDDEN}, route="api:session-attendance"),
    Row("mark attendance in another teacher's session", "put",
        lambda w: f"/api/v1/sessions/{_others_session(w).pk}/attendance/",
        only(COORDINATOR) | {TEACHER: HIDDEN}, route="api:session-attendance",
        body=lambda w, r: []),
    Row("course teachers", "get", lambda w: f"/api/v1/courses/{w.course.pk}/teachers/",
        only(COORDINATOR), route="api:course-teachers"),
    Row("set course teachers", "put", lambda w: f"/api/v1/courses/{w.course.pk}/teachers/",
        only(COORDINATOR), route="api:course-teachers",
        body=lambda w, r: {"teachers": [w.users[TEACHER].pk]}),
]  # fmt: skip


def new_participant(w, role):
    return {"full_name": "Samira Haddad", "phone": "0711 123456", "preferred_language": "ar",
            "home_municipality": municipality().pk}  # fmt: skip


WAITLIST_TABLE = [
    Row("waiting list", "get", lambda w: f"/api/v1/courses/{w.full_course.pk}/waitlist/",
        only(COORDINATOR), route="api:course-waitlist"),
    Row("offer a place out of turn", "post",
        lambda w: f"/api/v1/bookings/{w.extra['waiting'].pk}/offer/",
        {"anonymous": DENIED, LEARNER: DENIED, COACH: DENIED, COORDINATOR: OK, TEACHER: DENIED,
         DATA_PROTECTION_OFFICER: DENIED},
        body=lambda w, r: {"reason": "Alleinerziehend, Jobcenter-Termin"},
        route="api:booking-offer"),
    Row("take off the waiting list", "post",
        lambda w: f"/api/v1/bookings/{w.extra['waiting'].pk}/remove-from-waitlist/",
        {"anonymous": DENIED, LEARNER: DENIED, COACH: DENIED, COORDINATOR: OK, TEACHER: DENIED,
         DATA_PROTECTION_OFFICER: DENIED},
        body=lambda w, r: {"reason": "Weggezogen"}, route="api:booking-remove-from-waitlist"),
    Row("find participants", "get", lambda w: "/api/v1/participants/?search=Test",
        only(COORDINATOR), route="api:participant-list"),
    Row("register a participant by phone", "post", lambda w: "/api/v1/participants/",
        only(COORDINATOR), body=new_participant, route="api:participant-list"),
    Row("retention runs", "get", lambda w: "/api/v1/retention-runs/",
        only(COORDINATOR, DATA_PROTECTION_OFFICER),
        route="api:retention-run-list"),
]  # fmt: skip

RIGHTS_TABLE = [
    Row("export one's own data", "get", lambda w: "/api/v1/me/export/",
        signed_in(), route="api:me-export"),
    Row("erase oneself", "post", lambda w: "/api/v1/me/erase/",
        signed_in(),
        body=lambda w, r: {"password": "correct-horse-battery"}, route="api:me-erase"),
    Row("export a person's data", "get",
        lambda w: f"/api/v1/people/{w.extra['someone'].pk}/export/", only(COORDINATOR),
        route="api:person-export"),
    Row("erase a person", "post", lambda w: f"/api/v1/people/{w.extra['someone'].pk}/erase/",
        only(COORDINATOR), body=lambda w, r: {"reason": "Brief vom 3. März"},
        route="api:person-erase"),
]  # fmt: skip

TABLE += COACHING_TABLE + NOTIFICATION_TABLE + CALENDAR_TABLE + ATTENDANCE_TABLE + WAITLIST_TABLE
TABLE += RIGHTS_TABLE

# The access trail: the data-protection officer alone, whatever else others may do.
PRIVACY_TABLE = [
    Row("access trail", "get", lambda w: "/api/v1/access-log/", only(DATA_PROTECTION_OFFICER),
        route="api:access-log-list"),
    Row("access trail of one person in a period", "get",
        lambda w: f"/api/v1/access-log/?subject={w.users[LEARNER].pk}&since=2020-01-01"
                  f"&until=2040-12-31&actor={w.users[COORDINATOR].pk}",
        only(DATA_PROTECTION_OFFICER), route="api:access-log-list"),
]  # fmt: skip
TABLE += PRIVACY_TABLE
CELLS = [(row, role) for row in TABLE for role in ROLES]


@pytest.fixture
def world(world_shared_by_the_module):
    """The table's cells share one world per module (tests/world.py)."""
    return world_shared_by_the_module


@pytest.mark.parametrize(
    ("row", "role"), CELLS, ids=[f"{row.name} as {role}" for row, role in CELLS]
)
def test_permission_cell(world, row, role):
    client = APIClient()
    user = world.users[role]
    if user is not None:
        client.force_authenticate(user)
    body = row.body(world, role) if row.body else None
    response = getattr(client, row.method)(row.url(world), body, format="json")
    expected = row.expected[role]
    detail = response.content[:300]
    if expected == OK:
        assert 200 <= response.status_code < 300, detail
    elif expected == HIDDEN:
        assert response.status_code == 404, detail
    elif role == "anonymous":
        assert response.status_code == 401, detail
    else:
        assert response.status_code == 403, detail
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}
        assert {"code", "message", "fields"} <= set(response.json()["error"])


def _api_route_names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _api_route_names(entry, namespace)
        elif isinstance(entry, URLPattern) and prefix.startswith("api:") and entry.name:
            yield prefix + entry.name


def test_every_api_route_is_in_the_table():
    covered = {row.route for row in TABLE}
    routes = set(_api_route_names())
    assert routes, "no API routes found"
    assert routes - covered == set()


def test_every_api_view_declares_roles_for_each_of_its_actions():
    from backend.api_urls import router

    for _prefix, viewset, _basename in router.registry:
        declared = set(viewset.allowed_roles)
        actions = {a.__name__ for a in viewset.get_extra_actions()}
        standard = {"list", "retrieve", "create", "update", "partial_update", "destroy"}
        actions |= {name for name in standard if hasattr(viewset, name)}
        assert actions <= declared, f"{viewset.__name__} does not declare {actions - declared}"
