"""Each right through the API, the pages and the admin: export (Art. 15, 20)
and erasure (Art. 17); refused requests change nothing."""

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import AccessLog, AnonymousRecord, User
from accounts.roles import COACH, COORDINATOR, LEARNER
from courses import services as course_services
from courses.constants import BookingStatus
from courses.models import Booking

from ..factories import CourseFactory, UserFactory
from .test_erasure import dump_database

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2031, 3, 4, 10, 0, tzinfo=dt.UTC)
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def learner():
    person = UserFactory(roles=[LEARNER], full_name="Amal Haddad", phone="+4971311234567")
    course = CourseFactory(seats=1)
    course_services.book_course(course=course, learner=person, children_ages=[3])
    return person


@pytest.fixture
def coordinator():
    return UserFactory(roles=[COORDINATOR])


@pytest.fixture
def coordinator_client(coordinator):
    client = Client()
    client.force_login(coordinator)
    return client, coordinator


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_me_export_is_a_json_download_with_iso_dates(learner):
    response = api(learner).get("/api/v1/me/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="kurslotse-data-{learner.pk}-2031-03-04.json"'
    )
    document = response.json()
    assert document["format"] == "kurslotse-personal-data/1"
    booking = document["sections"]["bookings"][0]
    assert booking["children_ages"] == [3]
    assert booking["booked_at"].startswith("2031-03-04T10:00:00")
    assert document["sections"]["profile"]["phone"] == "+4971311234567"


def test_a_coordinators_export_is_recorded_in_the_access_log(learner, coordinator):
    response = api(coordinator).get(f"/api/v1/people/{learner.pk}/export/")
    assert response.status_code == 200
    assert response.json()["person"] == learner.pk
    row = AccessLog.objects.get(subject=learner)
    assert (row.actor, row.what) == (coordinator, "data_export")


