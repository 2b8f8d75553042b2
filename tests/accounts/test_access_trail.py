"""The access trail: every read of another person's personal data leaves a row
(who, whose, what), reading one's own data none; the data-protection officer
reads the trail, filtered, and nobody changes it in the admin."""

import datetime as dt

import pytest
import time_machine
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.constants import AccessWhat
from accounts.models import AccessLog
from accounts.roles import COACH, COORDINATOR, DATA_PROTECTION_OFFICER, LEARNER, TEACHER
from accounts.services import log_access, log_reads

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

BERLIN = dt.timezone(dt.timedelta(hours=1))


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def page(user):
    client = Client()
    client.force_login(user)
    return client


def rows(actor, what):
    return set(
        AccessLog.objects.filter(actor=actor, what=what).values_list("subject_id", "object_id")
    )


# --- The writer -----------------------------------------------------------------------------


def test_log_reads_writes_one_row_per_read_in_one_insert_and_skips_the_reader(
    django_assert_num_queries,
):
    reader, a, b = UserFactory(), UserFactory(), UserFactory()
    with django_assert_num_queries(1):
        written = log_reads(
            actor=reader, what=AccessWhat.BOOKING, reads=[(a.pk, 1), (b.pk, 2), (reader.pk, 3)]
        )
    assert written == 2
    assert rows(reader, AccessWhat.BOOKING) == {(a.pk, 1), (b.pk, 2)}


def test_reading_ones_own_data_writes_nothing_and_costs_no_query(django_assert_num_queries):
    me = UserFactory()
    with django_assert_num_queries(0):
        log_access(actor=me, subject=me, what=AccessWhat.CONTACT_DETAILS, object_ids=[me.pk])
    assert not AccessLog.objects.exists()


def test_an_unknown_what_is_refused():
    with pytest.raises(ValueError):
        log_access(actor=UserFactory(), subject=UserFactory(), what="gossip")


# --- Read paths: API --------------------------------------------------------------------------


def test_coordinator_reading_someones_booking_is_logged_the_learner_reading_theirs_is_not(world):
    coordinator, learner = world.users[COORDINATOR], world.users[LEARNER]
    assert api(learner).get(f"/api/v1/bookings/{world.own_booking.pk}/").status_code == 200
    assert api(learner).get("/api/v1/bookings/").status_code == 200
    assert not AccessLog.objects.exists()
    api(coordinator).get(f"/api/v1/bookings/{world.others_booking.pk}/")
    assert rows(coordinator, AccessWhat.BOOKING) == {
        (world.others_booking.learner_id, world.others_booking.pk)
    }
    AccessLog.objects.all().delete()
    listed = api(coordinator).get("/api/v1/bookings/").json()["results"]
    logged = rows(coordinator, AccessWhat.BOOKING)
    assert {pk for _, pk in logged} == {b["id"] for b in listed}
    assert world.users[LEARNER].pk in {subject for subject, _ in logged}


def test_waiting_list_and_attendance_reads_are_logged(world):
    coordinator, teacher = world.users[COORDINATOR], world.users[TEACHER]
    api(coordinator).get(f"/api/v1/courses/{world.full_course.pk}/waitlist/")
    waiting = world.extra["waiting"]
    assert (waiting.learner_id, waiting.pk) in rows(coordinator, AccessWhat.WAITING_LIST)
    api(teacher).get(f"/api/v1/sessions/{world.session.pk}/attendance/")
    logged = rows(teacher, AccessWhat.ATTENDANCE)
    assert (world.own_booking.learner_id, world.own_booking.pk) in logged
    assert (world.others_booking.learner_id, world.others_booking.pk) in logged


def test_participant_search_logs_each_person_found():
    coordinator = UserFactory(roles=[COORDINATOR])
    found = UserFactory(roles=[LEARNER], full_name="Samira Haddad")
    UserFactory(roles=[LEARNER], full_name="Olena Marchenko")
    answer = api(coordinator).get("/api/v1/participants/?search=Samira")
    assert [p["id"] for p in answer.json()] == [found.pk]
    assert rows(coordinator, AccessWhat.CONTACT_DETAILS) == {(found.pk, found.pk)}


