"""The course pages: the catalogue is public (drafts hidden from all but
coordinators), bookings belong to their learner (anyone else's: 404), and
running courses is for coordinators."""

import datetime as dt

from django.utils import timezone

from accounts.roles import COORDINATOR, LEARNER, TEACHER

from ..factories import municipality
from ..world import closure, skipping_course
from .table import HIDDEN, LOGIN, OK, PageRow, everyone, only


def _hidden_for_learner() -> dict:
    return {**only(LEARNER), LEARNER: HIDDEN}


def _new_course(w, role) -> dict:
    start = timezone.localdate() + dt.timedelta(days=14)
    return {
        "title": "Deutsch A2 am Abend", "level": "A2", "format": "in_person",
        "municipality": municipality().pk, "seats": "12", "childcare_places": "0",
        "starts_on": start.isoformat(), "ends_on": (start + dt.timedelta(weeks=6)).isoformat(),
        "weekdays": ["1", "3"], "start_time": "18:00", "end_time": "20:00",
        "offer_hours": "48",
    }  # fmt: skip


def _new_closure(w, role) -> dict:
    first = timezone.localdate() + dt.timedelta(days=20)
    return {"name": "Pfingstferien", "first_day": first.isoformat(),
            "last_day": (first + dt.timedelta(days=11)).isoformat()}  # fmt: skip


def _move(w, role) -> dict:
    day = w.session.date + dt.timedelta(days=1)
    return {"date": day.isoformat(), "start_time": "10:00", "end_time": "12:00", "note": "Raum 2"}


def _edit(w, role) -> dict:
    """The edit form as the page fills it, with two more seats and a new title."""
    course = w.course
    return {
        "title": "Deutsch A1 (neu)", "seats": str(course.seats + 2),
        "childcare_places": str(course.childcare_places),
        "childcare_min_age": str(course.childcare_min_age),
        "childcare_max_age": str(course.childcare_max_age), "offer_hours": "48",
        "weekdays": [str(day) for day in course.weekdays],
        "start_time": f"{course.start_time:%H:%M}", "end_time": f"{course.end_time:%H:%M}",
    }  # fmt: skip


