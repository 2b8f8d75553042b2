"""People who register by phone: no email address, no login, a phone number
the office finds in any spelling; booked, waitlisted and offered places like
everyone else. Through the service, the API and the course management page,
and every place that reads ``User.email`` copes without one."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts import selectors
from accounts.roles import LEARNER, roles_of
from accounts.services import ParticipantExists, register_participant_by_phone
from common.errors import InvalidInput
from courses import services as course_services
from courses.constants import BookingStatus

from ..factories import CourseFactory, UserFactory, municipality

pytestmark = pytest.mark.django_db


def samira(**overrides):
    fields = {"full_name": "Samira Haddad", "phone": "0711 123456", "preferred_language": "ar",
              "home_municipality": municipality("Eppingen")}  # fmt: skip
    fields.update(overrides)
    return register_participant_by_phone(**fields)


# --- The rule -----------------------------------------------------------------------------


def test_a_participant_registered_by_phone_is_a_learner_without_address_or_login():
    person = samira()
    person.refresh_from_db()
    assert person.email is None
    assert not person.has_usable_password()
    assert person.phone == "+49711123456"
    assert roles_of(person) == {LEARNER}
    assert person.notification_channels == []
    assert str(person) == "Samira Haddad"
    # Any number of people without an address fit the unique index.
    other = samira(full_name="Yusuf Haddad", phone="0711 654321")
    assert other.email is None


def test_the_same_name_with_the_same_number_is_refused_but_a_family_may_share_a_phone():
    samira()
    with pytest.raises(ParticipantExists):
        samira(full_name="samira haddad", phone="+49 711 123456")
    assert samira(full_name="Yusuf Haddad").phone == "+49711123456"


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({"full_name": "  "}, "full_name"),
        ({"phone": ""}, "phone"),
        ({"phone": "abc"}, "phone"),
        ({"phone": "071311"}, "phone"),
        ({"preferred_language": "xx"}, "preferred_language"),
        ({"full_name": "Samira\nHaddad"}, "full_name"),
    ],
)
def test_missing_or_wrong_details_are_refused_field_by_field(fields, refused):
    before = get_user_model().objects.count()
    with pytest.raises(InvalidInput) as error:
        samira(**fields)
    assert refused in error.value.fields
    assert get_user_model().objects.count() == before


def test_email_addresses_stay_unique_when_present():
    UserFactory(email="amal@example.org")
    with pytest.raises(IntegrityError):
        UserFactory(email="amal@example.org")


# --- Finding a caller -----------------------------------------------------------------------


def test_the_office_finds_a_caller_by_name_email_or_phone_in_any_spelling():
    person = samira()
    amal = UserFactory(roles=[LEARNER], full_name="Amal Nasser", email="amal@example.org",
                       phone="+49 7131 998877")  # fmt: skip
    amal.full_clean(exclude=["password"])  # the profile's door stores E.164 too
    amal.save()
    UserFactory(roles=["coach"], full_name="Samira Coach")  # not a learner

    def found(query):
        return [p.pk for p in selectors.find_learners(query)]

    assert found("0711 123456") == [person.pk]
    assert found("0711/123456") == [person.pk]
    assert found("+49711123456") == [person.pk]
    assert found("07131 998877") == [amal.pk]
    assert found("samira") == [person.pk]
    assert found("amal@exa") == [amal.pk]
    assert found("a") == []  # too short to mean anyone


def test_the_search_is_bounded_and_costs_one_query():
    for n in range(25):
        UserFactory(roles=[LEARNER], full_name=f"Haddad {n:02d}")
    with CaptureQueriesContext(connection) as queries:
        people = list(selectors.find_learners("Haddad"))
    assert len(people) == selectors.PEOPLE_SEARCH_LIMIT
    assert len(queries) == 1


# --- The API ------------------------------------------------------------------------------------


def test_the_api_registers_a_participant_without_email(as_user, coordinator):
    response = as_user(coordinator).post(
        "/api/v1/participants/",
        {"full_name": "Samira Haddad", "phone": "0711 123456", "preferred_language": "ar",
         "home_municipality": municipality("Eppingen").pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] is None and body["has_login"] is False
    assert body["phone"] == "+49711123456"
    assert body["home_municipality_name"] == "Eppingen"
    assert body["channels"] == ["inbox", "office_call"]

    again = as_user(coordinator).post(
        "/api/v1/participants/",
        {"full_name": "Samira Haddad", "phone": "+49 711 123456", "preferred_language": "ar"},
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "participant_exists"

    bad = as_user(coordinator).post(
        "/api/v1/participants/",
        {"full_name": "X", "phone": "abc", "preferred_language": "ar"},
        format="json",
    )
    assert bad.status_code == 400
    assert "phone" in bad.json()["error"]["fields"]


def test_the_api_finds_callers_and_books_them_like_everyone_else(as_user, coordinator):
    person = samira()
    client = as_user(coordinator)
    found = client.get("/api/v1/participants/", {"search": "0711 123456"}).json()
    assert [p["id"] for p in found] == [person.pk]
    assert client.get("/api/v1/participants/", {"search": ""}).json() == []

    course = CourseFactory(seats=1)
    course_services.book_course(course=course, learner=UserFactory(roles=[LEARNER]),
                                children_ages=[])  # fmt: skip
    response = client.post(f"/api/v1/courses/{course.pk}/bookings/",
                           {"learner": person.pk, "children_ages": []}, format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["status"] == BookingStatus.WAITLISTED
    assert response.json()["waitlist_position"] == 1


def test_nobody_can_sign_in_as_a_participant_without_email():
    samira()
    for login in ({"email": "", "password": ""}, {"email": "None", "password": "x"}):
        response = APIClient().post("/_allauth/app/v1/auth/login", login, format="json")
        assert response.status_code == 400
        assert "session_token" not in response.json().get("meta", {})


def test_signing_up_still_needs_an_address_and_works_beside_people_without_one():
    samira()
    response = APIClient().post(
        "/_allauth/app/v1/auth/signup",
        {"email": "neu@example.org", "password": "Sehr-sicheres-Passwort-42"},
        format="json",
    )
    assert response.status_code in (200, 401), response.content  # 401: verify the address
    assert get_user_model().objects.filter(email="neu@example.org").exists()
    no_address = APIClient().post(
        "/_allauth/app/v1/auth/signup", {"password": "Sehr-sicheres-Passwort-42"}, format="json"
    )
    assert no_address.status_code == 400


def test_a_phone_that_is_no_number_is_refused_on_the_profile(client, learner):
    """(ROUGH-EDGES: "A phone number "abc" is accepted on the profile.")"""
    client.force_login(learner)
    response = client.post("/profile/", {"full_name": "A", "preferred_language": "de",
                                         "phone": "abc"})  # fmt: skip
    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.phone == ""
    api = APIClient()
    api.force_authenticate(learner)
    assert api.patch("/api/v1/me/", {"phone": "abc"}, format="json").status_code == 400
    assert api.patch("/api/v1/me/", {"phone": "07131 123456"}, format="json").json()["phone"] == (
        "+497131123456"
    )


# --- The page -------------------------------------------------------------------------------


@pytest.fixture
def office(client, coordinator):
    coordinator.preferred_language = "en"
    coordinator.save()
    client.force_login(coordinator)
    return client


def test_the_office_books_a_new_caller_without_email_onto_the_waiting_list(office):
    course = CourseFactory(seats=1)
    course_services.book_course(course=course, learner=UserFactory(roles=[LEARNER]),
                                children_ages=[])  # fmt: skip
    ahead = UserFactory(roles=[LEARNER])
    course_services.book_course(course=course, learner=ahead, children_ages=[])

    registered = office.post(
        f"/manage/courses/{course.pk}/participants/new/",
        {"full_name": "Samira Haddad", "phone": "0711 123456", "preferred_language": "ar",
         "home_municipality": municipality("Eppingen").pk},
    )  # fmt: skip
    person = get_user_model().objects.get(full_name="Samira Haddad")
    assert registered.status_code == 302
    assert registered["Location"].endswith(f"?learner={person.pk}#phone-booking")
    form = office.get(registered["Location"]).content.decode()
    assert "Book for Samira Haddad" in form
    assert "No email: the office calls" in form

    booked = office.post(f"/manage/courses/{course.pk}/book/",
                         {"learner": person.pk, "children_ages_0": "4"}, follow=True)  # fmt: skip

    booking = person.bookings.get()
    assert (booking.status, booking.children_ages) == (BookingStatus.WAITLISTED, [4])
    assert "Samira Haddad is number 2 on the waiting list" in booked.content.decode()


def test_the_office_searches_callers_on_the_course_page(office):
    course = CourseFactory()
    person = samira()
    page = office.get(f"/manage/courses/{course.pk}/", {"q": "0711 123456"}).content.decode()
    assert "1 person found" in page
    assert f"?learner={person.pk}#phone-booking" in page
    nobody = office.get(f"/manage/courses/{course.pk}/", {"q": "Niemand"}).content.decode()
    assert "Nobody found for “Niemand”." in nobody


def test_a_wrong_new_participant_is_shown_with_its_fields_and_nothing_is_saved(office):
    course = CourseFactory()
    response = office.post(f"/manage/courses/{course.pk}/participants/new/",
                           {"full_name": "Samira", "phone": "abc", "preferred_language": "ar"})  # fmt: skip
    assert response.status_code == 200
    assert b'id="id_phone_error"' in response.content
    assert not get_user_model().objects.filter(full_name="Samira").exists()


def test_the_office_books_an_existing_learner_and_a_closed_course_says_so(office):
    course = CourseFactory()
    person = UserFactory(roles=[LEARNER])
    response = office.post(f"/manage/courses/{course.pk}/book/", {"learner": person.pk},
                           follow=True)  # fmt: skip
    assert f"{person.get_full_name()} has a place in the course." in response.content.decode()
    booking = person.bookings.get()
    assert booking.booked_by is not None
    assert booking.status == BookingStatus.CONFIRMED

    course_services.cancel_course(course=course, by=booking.booked_by)
    again = office.post(f"/manage/courses/{course.pk}/book/", {"learner": UserFactory(
        roles=[LEARNER]).pk})  # fmt: skip
    assert again.status_code == 200
    assert b"This course cannot be booked (any more)." in again.content


# --- Every place that reads an address ---------------------------------------------------------


def test_exports_admin_and_calendars_cope_without_an_address(client, coordinator):
    person = samira()
    course = CourseFactory()
    booking = course_services.book_course(course=course, learner=person, children_ages=[])
    assert booking.status == BookingStatus.CONFIRMED
    client.force_login(coordinator)

    export = client.get("/dashboard/exports/course_participants.csv", {"course": course.pk})
    assert export.status_code == 200
    text = export.content.decode("utf-8-sig")
    assert "Samira Haddad" in text and "None" not in text

    assert client.get("/admin/accounts/user/", {"q": "Haddad"}).status_code == 200
    assert client.get(f"/admin/accounts/user/{person.pk}/change/").status_code == 200

    from calendars.selectors import booking_event

    event = booking_event(booking)
    assert event.attendees == ()


def test_the_office_accepts_an_offered_place_for_a_caller(office):
    course = CourseFactory(seats=1)
    holder = UserFactory(roles=[LEARNER])
    held = course_services.book_course(course=course, learner=holder, children_ages=[])
    person = samira()
    waiting = course_services.book_course(course=course, learner=person, children_ages=[])
    course_services.cancel_booking(booking=held, by=holder)
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.OFFERED
    page = office.get(f"/manage/courses/{course.pk}/").content.decode()
    assert f"/manage/bookings/{waiting.pk}/accept/" in page

    response = office.post(f"/manage/bookings/{waiting.pk}/accept/", follow=True)

    assert "The place of Samira Haddad is confirmed." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.CONFIRMED
    again = office.post(f"/manage/bookings/{waiting.pk}/accept/", follow=True)
    assert "There is no open offer for this booking." in again.content.decode()
