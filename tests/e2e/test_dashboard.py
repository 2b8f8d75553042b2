"""The coordinator dashboard and exports in a real browser: charts render as
images under the strict CSP, the region filter works (htmx), a CSV downloads,
and axe finds nothing serious. Phone width, plus one wide screenshot."""

import csv
import io

import pytest

from accounts.roles import COORDINATOR, LEARNER
from coaching.models import CoachingRequest, MatchingRun, UnmatchedRequest
from courses import services

from ..factories import CourseFactory, UserFactory, make_coach, municipality
from .conftest import serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}


@pytest.fixture
def coordinator_world():
    nw = CourseFactory(title="Deutsch NW", municipality=municipality("Bad Rappenau"), seats=2)
    ne = CourseFactory(title="Deutsch NE", municipality=municipality("Möckmühl"), seats=5)
    for course, learners in ((nw, 3), (ne, 1)):
        for _ in range(learners):
            services.book_course(
                course=course, learner=UserFactory(roles=[LEARNER]), children_ages=[]
            )
    # A coach, and an open request the latest matching run could not match.
    make_coach(name="Coach Eins", municipality=municipality("Möckmühl"))
    learner = UserFactory(roles=[LEARNER])
    request = CoachingRequest.objects.create(
        learner=learner, created_by=learner, programme="jobcoaching", languages=["ti"],
        municipality=municipality("Möckmühl"),
    )  # fmt: skip
    UnmatchedRequest.objects.create(
        run=MatchingRun.objects.create(), request=request,
        reasons=[{"code": "no_common_language", "count": 1, "facts": {"languages": ["ti"]}}],
    )  # fmt: skip
    return UserFactory(roles=[COORDINATOR])


def chart_widths(page) -> list[int]:
    return page.eval_on_selector_all(".chart img", "images => images.map(i => i.naturalWidth)")


def test_coordinator_reads_the_dashboard_and_filters_by_region(
    page, sign_in, screenshot, coordinator_world
):
    sign_in(coordinator_world)
    page.goto("/dashboard/?period=next90")
    assert page.locator("h1").count() == 1
    widths = chart_widths(page)
    assert len(widths) == 4 and all(width > 0 for width in widths), widths
    assert page.locator('#regions-table tr[data-region="NW"] td').nth(2).inner_text() == "2"
    assert page.locator('#regions-table tr[data-region="NE"]').count() == 1
    reason = page.locator('#reasons-table tr[data-reason="no_common_language"] td')
    assert reason.inner_text() == "1"
    screenshot("coordinator-dashboard")
    assert serious_accessibility_violations(page) == []

    status_before = page.locator("#dashboard-status").inner_text()
    page.select_option("#id_region", "NE")
    with page.expect_response(lambda r: "region=NE" in r.url):
        page.click(".dashboard-filters button[type=submit]")
    page.wait_for_selector('#regions-table tr[data-region="NW"]', state="detached")
    assert "region=NE" in page.url  # htmx pushed the filtered address
    # The status line (a live region) now names the region.
    assert page.locator("#dashboard-status").inner_text() != status_before
    assert page.locator("#regions-table tbody tr").count() == 1
    assert page.locator('#regions-table tr[data-region="NE"] td').nth(1).inner_text() == "5"
    assert "Deutsch NW" not in page.locator("#courses-table").inner_text()
    widths = chart_widths(page)
    assert len(widths) == 4 and all(width > 0 for width in widths), widths

    page.set_viewport_size(WIDE)
    page.goto("/dashboard/?period=next90")
    assert all(width > 0 for width in chart_widths(page))
    screenshot("coordinator-dashboard-wide")


def test_coordinator_downloads_a_csv_export(page, sign_in, screenshot, coordinator_world):
    sign_in(coordinator_world)
    page.goto("/dashboard/exports/")
    screenshot("coordinator-exports")
    assert serious_accessibility_violations(page) == []
    page.select_option("#id_period", "next90")
    with page.expect_download() as download_info:
        page.click('button[formaction$="/exports/participants.csv"]')
    download = download_info.value
    assert download.suggested_filename.startswith("kurslotse-participants-")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as file:
        _header, *rows = list(csv.reader(io.StringIO(file.read()), delimiter=";"))
    assert {row[1]: row[-1] for row in rows} == {"Deutsch NW": "2", "Deutsch NE": "1"}