def test_coaching_requests_and_mentees_reads_are_logged_own_reads_not(world):
    coordinator, coach, learner = world.users[COORDINATOR], world.users[COACH], world.users[LEARNER]
    others = world.coaching["others_request"]
    mentorship = world.coaching["mentorship"]
    api(learner).get(f"/api/v1/coaching/requests/{world.coaching['own_request'].pk}/")
    api(learner).get(f"/api/v1/coaching/mentorships/{mentorship.pk}/")
    assert not AccessLog.objects.exists()
    api(coordinator).get(f"/api/v1/coaching/requests/{others.pk}/")
    assert rows(coordinator, AccessWhat.COACHING_REQUEST) == {(others.learner_id, others.pk)}
    api(coach).get(f"/api/v1/coaching/mentorships/{mentorship.pk}/")
    api(coach).get(f"/api/v1/coaching/mentorships/{mentorship.pk}/milestones/")
    assert rows(coach, AccessWhat.MENTEE) == {(learner.pk, mentorship.pk)}
    assert AccessLog.objects.filter(actor=coach, what=AccessWhat.MENTEE).count() == 2
    api(coach).get("/api/v1/coaching/proposals/")
    proposal = world.coaching["to_coach"]
    assert (proposal.request.learner_id, proposal.request_id) in rows(
        coach, AccessWhat.COACHING_REQUEST
    )


# --- Read paths: pages ------------------------------------------------------------------------


def test_course_page_logs_bookings_and_waiting_list(world):
    coordinator = world.users[COORDINATOR]
    assert page(coordinator).get(f"/manage/courses/{world.full_course.pk}/").status_code == 200
    waiting = world.extra["waiting"]
    offered = world.offered_booking
    assert (offered.learner_id, offered.pk) in rows(coordinator, AccessWhat.BOOKING)
    assert rows(coordinator, AccessWhat.WAITING_LIST) == {(waiting.learner_id, waiting.pk)}


def test_booking_page_and_waitlist_action_page_are_logged(world):
    coordinator = world.users[COORDINATOR]
    page(coordinator).get(f"/manage/bookings/{world.others_booking.pk}/")
    assert rows(coordinator, AccessWhat.BOOKING) == {
        (world.others_booking.learner_id, world.others_booking.pk)
    }
    waiting = world.extra["waiting"]
    page(coordinator).get(f"/manage/bookings/{waiting.pk}/offer/")
    assert rows(coordinator, AccessWhat.WAITING_LIST) == {(waiting.learner_id, waiting.pk)}


def test_teacher_course_list_and_attendance_page_are_logged(world):
    teacher = world.users[TEACHER]
    assert page(teacher).get(f"/teach/courses/{world.course.pk}/").status_code == 200
    expected = {
        (world.own_booking.learner_id, world.own_booking.pk),
        (world.others_booking.learner_id, world.others_booking.pk),
    }
    assert rows(teacher, AccessWhat.COURSE_LIST) == expected
    assert page(teacher).get(f"/teach/sessions/{world.session.pk}/attendance/").status_code == 200
    assert rows(teacher, AccessWhat.ATTENDANCE) == expected


def test_coach_pages_log_the_mentee(world):
    coach, learner = world.users[COACH], world.users[LEARNER]
    mentorship = world.coaching["mentorship"]
    page(coach).get("/coach/mentees/")
    page(coach).get(f"/mentorships/{mentorship.pk}/")
    assert rows(coach, AccessWhat.MENTEE) == {(learner.pk, mentorship.pk)}
    assert AccessLog.objects.filter(actor=coach, what=AccessWhat.MENTEE).count() == 2
    assert not AccessLog.objects.filter(what=AccessWhat.COACH_NOTES).exists()  # own notes


def test_coordinators_coaching_page_logs_the_requests_shown(world):
    coordinator = world.users[COORDINATOR]
    assert page(coordinator).get("/manage/coaching/").status_code == 200
    open_request = world.coaching["open_request"]
    assert (open_request.learner_id, open_request.pk) in rows(
        coordinator, AccessWhat.COACHING_REQUEST
    )


def test_learner_reading_their_own_pages_writes_nothing(world):
    learner = world.users[LEARNER]
    for url in ("/bookings/", "/coaching/", "/profile/", "/inbox/"):
        assert page(learner).get(url).status_code == 200, url
    assert not AccessLog.objects.exists()


# --- The admin ---------------------------------------------------------------------------------


def test_admin_list_and_change_pages_of_people_are_logged(world):
    coordinator = world.users[COORDINATOR]
    client = page(coordinator)
    booking = world.others_booking
    assert client.get(reverse("admin:courses_booking_change", args=[booking.pk])).status_code == 200
    assert rows(coordinator, AccessWhat.BOOKING) == {(booking.learner_id, booking.pk)}
    someone = world.extra["someone"]
    assert client.get(reverse("admin:accounts_user_change", args=[someone.pk])).status_code == 200
    assert (someone.pk, someone.pk) in rows(coordinator, AccessWhat.CONTACT_DETAILS)
    AccessLog.objects.all().delete()
    assert client.get(reverse("admin:coaching_mentorship_changelist")).status_code == 200
    mentorship = world.coaching["mentorship"]
    assert (mentorship.learner_id, mentorship.pk) in rows(coordinator, AccessWhat.MENTEE)


