"""The course catalogue: creating courses, searching and filtering, what is shown to whom."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.constants import Format, Level
from courses.models import Course, CourseSession
from courses.schedule import session_dates

from ..factories import CourseFactory, municipality

pytestmark = pytest.mark.django_db


def contract_payload(**overrides):
    """Exactly the fields the issue names for POST /api/v1/courses/."""
    start = timezone.localdate() + dt.timedelta(days=10)
    payload = {
        "title": "Deutsch A2 mit Kinderbetreuung",
        "level": "A2",
        "format": "in_person",
        "municipality": municipality("Eppingen").pk,
        "seats": 12,
        "childcare_places": 4,
        "childcare_min_age": 1,
        "childcare_max_age": 6,
        "starts_on": start.isoformat(),
        "ends_on": (start + dt.timedelta(weeks=8)).isoformat(),
        "weekdays": [1, 3],
        "start_time": "09:00",
        "end_time": "11:30",
    }
    payload.update(overrides)
    return payload


def test_coordinator_creates_a_course_with_the_contract_fields_and_gets_its_sessions(
    as_user, coordinator
):
    response = as_user(coordinator).post("/api/v1/courses/", contract_payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["seats_left"] == 12
    assert body["childcare_places_left"] == 4
    assert body["waitlist_length"] == 0
    assert body["status"] == "published"
    course = Course.objects.get(pk=body["id"])
    # 8 weeks x Tuesday and Thursday; a public holiday among them is skipped.
    assert course.sessions.count() + course.skipped_dates.count() == 16
    weekdays = {s.date.weekday() for s in course.sessions.all()}
    assert weekdays == {1, 3}


def test_invalid_course_is_refused_with_field_messages_in_the_users_language(as_user, coordinator):
    coordinator.preferred_language = "de"
    coordinator.save()
    payload = contract_payload(end_time="08:00", weekdays=[9], childcare_max_age=0)
    response = as_user(coordinator).post("/api/v1/courses/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "weekdays" in error["fields"]
    assert not Course.objects.exists()


def test_model_rules_are_reported_per_field(as_user, coordinator):
    coordinator.preferred_language = "en"
    coordinator.save()
    payload = contract_payload(end_time="08:00", childcare_max_age=0)
    response = as_user(coordinator).post("/api/v1/courses/", payload, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "end_time" in fields
    assert "childcare_max_age" in fields
    assert not Course.objects.exists()


def test_online_course_has_no_municipality(as_user, coordinator):
    payload = contract_payload(format="online", childcare_places=0, childcare_min_age=None,
                               childcare_max_age=None)  # fmt: skip
    response = as_user(coordinator).post("/api/v1/courses/", payload, format="json")
    assert response.status_code == 400
    assert "municipality" in response.json()["error"]["fields"]
    payload["municipality"] = None
    assert as_user(coordinator).post("/api/v1/courses/", payload, format="json").status_code == 201


def test_exception_dates_leave_out_sessions():
    start = dt.date(2026, 12, 21)  # a Monday
    dates = session_dates(start, dt.date(2027, 1, 15), [0, 2], [dt.date(2026, 12, 23),
                          dt.date(2026, 12, 28), dt.date(2026, 12, 30)])  # fmt: skip
    assert dt.date(2026, 12, 21) in dates
    assert dt.date(2026, 12, 23) not in dates
    assert dt.date(2026, 12, 28) not in dates
    assert dates[-1] == dt.date(2027, 1, 13)
    assert all(d.weekday() in (0, 2) for d in dates)


def test_course_created_with_exception_dates_skips_them():
    start = dt.date(2026, 12, 21)
    course = CourseFactory(starts_on=start, ends_on=dt.date(2027, 1, 15),
                           exception_dates=[dt.date(2026, 12, 23)])  # fmt: skip
    assert not CourseSession.objects.filter(course=course, date=dt.date(2026, 12, 23)).exists()
    assert CourseSession.objects.filter(course=course, date=dt.date(2026, 12, 21)).exists()


def ids(response):
    assert response.status_code == 200, response.json()
    return {item["id"] for item in response.json()["results"]}


def test_filters_by_level_format_municipality_childcare_and_weekday(api):
    a1_rappenau = CourseFactory(level=Level.A1, weekdays=[0])
    b1_eppingen = CourseFactory(level=Level.B1, municipality=municipality("Eppingen"),
                                childcare_places=0, childcare_min_age=None,
                                childcare_max_age=None, weekdays=[3])  # fmt: skip
    online_b2 = CourseFactory(level=Level.B2, format=Format.ONLINE, municipality=None,
                              childcare_places=0, childcare_min_age=None,
                              childcare_max_age=None, weekdays=[0])  # fmt: skip
    assert ids(api.get("/api/v1/courses/?level=A1")) == {a1_rappenau.pk}
    assert ids(api.get("/api/v1/courses/?format=online")) == {online_b2.pk}
    eppingen = municipality("Eppingen").pk
    assert ids(api.get(f"/api/v1/courses/?municipality={eppingen}")) == {b1_eppingen.pk}
    assert ids(api.get("/api/v1/courses/?childcare=true")) == {a1_rappenau.pk}
    assert ids(api.get("/api/v1/courses/?weekday=3")) == {b1_eppingen.pk}
    assert ids(api.get("/api/v1/courses/?weekday=0")) == {a1_rappenau.pk, online_b2.pk}


def test_near_filter_keeps_courses_within_the_radius_ordered_by_distance(api):
    offenau = CourseFactory(municipality=municipality("Offenau"))
    rappenau = CourseFactory(municipality=municipality("Bad Rappenau"))
    wuestenrot = CourseFactory(municipality=municipality("Wüstenrot"))
    origin = municipality("Bad Rappenau").pk
    response = api.get(f"/api/v1/courses/?near={origin}&radius_km=15")
    results = response.json()["results"]
    assert [r["id"] for r in results] == [rappenau.pk, offenau.pk]
    assert results[0]["distance_km"] == 0.0
    assert 0 < results[1]["distance_km"] <= 15
    assert wuestenrot.pk not in ids(api.get(f"/api/v1/courses/?near={origin}&radius_km=15"))
    assert wuestenrot.pk in ids(api.get(f"/api/v1/courses/?near={origin}&radius_km=60"))


def test_near_filter_with_unknown_place_or_bad_radius_is_a_400(api):
    response = api.get("/api/v1/courses/?near=999999&radius_km=abc")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"near", "radius_km"}


def test_online_meeting_link_is_shown_only_to_confirmed_participants(as_user, learner,
                                                                     other_learner, coordinator):  # fmt: skip
    course = CourseFactory(format=Format.ONLINE, municipality=None, childcare_places=0,
                           childcare_min_age=None, childcare_max_age=None,
                           online_meeting_link="https://meet.example.org/abc")  # fmt: skip
    as_user(learner).post(f"/api/v1/courses/{course.pk}/bookings/", {}, format="json")
    url = f"/api/v1/courses/{course.pk}/"
    assert as_user(learner).get(url).json()["online_meeting_link"] == "https://meet.example.org/abc"
    assert as_user(other_learner).get(url).json()["online_meeting_link"] is None
    assert as_user(None).get(url).json()["online_meeting_link"] is None
    assert as_user(coordinator).get(url).json()["online_meeting_link"] is not None


def test_course_list_runs_a_constant_number_of_queries(as_user, learner,
                                                       django_assert_max_num_queries):  # fmt: skip
    for _ in range(3):
        CourseFactory()
    client = as_user(learner)
    with django_assert_max_num_queries(6) as small:
        client.get("/api/v1/courses/?page_size=100")
    baseline = len(small.captured_queries)
    for _ in range(12):
        CourseFactory(municipality=municipality("Eppingen"))
    with django_assert_max_num_queries(baseline):
        response = client.get("/api/v1/courses/?page_size=100")
    assert response.json()["count"] == 15


def test_booking_list_runs_a_constant_number_of_queries(as_user, learner,
                                                        django_assert_max_num_queries):  # fmt: skip
    client = as_user(learner)
    both = {"confirm_overlap": True}  # the courses meet at the same time
    for _ in range(2):
        client.post(f"/api/v1/courses/{CourseFactory().pk}/bookings/", both, format="json")
    with django_assert_max_num_queries(6) as small:
        client.get("/api/v1/bookings/")
    baseline = len(small.captured_queries)
    for _ in range(8):
        client.post(f"/api/v1/courses/{CourseFactory(seats=1).pk}/bookings/", both, format="json")
    with django_assert_max_num_queries(baseline):
        response = client.get("/api/v1/bookings/?page_size=100")
    assert response.json()["count"] == 10


def test_municipalities_endpoint_lists_the_whole_district(api):
    response = api.get("/api/v1/municipalities/")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 46
    assert set(rows[0]) == {"id", "name", "region", "latitude", "longitude"}
    assert {r["region"] for r in rows} == {"NE", "NW", "SW", "SE"}
    names = {r["name"] for r in rows}
    assert {"Bad Rappenau", "Eppingen", "Neckarsulm", "Wüstenrot"} <= names


def test_the_api_catalogue_leaves_out_ended_courses_as_the_search_page_does(
    api, as_user, coordinator
):
    running = CourseFactory()
    ended = CourseFactory()
    Course.objects.filter(pk=ended.pk).update(
        starts_on=timezone.localdate() - dt.timedelta(days=60),
        ends_on=timezone.localdate() - dt.timedelta(days=1),
    )
    assert ids(api.get("/api/v1/courses/")) == {running.pk}
    assert api.get(f"/api/v1/courses/{ended.pk}/").status_code == 200  # still to be looked up
    assert ids(as_user(coordinator).get("/api/v1/courses/")) == {running.pk, ended.pk}


def test_a_bad_filter_next_to_a_search_around_a_place_is_a_400(api):
    """The filter set runs whenever one of its parameters is there (the list
    skips it only when none is), so a bad one is still refused by name."""
    origin = municipality("Bad Rappenau").pk
    for bad in ("weekday=9", "level=Z9", "starts_after=yesterday", "status=gone"):
        response = api.get(f"/api/v1/courses/?near={origin}&radius_km=20&{bad}")
        assert response.status_code == 400, bad
        assert set(response.json()["error"]["fields"]) == {bad.split("=")[0]}


@pytest.mark.parametrize("viewer", ["anonymous", "learner", "coordinator"])
def test_a_course_reads_as_drf_reads_it(viewer, learner, coordinator, monkeypatch):
    """``CourseSerializer`` reads its fields once-made readers; every answer is
    what DRF's own field-by-field path gives, for every kind of course."""
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.test import APIRequestFactory

    from courses import api, selectors, services

    from ..factories import ProviderFactory, VenueFactory

    user = {"anonymous": AnonymousUser(), "learner": learner, "coordinator": coordinator}[viewer]
    today = timezone.localdate()
    CourseFactory(format=Format.HYBRID, venue=VenueFactory(accessibility_notes='Stufe <1> & "Rampe"'),
                  provider=ProviderFactory(), registration_deadline=today,
                  exception_dates=[str(today + dt.timedelta(days=14))],
                  online_meeting_link="https://example.invalid/room")  # fmt: skip
    CourseFactory(format=Format.ONLINE, municipality=None, childcare_places=0,
                  childcare_min_age=None, childcare_max_age=None, helper_languages=[])  # fmt: skip
    booked = CourseFactory(municipality=municipality("Eppingen"))
    services.book_course(course=booked, learner=learner, children_ages=[])
    request = APIRequestFactory().get("/api/v1/courses/")
    request.user = user
    near = selectors.within_reach(Course.objects.all(), municipality("Bad Rappenau"), 60)
    for queryset in (selectors.with_availability(Course.objects.all(), user),  # no distance
                     selectors.with_availability(near, user)):  # fmt: skip
        courses = list(queryset)
        fast = api.CourseSerializer(courses, many=True, context={"request": request}).data
        with monkeypatch.context() as patch:
            patch.setattr(api, "_readers", the_usual_way)
            drf = api.CourseSerializer(courses, many=True, context={"request": request}).data
        assert [list(c) for c in fast] == [list(c) for c in drf]  # the same fields in order
        assert fast == drf
    written_only = {"translations"}  # taken on writing, never answered
    readable = [name for name in api.CourseSerializer.Meta.fields if name not in written_only]
    assert [name for name, _ in api._readers(api.CourseSerializer)] == readable


