"""``GET /api/v1/courses/{id}/sessions/`` is paginated like every list."""

import pytest

from ..factories import CourseFactory

pytestmark = pytest.mark.django_db


def test_sessions_come_in_pages_in_date_order(api):
    course = CourseFactory()  # ten weeks, twice a week: about 20 sessions
    total = course.sessions.count()
    first = api.get(f"/api/v1/courses/{course.pk}/sessions/", {"page_size": 5}).json()
    assert first["count"] == total and len(first["results"]) == 5 and first["next"]
    everything = api.get(f"/api/v1/courses/{course.pk}/sessions/", {"page_size": 100}).json()
    dates = [s["date"] for s in everything["results"]]
    assert len(dates) == total and dates == sorted(dates)
    assert everything["next"] is None


def test_the_page_size_is_capped(api):
    course = CourseFactory()
    response = api.get(f"/api/v1/courses/{course.pk}/sessions/", {"page_size": 10_000})
    assert response.status_code == 200
    assert len(response.json()["results"]) <= 100


def test_a_page_beyond_the_last_is_404_in_the_error_shape(api):
    course = CourseFactory()
    response = api.get(f"/api/v1/courses/{course.pk}/sessions/", {"page": 999})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