def test_nobody_changes_or_deletes_the_trail_in_the_admin_not_even_a_superuser():
    row = AccessLog.objects.create(
        actor=UserFactory(), subject=UserFactory(), what=AccessWhat.BOOKING
    )
    superuser = UserFactory(is_superuser=True, is_staff=True)
    model_admin = admin.site._registry[AccessLog]
    request = type("R", (), {"user": superuser})()
    assert model_admin.has_view_permission(request, row)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)
    client = page(superuser)
    delete = reverse("admin:accounts_accesslog_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:accounts_accesslog_changelist")
    client.post(
        changelist, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert AccessLog.objects.filter(pk=row.pk).exists()
    assert client.get(changelist).status_code == 200


@pytest.mark.parametrize("role", [COORDINATOR, DATA_PROTECTION_OFFICER])
def test_only_superusers_see_the_trail_in_the_admin(role):
    row = AccessLog.objects.create(actor=UserFactory(), subject=UserFactory(), what="booking")
    client = page(UserFactory(roles=[role]))
    answer = client.get(reverse("admin:accounts_accesslog_change", args=[row.pk]))
    assert answer.status_code in (302, 403)


# --- The trail for the data-protection officer --------------------------------------------------


@pytest.fixture
def trail():
    dpo = UserFactory(roles=[DATA_PROTECTION_OFFICER])
    reader, other_reader = UserFactory(full_name="Kira Sommer"), UserFactory()
    amal, olena = UserFactory(full_name="Amal Haddad"), UserFactory()
    with time_machine.travel(dt.datetime(2031, 3, 2, 23, 30, tzinfo=BERLIN), tick=False):
        log_access(actor=reader, subject=amal, what=AccessWhat.BOOKING, object_ids=[7])
    with time_machine.travel(dt.datetime(2031, 3, 3, 0, 30, tzinfo=BERLIN), tick=False):
        log_access(actor=other_reader, subject=amal, what=AccessWhat.COACH_NOTES)
        log_access(actor=reader, subject=olena, what=AccessWhat.CONTACT_DETAILS)
    return {"dpo": dpo, "reader": reader, "amal": amal, "olena": olena}


def test_the_dpo_reads_the_trail_newest_first_filtered(trail):
    client = api(trail["dpo"])
    everything = client.get("/api/v1/access-log/").json()
    assert everything["count"] == 3
    first = everything["results"][-1]
    assert first["actor"] == {"id": trail["reader"].pk, "name": "Kira Sommer"}
    assert first["subject"] == {"id": trail["amal"].pk, "name": "Amal Haddad"}
    assert (first["what"], first["object_id"]) == ("booking", 7)
    assert first["what_label"]
    about_amal = client.get(f"/api/v1/access-log/?subject={trail['amal'].pk}").json()
    assert about_amal["count"] == 2
    by_reader = client.get(
        f"/api/v1/access-log/?subject={trail['amal'].pk}&actor={trail['reader'].pk}"
    ).json()
    assert [r["what"] for r in by_reader["results"]] == ["booking"]
    # The days are Berlin's: 23:30 on the 2nd is the 2nd, 00:30 on the 3rd the 3rd.
    second = client.get("/api/v1/access-log/?since=2031-03-02&until=2031-03-02").json()
    assert [r["what"] for r in second["results"]] == ["booking"]
    third = client.get("/api/v1/access-log/?since=2031-03-03").json()
    assert third["count"] == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("subject=abc", "subject"),
        ("actor=-1", "actor"),
        ("since=2031-13-01", "since"),
        ("until=yesterday", "until"),
        ("since=2031-03-05&until=2031-03-01", "until"),
    ],
)
def test_bad_filters_are_refused_with_400_naming_the_field(trail, query, field):
    answer = api(trail["dpo"]).get(f"/api/v1/access-log/?{query}")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == [field]


def test_the_trail_page_shows_the_rows_in_the_users_language(trail):
    client = page(trail["dpo"])
    answer = client.get(
        f"/privacy/access-log/?subject={trail['olena'].pk}", HTTP_ACCEPT_LANGUAGE="de"
    )
    assert answer.status_code == 200
    assert b"Kira Sommer" in answer.content
    assert b"Amal Haddad" not in answer.content
    refused = client.get("/privacy/access-log/?since=2031-03-05&until=2031-03-01")
    assert refused.status_code == 200 and b'class="error-summary"' in refused.content


def test_reading_the_trail_is_not_itself_logged(trail):
    before = AccessLog.objects.count()
    api(trail["dpo"]).get("/api/v1/access-log/")
    page(trail["dpo"]).get("/privacy/access-log/")
    assert AccessLog.objects.count() == before
