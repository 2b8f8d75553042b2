"""Pages, API answers and feeds go gzip-compressed to clients that accept it,
and compression does not break a calendar's cheap revalidation (ETag → 304)."""

import gzip

import pytest
from django.test import Client

from calendars import services as calendar_services

from ..calendars.conftest import book, spring_course
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_pages_are_compressed_for_clients_that_accept_gzip():
    response = Client().get("/courses/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content)
    assert b"</html>" in html and len(response.content) < len(html) / 2


def test_clients_without_gzip_get_plain_text():
    response = Client().get("/courses/")
    assert "Content-Encoding" not in response
    assert b"</html>" in response.content


def test_a_compressed_feed_still_revalidates_with_its_weak_etag():
    learner = UserFactory(roles=["learner"])
    book(spring_course(), learner)
    url = f"/calendars/{calendar_services.feed_token(learner)}.ics"
    first = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip"
    assert first["ETag"].startswith('W/"')  # the compressed body is a different byte string
    again = Client().get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
