"""A search's count and page of ids are kept per process under the catalogue's
version (``selectors.Listing``, migration ``courses.0009``): a search again
asks the database for the version and the page's availability only, and any
committed change of a course — saved, updated in bulk, deleted, created, its
sessions moved — shows in the next search. What is free is never kept.

PostgreSQL only (SQLite keeps nothing), in real transactions: the version is
raised at the commit."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from courses import selectors, services
from courses.constants import CourseStatus
from courses.models import Course

from ..factories import CourseFactory, UserFactory, municipality

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/courses/?near={near}&radius_km=20"


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL keeps a catalogue version")


def _search(client, near):
    """The ids and places left the API lists, and the statements it sent."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL.format(near=near.pk))
    assert response.status_code == 200, response.content
    body = response.json()
    listed = [(row["id"], row["seats_left"]) for row in body["results"]]
    return body["count"], listed, [query["sql"] for query in captured.captured_queries]


def _reads_the_list(statements) -> bool:
    return any('COUNT(*) AS "__count" FROM "courses_course"' in sql for sql in statements)


def test_a_search_again_reads_only_the_version_and_the_page(as_user):
    near = municipality("Bad Rappenau")
    courses = [CourseFactory(municipality=near, seats=3) for _ in range(3)]
    client = as_user(UserFactory(roles=["learner"]))
    first = _search(client, near)
    again = _search(client, near)
    assert first[:2] == again[:2] == (3, [(course.pk, 3) for course in courses])
    assert _reads_the_list(first[2]) and not _reads_the_list(again[2])
    # The towns, the catalogue's version and the page's availability: nothing else.
    assert len(again[2]) == 3 and "courses_catalogue_version" in again[2][1]
    # What is free is read every time: a booking is no change of the catalogue.
    services.book_course(
        course=courses[0], learner=UserFactory(roles=["learner"]), children_ages=[]
    )
    _count, listed, statements = _search(client, near)
    assert not _reads_the_list(statements)
    assert listed == [(courses[0].pk, 2), (courses[1].pk, 3), (courses[2].pk, 3)]


@pytest.mark.parametrize(
    "change",
    ["saved", "updated in bulk", "deleted", "created", "session moved", "truncated"],
)
def test_every_committed_change_of_a_course_shows_in_the_next_search(as_user, change):
    near = municipality("Bad Rappenau")
    courses = [CourseFactory(municipality=near) for _ in range(3)]
    client = as_user(UserFactory(roles=["learner"]))
    before = _search(client, near)
    assert before[0] == 3 and not _reads_the_list(_search(client, near)[2])  # kept
    expected = [course.pk for course in courses]
    if change == "saved":
        courses[0].status = CourseStatus.DRAFT
        courses[0].save()
        expected = expected[1:]
    elif change == "updated in bulk":
        Course.objects.filter(pk=courses[1].pk).update(status=CourseStatus.DRAFT)
        expected = [expected[0], expected[2]]
    elif change == "deleted":
        Course.objects.filter(pk=courses[2].pk).delete()
        expected = expected[:2]
    elif change == "created":
        expected.append(CourseFactory(municipality=near).pk)
    elif change == "session moved":
        session = courses[0].sessions.order_by("date").first()
        services.move_session(
            session=session, to_date=session.date, start_time=session.start_time,
            end_time=session.end_time, note="Raum 3",
        )  # fmt: skip
    elif change == "truncated":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE courses_course CASCADE")
        expected = []
    count, listed, statements = _search(client, near)
    assert _reads_the_list(statements)
    assert count == len(expected)
    assert [pk for pk, _left in listed] == sorted(
        expected, key=lambda pk: (Course.objects.get(pk=pk).starts_on, pk)
    )


def test_inside_a_transaction_nothing_is_kept(as_user):
    near = municipality("Bad Rappenau")
    CourseFactory(municipality=near)
    learner = UserFactory(roles=["learner"])
    _search(as_user(learner), near)
    with transaction.atomic():
        added = CourseFactory(municipality=near)  # not committed: no new version yet
        assert selectors.catalogue_version() is None
        listing = selectors.search_courses(learner, near=near, radius_km=20)
        assert added.pk in [course.pk for course in listing[0:20]]
        assert listing.count() == 2


def test_a_search_that_cannot_match_asks_nothing_and_answers(as_user, client):
    """A list that is ``none()`` (an invalid search on the page, no town within
    reach) has no statement to keep it under."""
    near = municipality("Bad Rappenau")
    CourseFactory(municipality=near)
    assert client.get("/courses/", {"near": "x"}).status_code == 200
    assert client.get("/courses/", {"near": near.pk, "radius_km": 1}).status_code == 200
    listing = selectors.Listing(Course.objects.none(), UserFactory(roles=["learner"]))
    assert listing.count() == 0 and listing[0:20] == []
