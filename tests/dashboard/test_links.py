"""The dashboard's numbers lead somewhere: every course, waiting list, open or
unmatched coaching request and failed notification links to the page where a
coordinator acts on it — and each link answers 200 there (with its anchor)."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from notifications.constants import Status
from notifications.models import Notification

from .test_views import PERIOD, failed_email

pytestmark = pytest.mark.django_db


def figures(html: str) -> list[str]:
    """The overview's figure cards."""
    return re.findall(r'<li class="figure"[^>]*>(.*?)</li>', html, re.DOTALL)


def column(html: str, table_id: str, index: int) -> list[str]:
    """The cells at ``index`` (th and td counted together) of a table's body rows."""
    body = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', html, re.DOTALL)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.DOTALL)
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.DOTALL)[index] for row in rows]


def hrefs(fragment: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'<a [^>]*href="([^"]+)"', fragment)]


@pytest.fixture
def coordinator_client(small):
    client = Client()
    client.force_login(small.coordinator)
    return client


def test_every_course_and_waiting_list_links_to_the_course_page_and_its_waiting_list(
    coordinator_client, small
):
    html = coordinator_client.get(f"/dashboard/?{PERIOD}").content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", re.search(
        r'<table id="courses-table">(.*?)</table>', html, re.DOTALL).group(1), re.DOTALL)  # fmt: skip
    links = {tuple(re.findall(r'href="([^"]+)"', row)) for row in rows if "<td" in row}
    assert links == {
        (f"/manage/courses/{course.pk}/", f"/manage/courses/{course.pk}/#waiting-list")
        for course in (small.nw_course, small.ne_course)
    }


def test_each_figure_and_count_on_the_dashboard_is_a_link_that_answers_200(
    coordinator_client, small
):
    failed_email(small.learners[0])
    html = coordinator_client.get(f"/dashboard/?{PERIOD}").content.decode()
    cards = figures(html)
    # The overview's six cards, the call list's and the three of attendance.
    assert len(cards) == 10 and all(len(hrefs(card)) == 1 for card in cards), cards
    # (table, column) of every count of courses, waiting lists and coaching requests.
    counted = [
        ("courses-table", 0),  # the course
        ("courses-table", 7),  # its waiting list
        ("regions-table", 5),  # waiting lists per region
        ("requests-table", 1),  # open requests per programme
        ("reasons-table", 1),  # unmatched requests per reason
    ]
    links = [href for card in cards for href in hrefs(card)]
    for table, index in counted:
        cells = column(html, table, index)
        assert cells and all(len(hrefs(cell)) == 1 for cell in cells), (table, index, cells)
        links += [href for cell in cells for href in hrefs(cell)]
    assert "/dashboard/notifications/failed/" in links
    assert "/manage/coaching/#open-requests" in links
    assert f"/manage/courses/{small.nw_course.pk}/#waiting-list" in links
    for href in sorted(set(links)):
        path, _, anchor = href.partition("#")
        response = coordinator_client.get(path or f"/dashboard/?{PERIOD}")
        assert response.status_code == 200, href
        if anchor:
            assert f'id="{anchor}"' in response.content.decode(), href


def test_the_waiting_list_figure_of_each_region_leads_to_its_published_courses(
    coordinator_client, small
):
    html = coordinator_client.get(f"/dashboard/?{PERIOD}").content.decode()
    region = re.search(r'<tr data-region="NW">(.*?)</tr>', html, re.DOTALL).group(1)
    assert 'href="/manage/courses/?status=published&amp;region=NW"' in region
    listing = coordinator_client.get("/manage/courses/?status=published&region=NW")
    assert small.nw_course.title in listing.content.decode()
    assert small.ne_course.title not in listing.content.decode()


def test_failed_notifications_page_lists_them_and_sends_one_again(
    coordinator_client, small, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    failed = [failed_email(small.learners[i], key=f"failed-{i}") for i in range(3)]
    Notification.objects.filter(pk=failed[0].pk).update(status=Status.SENT)
    page = coordinator_client.get("/dashboard/notifications/failed/").content.decode()
    assert f'id="notification-{failed[0].pk}"' not in page
    assert all(f'id="notification-{n.pk}"' in page for n in failed[1:])
    assert "2 notifications could not be delivered" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(
            f"/dashboard/notifications/{failed[1].pk}/retry/",
            {"next": "/dashboard/notifications/failed/"},
        )
    assert response["Location"] == "/dashboard/notifications/failed/"
    failed[1].refresh_from_db()
    assert failed[1].status == Status.SENT
    page = coordinator_client.get("/dashboard/notifications/failed/").content.decode()
    assert f'id="notification-{failed[1].pk}"' not in page


def test_failed_notifications_page_costs_the_same_queries_for_2_and_12_rows(
    coordinator_client, small
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert coordinator_client.get("/dashboard/notifications/failed/").status_code == 200
        return len(captured)

    for i in range(2):
        failed_email(small.learners[i % 4], key=f"few-{i}")
    few = queries()
    for i in range(10):
        failed_email(small.learners[i % 4], key=f"many-{i}")
    assert queries() == few
