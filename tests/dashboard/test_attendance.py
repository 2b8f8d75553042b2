"""Attendance on the dashboard and in the funders' exports: rates per course,
region and learner (present of all marks, excused apart), the three-absences
flag, and the same number of queries whatever the amount of marks."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import COORDINATOR, LEARNER, TEACHER
from courses import services
from dashboard import selectors
from dashboard.forms import Filters

from ..factories import CourseFactory, UserFactory, municipality
from .test_exports import csv_rows

pytestmark = pytest.mark.django_db

P, A, E = "present", "absent", "excused"


@pytest.fixture
def marked():
    """Two running courses in two regions with marks in their held sessions."""
    today = timezone.localdate()
    teacher = UserFactory(roles=[TEACHER])
    coordinator = UserFactory(roles=[COORDINATOR], preferred_language="en")
    courses, bookings = {}, {}
    for key, town in (("nw", "Bad Rappenau"), ("ne", "Möckmühl")):
        course = CourseFactory(title=f"Kurs {key.upper()}", municipality=municipality(town),
                               starts_on=today - dt.timedelta(days=28),
                               ends_on=today + dt.timedelta(days=28), weekdays=[0, 1, 2, 3, 4])  # fmt: skip
        course.teachers.add(teacher)
        courses[key] = course
        learners = [UserFactory(roles=[LEARNER], full_name=f"Lerner {key} {i}") for i in range(2)]
        bookings[key] = [
            services.book_course(course=course, learner=learner, children_ages=[])
            for learner in learners
        ]
    held = {k: list(c.sessions.filter(date__lt=today).order_by("date")) for k, c in courses.items()}

    def mark(key, index, *statuses):
        services.record_attendance(
            session=held[key][index], by=teacher,
            entries=[{"booking": b.pk, "status": s} for b, s in zip(bookings[key], statuses,
                                                                     strict=True)],
        )  # fmt: skip

    # NW: learner 0 absent three times in a row (flagged), learner 1 present, once excused.
    mark("nw", 0, P, P)
    mark("nw", 1, A, E)
    mark("nw", 2, A, P)
    mark("nw", 3, A, P)
    # NE: both present once, one absent once.
    mark("ne", 0, P, A)
    return {"today": today, "courses": courses, "bookings": bookings, "mark": mark,
            "coordinator": coordinator, "held": held,
            "period": Filters(start=today - dt.timedelta(days=60), end=today)}  # fmt: skip


def test_rates_per_course_region_and_learner(marked):
    data = selectors.dashboard(marked["period"])
    by_course = {row.pk: row.attendance for row in data.courses}
    nw, ne = marked["courses"]["nw"], marked["courses"]["ne"]
    assert (by_course[nw.pk].present, by_course[nw.pk].absent, by_course[nw.pk].excused) == (
        4,
        3,
        1,
    )
    assert by_course[nw.pk].rate == 50  # 4 of 8 marks
    assert by_course[ne.pk].rate == 50
    regions = {row.region: row.attendance for row in data.regions}
    assert regions["NW"].marked == 8 and regions["NE"].marked == 2
    assert (data.attendance.present, data.attendance.marked) == (5, 10)
    learners = {row.booking_id: row.figures.rate for row in data.learners}
    first_nw, second_nw = marked["bookings"]["nw"]
    assert learners[first_nw.pk] == 25 and learners[second_nw.pk] == 75
    assert data.learners[0].figures.rate == 0  # lowest first: NE's absent learner
    assert [flag.booking_id for flag in data.absences] == [first_nw.pk]


def test_the_region_filter_and_the_period_apply_to_the_rates(marked):
    period = marked["period"]
    ne_only = selectors.dashboard(Filters(start=period.start, end=period.end, region="NE"))
    assert ne_only.attendance.marked == 2 and ne_only.absences == []
    first_day = marked["held"]["nw"][0].date
    one_day = selectors.dashboard(Filters(start=first_day, end=first_day, region="NW"))
    assert (one_day.attendance.present, one_day.attendance.marked) == (2, 2)


def test_the_dashboard_page_shows_rates_and_links_the_flagged_booking(client, marked):
    client.force_login(marked["coordinator"])
    period = marked["period"]
    html = client.get("/dashboard/", {"period": "dates", "start": period.start.isoformat(),
                                      "end": period.end.isoformat()}).content.decode()  # fmt: skip
    first_nw = marked["bookings"]["nw"][0]
    assert f'href="/manage/bookings/{first_nw.pk}/"' in html
    assert 'id="attendance-rate">50 %' in html
    assert "Absent at the latest 3 marked sessions" in html


def test_more_marks_cost_no_more_queries(marked):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            selectors.dashboard(marked["period"])
        return len(captured)

    few = queries()
    for index in range(4, 12):
        marked["mark"]("nw", index, A, P)
        marked["mark"]("ne", index, P, E)
    assert queries() == few <= 9


def test_the_attendance_exports_carry_rates_and_no_names(client, marked):
    client.force_login(marked["coordinator"])
    period = marked["period"]
    query = {"period": "dates", "start": period.start.isoformat(), "end": period.end.isoformat()}
    header, *rows = csv_rows(client.get("/dashboard/exports/attendance.csv", query))
    assert header[-5:] == ["Marks", "Present", "Excused", "Absent", "Attendance rate (%)"]
    present = header.index("Present")
    assert sum(int(row[present]) for row in rows) == 5
    text = " ".join(cell for row in rows for cell in row)
    assert "Lerner" not in text and "@" not in text

    header, *rows = csv_rows(client.get("/dashboard/exports/attendance_regions.csv", query))
    marks = header.index("Marks")
    assert sum(int(row[marks]) for row in rows) == 10
    assert {row[1] for row in rows} == {"North-west", "North-east"}


def test_the_attendance_list_of_a_course_carries_each_learners_rate(client, marked):
    client.force_login(marked["coordinator"])
    course = marked["courses"]["nw"]
    header, *rows = csv_rows(
        client.get("/dashboard/exports/course_participants.csv", {"course": course.pk})
    )
    rate = header.index("Attendance rate (%)")
    assert {row[0]: row[rate] for row in rows} == {"Lerner nw 0": "25", "Lerner nw 1": "75"}
