"""The dashboard page and the retry action, through the real views."""

import base64
import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from courses import services
from courses.notifications import Kind
from notifications.constants import Channel, Status
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory, municipality
from .conftest import request_in

pytestmark = pytest.mark.django_db

PERIOD = "period=next90"


@pytest.fixture
def client(small):
    client = Client()
    client.force_login(small.coordinator)
    return client


def cells(html: str, table_id: str, key: str) -> list[str]:
    """The cells of the row marked data-region/-reason/-band="key" in a table."""
    table = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.DOTALL).group(1)
    row = re.search(rf'<tr data-\w+="{key}">(.*?)</tr>', table, re.DOTALL).group(1)
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.DOTALL)
    ]


def failed_email(learner, key="k") -> Notification:
    return Notification.objects.create(
        recipient=learner, kind=Kind.BOOKING_CONFIRMED, channel=Channel.EMAIL,
        status=Status.FAILED, attempts=6, last_error="550 mailbox unavailable",
        idempotency_key=key, payload={"course": "Deutsch"},
    )  # fmt: skip


def test_dashboard_shows_the_figures_per_region(client, small):
    html = client.get(f"/dashboard/?{PERIOD}").content.decode()
    # Region, courses, seats, booked or offered, free, waiting
    assert cells(html, "regions-table", "NW")[1:] == ["1", "2", "2", "0", "1"]
    assert cells(html, "regions-table", "NE")[1:] == ["1", "5", "1", "4", "0"]
    # Region, places, children booked, children waiting, places missing
    assert cells(html, "childcare-table", "NW")[1:] == ["2", "2", "1", "1"]
    assert cells(html, "reasons-table", "no_common_language")[1:] == ["1"]
    assert cells(html, "bands-table", "full")[1:] == ["1"]
    assert "Deutsch NW" in html and "Entwurf" not in html


def test_the_region_filter_changes_the_figures(client, small):
    html = client.get(f"/dashboard/?region=NE&{PERIOD}").content.decode()
    assert cells(html, "regions-table", "NE")[1:] == ["1", "5", "1", "4", "0"]
    assert 'data-region="NW"' not in html
    assert "Deutsch NW" not in html


def test_with_htmx_only_the_body_and_the_status_line_come_back(client, small):
    response = client.get(f"/dashboard/?region=NE&{PERIOD}", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "<h1" not in html
    assert 'id="regions-table"' in html
    assert 'id="dashboard-status"' in html and 'hx-swap-oob="innerHTML"' in html


def test_every_chart_is_an_inert_svg_image_next_to_its_table(client, small):
    html = client.get(f"/dashboard/?{PERIOD}").content.decode()
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', html)
    assert len(images) == 4
    for data, alt in images:
        svg = base64.b64decode(data).decode()
        assert svg.startswith("<svg") and alt
        assert "<script" not in svg
        urls = set(re.findall(r"https?://[^\s\"'<>)]+", svg))
        assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    page_without_images = re.sub(r'src="data:[^"]+"', "", html)
    assert "<style" not in page_without_images and " style=" not in page_without_images
    assert "<script>" not in page_without_images


def test_a_bad_period_shows_a_message_and_the_current_quarter(client, small):
    response = client.get("/dashboard/?period=dates&start=2026-05-01&end=2026-04-01")
    html = response.content.decode()
    assert response.status_code == 200
    assert "The end of the period must not be before its start." in html
    assert "The filter could not be used" in html


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/dashboard/?{PERIOD}").status_code == 200
    return len(captured)


def _grow(n, first=0):
    for i in range(first, first + n):
        course = CourseFactory(title=f"Kurs {i}", municipality=municipality("Eppingen"))
        services.book_course(
            course=course, learner=UserFactory(roles=["learner"]), children_ages=[]
        )
        request_in("Eppingen")
        failed_email(UserFactory(roles=["learner"]), key=f"grow-{i}")


def test_the_page_costs_the_same_queries_for_3_and_20_courses(client, small):
    _grow(1)
    few = _page_queries(client)
    _grow(17, first=1)
    assert _page_queries(client) == few


def test_retry_queues_a_failed_notification_and_it_is_sent(
    client, small, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    failed = failed_email(small.learners[0])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            f"/dashboard/notifications/{failed.pk}/retry/", {"next": f"/dashboard/?{PERIOD}"}
        )
    assert response.status_code == 302 and response["Location"] == f"/dashboard/?{PERIOD}"
    assert len(callbacks) == 1
    failed.refresh_from_db()
    assert failed.status == Status.SENT and failed.attempts == 1 and failed.last_error == ""
    assert [m.to for m in mail.outbox] == [[small.learners[0].email]]


def test_retry_leaves_a_notification_that_did_not_fail_alone(client, small):
    failed = failed_email(small.learners[0])
    Notification.objects.filter(pk=failed.pk).update(status=Status.SENT)
    response = client.post(f"/dashboard/notifications/{failed.pk}/retry/", follow=True)
    assert (
        "Only a notification whose delivery failed can be sent again." in response.content.decode()
    )
    failed.refresh_from_db()
    assert failed.status == Status.SENT and failed.attempts == 6


def test_retry_sends_back_to_the_dashboard_not_to_another_site(client, small):
    failed = failed_email(small.learners[0])
    response = client.post(
        f"/dashboard/notifications/{failed.pk}/retry/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/dashboard/"


def test_failed_notifications_show_kind_recipient_and_error(client, small):
    failed_email(small.learners[0])
    html = client.get("/dashboard/").content.decode()
    assert "550 mailbox unavailable" in html
    assert small.learners[0].email in html
    assert "/dashboard/notifications/" in html


def test_dashboard_answers_vary_by_htmx_so_back_never_shows_a_bare_body(client, small):
    client.force_login(small.coordinator)
    response = client.get("/dashboard/", headers={"HX-Request": "true"})
    assert "HX-Request" in response["Vary"]
