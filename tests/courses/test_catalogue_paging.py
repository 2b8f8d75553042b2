"""The catalogue takes its page first and reads bookings for that page only: a
page costs the same queries for 3 courses and for 30 (API and search page),
and what it shows — which courses, in which order, how far, how many places
left — is what the one-query rule gave (``with_availability`` over everything)."""

import pytest

from courses import selectors, services
from courses.constants import BookingStatus
from courses.models import Booking, Course
from places.models import Municipality
from places.selectors import municipalities_within

from ..factories import CourseFactory, ProviderFactory, UserFactory, VenueFactory, municipality

pytestmark = pytest.mark.django_db

PLACES = ["Bad Rappenau", "Offenau", "Eppingen", "Neckarsulm", "Wüstenrot", "Bad Wimpfen"]


def make_courses(count: int, learners) -> list[Course]:
    """Courses in several towns, with bookings of every kind, some full."""
    courses = []
    for index in range(count):
        course = CourseFactory(municipality=municipality(PLACES[index % len(PLACES)]), seats=2)
        for learner in learners[: index % 4]:
            services.book_course(
                course=course, learner=learner, children_ages=[2] if index % 2 else [],
                confirm_overlap=True,
            )  # fmt: skip
        courses.append(course)
    return courses


@pytest.fixture
def learners(db):
    return [UserFactory(roles=["learner"]) for _ in range(3)]


def _queries(client, url, django_assert_max_num_queries, limit=20) -> int:
    client.get(url)  # what a client caches once (its roles) is not the page's cost
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/courses/?near={near}&radius_km=20",
        "/api/v1/courses/?near={near}&radius_km=20&page_size=100",
        "/api/v1/courses/",
        "/courses/?near={near}&radius_km=20",
        "/courses/",
    ],
)
def test_a_page_costs_the_same_queries_for_3_and_30_courses(
    url, as_user, learners, django_assert_max_num_queries, django_assert_num_queries
):
    url = url.format(near=municipality("Bad Rappenau").pk)
    client = as_user(learners[0])
    if url.startswith("/courses/"):
        client.force_login(learners[0])  # the page signs in by session, the API by token
    make_courses(3, learners)
    few = _queries(client, url, django_assert_max_num_queries)
    make_courses(27, learners)
    client.get(url)
    with django_assert_num_queries(few):
        response = client.get(url)
    assert response.status_code == 200


def _old_rule(user, near: Municipality, radius_km: float):
    """The catalogue as one queryset did it before: aggregate everything, then page."""
    queryset = selectors.within_reach(selectors.catalogue(user), near, radius_km)
    return selectors.with_availability(queryset, user)


FIELDS = ("pk", "distance_km", "seats_left", "childcare_places_left", "waitlist_length",
          "my_booking_status")  # fmt: skip


def test_the_pages_show_what_one_aggregating_query_showed(learners):
    make_courses(14, learners)
    course = Course.objects.order_by("pk").first()
    Booking.objects.filter(course=course).update(status=BookingStatus.CANCELLED)
    near = municipality("Bad Rappenau")
    viewer = learners[1]
    expected = [
        tuple(getattr(c, name, None) for name in FIELDS) for c in _old_rule(viewer, near, 60)
    ]
    listing = selectors.search_courses(viewer, near=near, radius_km=60)
    assert listing.count() == len(expected)
    paged = [c for start in range(0, len(expected), 4) for c in listing[start : start + 4]]
    assert [tuple(getattr(c, name, None) for name in FIELDS) for c in paged] == expected
    assert [d for _, d, *_ in expected] == sorted(d for _, d, *_ in expected)
    assert {status for *_, status in expected} >= {None, BookingStatus.CONFIRMED}


def test_the_distance_rule_is_unchanged():
    """Every course within the radius and no other, each with its town's distance."""
    for place in PLACES:
        CourseFactory(municipality=municipality(place))
    near = municipality("Bad Rappenau")
    distances = municipalities_within(near, 15)
    found = list(selectors.search_courses(UserFactory(), near=near, radius_km=15)[:100])
    assert {c.municipality_id for c in found} == {
        c.municipality_id for c in Course.objects.all() if c.municipality_id in distances
    }
    assert all(c.distance_km == distances[c.municipality_id] for c in found)


@pytest.mark.parametrize("viewer", ["anonymous", "learner"])
def test_the_page_statement_gives_what_with_availability_gives(
    viewer, learners, django_assert_num_queries
):
    """``availability_of`` runs ``with_availability``'s statement compiled once:
    the same courses, related rows and annotations, for every page size."""
    from django.contrib.auth.models import AnonymousUser

    make_courses(8, learners)
    CourseFactory(venue=VenueFactory(), provider=ProviderFactory())
    user = AnonymousUser() if viewer == "anonymous" else learners[1]
    ids = list(Course.objects.order_by("-pk").values_list("pk", flat=True))
    names = (*FIELDS, "viewer_is_participant", "title", "weekdays", "helper_languages",
             "starts_on", "start_time", "provider_id")  # fmt: skip

    def shown(course):
        venue = course.venue
        related = (getattr(course.provider, "name", None), course.municipality.name,
                   venue and venue.name, venue and venue.municipality.name)  # fmt: skip
        return tuple(getattr(course, name, None) for name in names) + related

    for size in (1, 4, 9, 4):  # 4 again: the statement compiled before
        page = ids[:size]
        expected = selectors.with_availability(Course.objects.filter(pk__in=page), user)
        expected = sorted(map(shown, expected))
        got = selectors.availability_of(page, user)
        with django_assert_num_queries(0):  # every related row came with the courses
            assert sorted(map(shown, got)) == expected
    assert selectors.availability_of([], user) == []


def test_a_listing_page_costs_three_statements(learners, django_assert_num_queries):
    """The count, the page's ids, the page's courses with their availability."""
    make_courses(12, learners)
    listing = selectors.search_courses(learners[0], near=municipality("Bad Rappenau"), radius_km=60)
    with django_assert_num_queries(3):
        assert listing.count() == 12
        assert len(listing[4:8]) == 4