def the_usual_way(_serializer_class):
    from courses.api import _ReadTheUsualWay

    raise _ReadTheUsualWay


def test_a_booking_reads_as_drf_reads_it(learner, other_learner, monkeypatch):
    """``BookingSerializer`` reads its fields with once-made readers too (a
    booking's answer in a rush); every answer is what DRF's own path gives:
    confirmed with children, waiting with a position, cancelled, offered."""
    from courses import api, selectors, services

    course = CourseFactory(seats=1, childcare_places=2)
    confirmed = services.book_course(course=course, learner=learner, children_ages=[2, 4])
    waiting = services.book_course(course=course, learner=other_learner, children_ages=[])
    third = services.book_course(
        course=CourseFactory(), learner=other_learner, children_ages=[], confirm_overlap=True
    )
    services.cancel_booking(booking=third, by=other_learner)
    bookings = [confirmed, waiting, *selectors.visible_bookings(other_learner)]
    fast = api.BookingSerializer(bookings, many=True).data
    with monkeypatch.context() as patch:
        patch.setattr(api, "_readers", the_usual_way)
        drf = api.BookingSerializer(bookings, many=True).data
    assert [list(b) for b in fast] == [list(b) for b in drf]
    assert fast == drf
    assert fast[0]["children_ages"] == [2, 4] and fast[1]["waitlist_position"] == 1
    assert len(api._readers(api.BookingSerializer)) == len(api.BookingSerializer.Meta.fields)