ROWS = [
    # Learners and visitors: find and book.
    PageRow("course search", "get", lambda w: "/courses/", everyone(OK), route="courses:search"),
    PageRow("course search with filters", "get",
            lambda w: f"/courses/?level=A1&near={municipality().pk}&radius_km=25&childcare=on",
            everyone(OK), route="courses:search"),
    PageRow("published course", "get", lambda w: f"/courses/{w.course.pk}/", everyone(OK),
            route="courses:detail"),
    PageRow("draft course", "get", lambda w: f"/courses/{w.draft.pk}/",
            {**everyone(HIDDEN), COORDINATOR: OK}, route="courses:detail"),
    PageRow("book a course", "post", lambda w: f"/courses/{w.open_course.pk}/book/",
            only(LEARNER), route="courses:book",
            data=lambda w, role: {"children_ages_0": "3", "confirm_overlap": "True"}),
    PageRow("open the booking address directly", "get",
            lambda w: f"/courses/{w.open_course.pk}/book/",
            {**everyone(OK), "anonymous": LOGIN}, route="courses:book"),
    PageRow("open a draft's booking address", "get", lambda w: f"/courses/{w.draft.pk}/book/",
            {**everyone(HIDDEN), COORDINATOR: OK}, route="courses:book"),
    PageRow("book a draft course", "post", lambda w: f"/courses/{w.draft.pk}/book/",
            _hidden_for_learner(), route="courses:book", data=lambda w, role: {}),
    PageRow("my bookings", "get", lambda w: "/bookings/", only(LEARNER),
            route="courses:my_bookings"),
    PageRow("accept my offer", "post", lambda w: f"/bookings/{w.offered_booking.pk}/accept/",
            only(LEARNER), route="courses:booking_accept"),
    PageRow("accept someone else's booking", "post",
            lambda w: f"/bookings/{w.others_booking.pk}/accept/", _hidden_for_learner(),
            route="courses:booking_accept"),
    PageRow("ask to cancel my booking", "get", lambda w: f"/bookings/{w.own_booking.pk}/cancel/",
            only(LEARNER), route="courses:booking_cancel"),
    PageRow("cancel my booking", "post", lambda w: f"/bookings/{w.own_booking.pk}/cancel/",
            only(LEARNER), route="courses:booking_cancel"),
    PageRow("ask to cancel someone else's booking", "get",
            lambda w: f"/bookings/{w.others_booking.pk}/cancel/", _hidden_for_learner(),
            route="courses:booking_cancel"),
    PageRow("cancel someone else's booking", "post",
            lambda w: f"/bookings/{w.others_booking.pk}/cancel/", _hidden_for_learner(),
            route="courses:booking_cancel"),
    PageRow("calendar file of my booking", "get",
            lambda w: f"/bookings/{w.own_booking.pk}/calendar.ics", only(LEARNER),
            route="courses:booking_ics"),
    PageRow("calendar file of someone else's booking", "get",
            lambda w: f"/bookings/{w.others_booking.pk}/calendar.ics", _hidden_for_learner(),
            route="courses:booking_ics"),
    PageRow("calendar file of an offer not yet accepted", "get",
            lambda w: f"/bookings/{w.offered_booking.pk}/calendar.ics", _hidden_for_learner(),
            route="courses:booking_ics"),
    # Coordinators: run courses.
    PageRow("manage courses", "get", lambda w: "/manage/courses/", only(COORDINATOR),
            route="courses:manage"),
    PageRow("manage courses filtered", "get", lambda w: "/manage/courses/?status=draft&region=NE",
            only(COORDINATOR), route="courses:manage"),
    PageRow("new course form", "get", lambda w: "/manage/courses/new/", only(COORDINATOR),
            route="courses:manage_create"),
    PageRow("create a course", "post", lambda w: "/manage/courses/new/", only(COORDINATOR),
            route="courses:manage_create", data=_new_course),
    PageRow("manage a course", "get", lambda w: f"/manage/courses/{w.course.pk}/",
            only(COORDINATOR), route="courses:manage_course"),
    PageRow("manage a draft", "get", lambda w: f"/manage/courses/{w.draft.pk}/",
            only(COORDINATOR), route="courses:manage_course"),
    PageRow("publish a draft", "post", lambda w: f"/manage/courses/{w.draft.pk}/publish/",
            only(COORDINATOR), route="courses:manage_publish"),
    PageRow("ask to cancel a course", "get", lambda w: f"/manage/courses/{w.course.pk}/cancel/",
            only(COORDINATOR), route="courses:manage_cancel"),
    PageRow("cancel a course", "post", lambda w: f"/manage/courses/{w.course.pk}/cancel/",
            only(COORDINATOR), route="courses:manage_cancel"),
    PageRow("move a session form", "get", lambda w: f"/manage/sessions/{w.session.pk}/move/",
            only(COORDINATOR), route="courses:session_move"),
    PageRow("move a session", "post", lambda w: f"/manage/sessions/{w.session.pk}/move/",
            only(COORDINATOR), route="courses:session_move", data=_move),
    PageRow("ask to cancel a session", "get",
            lambda w: f"/manage/sessions/{w.session.pk}/cancel/", only(COORDINATOR),
            route="courses:session_cancel"),
    PageRow("cancel a session", "post", lambda w: f"/manage/sessions/{w.session.pk}/cancel/",
            only(COORDINATOR), route="courses:session_cancel",
            data=lambda w, role: {"note": "Krank"}),
    PageRow("edit a course form", "get", lambda w: f"/manage/courses/{w.course.pk}/edit/",
            only(COORDINATOR), route="courses:manage_edit"),
    PageRow("edit a course", "post", lambda w: f"/manage/courses/{w.course.pk}/edit/",
            only(COORDINATOR), route="courses:manage_edit", data=_edit),
    PageRow("edit a draft form", "get", lambda w: f"/manage/courses/{w.draft.pk}/edit/",
            only(COORDINATOR), route="courses:manage_edit"),
    # Writing to a course's people: coordinators, and the course's teachers.
    PageRow("write to a course's people", "get",
            lambda w: f"/manage/courses/{w.course.pk}/messages/new/",
            only(COORDINATOR, TEACHER), route="courses:message_new"),
    PageRow("write to the people of a course one does not teach", "get",
            lambda w: f"/manage/courses/{w.full_course.pk}/messages/new/",
            {**only(COORDINATOR), TEACHER: HIDDEN}, route="courses:message_new"),
    PageRow("check a message", "post", lambda w: f"/manage/courses/{w.course.pk}/messages/new/",
            only(COORDINATOR, TEACHER), route="courses:message_new",
            data=lambda w, role: _message(confirmed=False)),
    PageRow("send a message", "post", lambda w: f"/manage/courses/{w.course.pk}/messages/new/",
            only(COORDINATOR, TEACHER), route="courses:message_new",
            data=lambda w, role: _message(confirmed=True)),
    PageRow("send a message about a course one does not teach", "post",
            lambda w: f"/manage/courses/{w.full_course.pk}/messages/new/",
            {**only(COORDINATOR), TEACHER: HIDDEN}, route="courses:message_new",
            data=lambda w, role: {**_message(confirmed=True), "audience": "waitlist"}),
    PageRow("keep a skipped date", "post",
            lambda w: f"/manage/courses/{skipping_course(w).pk}/keep-date/", only(COORDINATOR),
            route="courses:manage_keep_date",
            data=lambda w, role: {"date": skipping_course(w).starts_on.isoformat()}),
    PageRow("closures", "get", lambda w: "/manage/closures/", only(COORDINATOR),
            route="courses:closures"),
    PageRow("new closure form", "get", lambda w: "/manage/closures/new/", only(COORDINATOR),
            route="courses:closure_create"),
    PageRow("add a closure", "post", lambda w: "/manage/closures/new/", only(COORDINATOR),
            route="courses:closure_create", data=_new_closure),
    PageRow("change a closure form", "get", lambda w: f"/manage/closures/{closure(w).pk}/edit/",
            only(COORDINATOR), route="courses:closure_edit"),
    PageRow("change a closure", "post", lambda w: f"/manage/closures/{closure(w).pk}/edit/",
            only(COORDINATOR), route="courses:closure_edit", data=_new_closure),
    PageRow("ask to delete a closure", "get",
            lambda w: f"/manage/closures/{closure(w).pk}/delete/", only(COORDINATOR),
            route="courses:closure_delete"),
    PageRow("delete a closure", "post", lambda w: f"/manage/closures/{closure(w).pk}/delete/",
            only(COORDINATOR), route="courses:closure_delete"),
    # Coordinators: the waiting list, and booking for someone who calls.
    PageRow("find a caller on the course page", "get",
            lambda w: f"/manage/courses/{w.course.pk}/?q=Test", only(COORDINATOR),
            route="courses:manage_course"),
    PageRow("book for a chosen caller form", "get",
            lambda w: f"/manage/courses/{w.course.pk}/?learner={w.extra['someone'].pk}",
            only(COORDINATOR), route="courses:manage_course"),
    PageRow("book for a caller", "post", lambda w: f"/manage/courses/{w.open_course.pk}/book/",
            only(COORDINATOR), route="courses:manage_book",
            data=lambda w, role: {"learner": str(w.extra["someone"].pk),
                                  "confirm_overlap": "True"}),
    PageRow("register a caller without email", "post",
            lambda w: f"/manage/courses/{w.open_course.pk}/participants/new/", only(COORDINATOR),
            route="courses:manage_register_participant",
            data=lambda w, role: {"full_name": "Samira Haddad", "phone": "0711 123456",
                                  "preferred_language": "ar"}),
    PageRow("offer out of turn form", "get",
            lambda w: f"/manage/bookings/{w.extra['waiting'].pk}/offer/", only(COORDINATOR),
            route="courses:waitlist_offer"),
    PageRow("offer out of turn", "post",
            lambda w: f"/manage/bookings/{w.extra['waiting'].pk}/offer/", only(COORDINATOR),
            route="courses:waitlist_offer", data=lambda w, role: {"reason": "Härtefall"}),
    PageRow("take off the waiting list form", "get",
            lambda w: f"/manage/bookings/{w.extra['waiting'].pk}/remove/", only(COORDINATOR),
            route="courses:waitlist_remove"),
    PageRow("take off the waiting list", "post",
            lambda w: f"/manage/bookings/{w.extra['waiting'].pk}/remove/", only(COORDINATOR),
            route="courses:waitlist_remove", data=lambda w, role: {"reason": "Weggezogen"}),
    PageRow("accept an offer for the caller", "post",
            lambda w: f"/manage/bookings/{w.offered_booking.pk}/accept/", only(COORDINATOR),
            route="courses:manage_accept_offer"),
]  # fmt: skip


def _message(confirmed: bool) -> dict:
    data = {
        "audience": "participants",
        "subject": "Raumänderung",
        "body": "Wir treffen uns in Raum 2.",
    }
    if confirmed:
        data |= {"confirmed": "1", "token": "page-table-token"}
    return data