def test_the_export_of_an_unknown_person_is_404(coordinator):
    response = api(coordinator).get("/api/v1/people/999999/export/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("body", [{}, {"password": ""}, {"password": "wrong-horse"}])
def test_erasing_oneself_needs_the_right_password_and_changes_nothing_without(learner, body):
    before = dump_database()
    response = api(learner).post("/api/v1/me/erase/", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "wrong_password" and "password" in error["fields"]
    assert dump_database() == before


def test_erasing_oneself_through_the_api(learner):
    client = Client()
    client.force_login(learner)
    response = client.post(
        "/api/v1/me/erase/", {"password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["erased"] is True
    assert response.json()["counts"]["bookings"]["cancelled"] == 1
    assert not User.objects.filter(pk=learner.pk).exists()
    # The session is gone: the next call is not signed in.
    assert client.get("/api/v1/me/").status_code == 401


def test_a_coordinator_erases_a_person_with_a_reason(learner, coordinator):
    response = api(coordinator).post(
        f"/api/v1/people/{learner.pk}/erase/", {"reason": "Brief vom 3. März"}, format="json"
    )
    assert response.status_code == 200
    assert not User.objects.filter(pk=learner.pk).exists()
    assert AnonymousRecord.objects.filter(kind="booking").count() == 1


@pytest.mark.parametrize(
    ("target", "body", "status", "code"),
    [
        ("learner", {}, 400, "validation_error"),
        ("learner", {"reason": "a\nb"}, 400, "validation_error"),
        ("self", {"reason": "Brief"}, 409, "not_erasable"),
        ("coordinator", {"reason": "Brief"}, 409, "not_erasable"),
        ("superuser", {"reason": "Brief"}, 409, "not_erasable"),
    ],
)
def test_refused_erasures_change_nothing(learner, coordinator, target, body, status, code):
    person = {
        "learner": learner,
        "self": coordinator,
        "coordinator": UserFactory(roles=[COORDINATOR]),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }[target]
    before = dump_database()
    response = api(coordinator).post(f"/api/v1/people/{person.pk}/erase/", body, format="json")
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert dump_database() == before


# --- Pages -------------------------------------------------------------------------------


def test_the_data_page_is_readable_in_the_persons_language(learner):
    learner.preferred_language = "de"
    learner.save()
    client = Client()
    client.force_login(learner)
    client.cookies["django_language"] = "de"
    page = client.get("/privacy/my-data/").content.decode()
    assert "Ihre Daten" in page
    assert "Alter der Kinder" in page  # the children's ages, labelled in German
    assert "Bestätigt" in page  # the booking's status by name, not "confirmed"
    assert 'href="/privacy/my-data.json"' in page
    download = client.get("/privacy/my-data.json")
    assert download["Content-Disposition"].startswith("attachment;")
    assert json.loads(download.content)["sections"]["bookings"][0]["children_ages"] == [3]


def test_the_erasure_page_refuses_a_wrong_password_and_erases_with_the_right_one(learner):
    client = Client()
    client.force_login(learner)
    refused = client.post("/privacy/erase/", {"password": "nope"})
    assert refused.status_code == 200
    assert (
        "error-summary" in refused.content.decode() or 'class="error"' in refused.content.decode()
    )
    assert User.objects.filter(pk=learner.pk).exists()
    done = client.post("/privacy/erase/", {"password": PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/"
    assert not User.objects.filter(pk=learner.pk).exists()


def test_the_coordinator_erases_from_the_booking_page(learner, coordinator):
    booking = Booking.objects.get(learner=learner)
    client = Client()
    client.force_login(coordinator)
    page = client.get(f"/manage/bookings/{booking.pk}/").content.decode()
    assert f'href="/manage/people/{learner.pk}/erase/"' in page
    refused = client.post(f"/manage/people/{learner.pk}/erase/", {"reason": ""})
    assert refused.status_code == 200 and User.objects.filter(pk=learner.pk).exists()
    done = client.post(f"/manage/people/{learner.pk}/erase/", {"reason": "Anruf"})
    assert done.status_code == 302
    assert not User.objects.filter(pk=learner.pk).exists()


def test_deleting_a_person_in_the_admin_is_erasure(learner):
    course = Booking.objects.get(learner=learner).course
    waiting = course_services.book_course(
        course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[]
    )
    admin = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    confirm = client.get(f"/admin/accounts/user/{learner.pk}/delete/")
    assert confirm.status_code == 200 and b"Cannot delete" not in confirm.content
    response = client.post(f"/admin/accounts/user/{learner.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=learner.pk).exists()
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.OFFERED  # the freed place went on at once
    assert "Amal Haddad" not in dump_database()


def test_the_admins_delete_action_erases_each_person(learner):
    other = UserFactory(roles=[LEARNER])
    admin = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [learner.pk, other.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[learner.pk, other.pk]).exists()
    assert AnonymousRecord.objects.filter(kind="booking").count() == 1


def test_a_learner_whose_coach_was_erased_still_reads_their_mentorship():
    from coaching.models import CoachingRequest, Mentorship
    from places.models import Municipality

    from ..factories import make_coach

    coach, learner = make_coach(), UserFactory(roles=[LEARNER])
    request = CoachingRequest.objects.create(
        learner=learner, programme="jobcoaching", municipality=Municipality.objects.first(),
        availability=[{"weekday": 0, "start": "09:00", "end": "12:00"}], status="matched",
    )  # fmt: skip
    mentorship = Mentorship.objects.create(request=request, coach=coach, learner=learner)
    from accounts.services import erase_person

    erase_person(person=coach, by=None, reason="")
    answer = api(learner).get(f"/api/v1/coaching/mentorships/{mentorship.pk}/")
    assert answer.status_code == 200
    assert answer.json()["coach"] is None and answer.json()["ended_at"] is not None
    client = Client()
    client.force_login(learner)
    assert client.get("/coaching/").status_code == 200
    assert client.get("/calendars/subscription/").status_code == 200


# --- The office's page for letters and calls: /manage/people/ ------------------------------


def test_the_office_finds_a_coach_by_phone_and_reaches_their_data_and_erasure(coordinator_client):
    client, coordinator = coordinator_client
    coach = UserFactory(roles=[COACH], full_name="Karl Berger", phone="+4971319876543")
    UserFactory(roles=[LEARNER], full_name="Berta Kühn")
    response = client.get("/manage/people/", {"q": "07131 9876543"})
    html = response.content.decode()
    assert response.status_code == 200
    row = html[html.index(f'id="person-{coach.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Karl Berger" in row and "Coach" in row
    assert f"/manage/people/{coach.pk}/data.json" in row
    assert f"/manage/people/{coach.pk}/erase/" in row
    assert "Berta" not in html
    # Seeing the person's contact details is a read of them.
    assert list(AccessLog.objects.values_list("actor", "subject", "what")) == [
        (coordinator.pk, coach.pk, "contact_details")
    ]


def test_the_office_page_finds_no_administrator_and_says_when_the_query_is_too_short(
    coordinator_client,
):
    client, _coordinator = coordinator_client
    User.objects.create_superuser(email="admin.karl@example.org", password=PASSWORD)
    found = client.get("/manage/people/", {"q": "admin.karl"}).content.decode()
    assert "admin.karl@example.org" not in found and "Niemand gefunden." in found
    short = client.get("/manage/people/", {"q": "k"}).content.decode()
    assert 'aria-invalid="true"' in short and "Geben Sie mindestens 2 Zeichen ein." in short
    assert not AccessLog.objects.exists()
