"""The dashboard's figures on a small world with known numbers, and their cost."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.models import Mentorship, Milestone
from courses import services
from courses.notifications import Kind
from dashboard import selectors
from dashboard.forms import Filters, quarter_of
from notifications.constants import Channel, Status
from notifications.models import Notification

from ..factories import CourseFactory, UserFactory, municipality
from .conftest import request_in

pytestmark = pytest.mark.django_db


def by_region(rows):
    return {row.region: row for row in rows}


def test_seats_waiting_lists_and_childcare_per_region_are_exact(small):
    courses = selectors.course_rows(small.period)
    assert {c.title for c in courses} == {"Deutsch NW", "Deutsch NE"}
    nw_course = next(c for c in courses if c.pk == small.nw_course.pk)
    assert (nw_course.seats, nw_course.confirmed, nw_course.offered, nw_course.free) == (2, 2, 0, 0)
    assert (nw_course.waiting, nw_course.childcare_taken, nw_course.childcare_waiting) == (1, 2, 1)

    regions = by_region(selectors.region_rows(courses, small.period))
    assert list(regions) == ["NE", "NW", "SW", "SE", "online"]
    nw, ne = regions["NW"], regions["NE"]
    assert (nw.courses, nw.seats, nw.taken, nw.free, nw.waiting) == (1, 2, 2, 0, 1)
    assert (nw.childcare_places, nw.childcare_taken, nw.childcare_waiting) == (2, 2, 1)
    assert (nw.childcare_demand, nw.childcare_gap) == (3, 1)
    assert (ne.courses, ne.seats, ne.taken, ne.free, ne.waiting) == (1, 5, 1, 4, 0)
    assert (ne.childcare_places, ne.childcare_demand) == (0, 0)
    assert regions["SW"].courses == regions["online"].courses == 0


def test_the_region_filter_keeps_only_that_region(small):
    ne_only = Filters(start=small.period.start, end=small.period.end, region="NE")
    courses = selectors.course_rows(ne_only)
    assert [c.pk for c in courses] == [small.ne_course.pk]
    assert [r.region for r in selectors.region_rows(courses, ne_only)] == ["NE"]
    figures = selectors.coaching_figures(ne_only, small.today)
    assert figures.open_requests == 1
    assert [c.name for c in selectors.coach_rows(ne_only)] == ["Coach Idle"]


def test_the_period_decides_which_courses_count(small):
    past = Filters(
        start=small.today - dt.timedelta(days=100), end=small.today - dt.timedelta(days=50)
    )
    assert selectors.course_rows(past) == []
    next_year = small.today + dt.timedelta(days=365)
    later = Filters(start=next_year, end=next_year + dt.timedelta(days=5))
    assert [c.title for c in selectors.course_rows(later)] == ["Später"]


def test_open_requests_days_waited_and_the_latest_runs_deciding_reasons(small):
    figures = selectors.coaching_figures(small.period, small.today)
    assert figures.open_requests == 3
    by_programme = {row.programme: row for row in figures.by_programme}
    assert (by_programme["jobcoaching"].requests, by_programme["jobcoaching"].median_days) == (2, 7)
    assert by_programme["jobcoaching"].longest_days == 10
    assert (by_programme["care_language"].requests, by_programme["care_language"].median_days) == (
        1,
        2,
    )
    # The deciding (last) reason of each request unmatched in the latest run;
    # the older run's "too far" does not count, that request was not in the latest run.
    assert {code: n for code, _label, n in figures.reasons} == {
        "no_common_language": 1,
        "no_coach_in_programme": 1,
    }
    assert figures.not_in_latest_run == 1


def test_a_request_no_longer_open_drops_out_of_the_reasons(small):
    first = small.open_requests[0]
    first.status = "closed"
    first.save()
    figures = selectors.coaching_figures(small.period, small.today)
    assert {code for code, _label, _n in figures.reasons} == {"no_coach_in_programme"}


def test_coach_load_counts_mentees_and_open_proposals_against_capacity(small):
    coaches = {c.name: c for c in selectors.coach_rows(small.period)}
    full, idle = coaches["Coach Full"], coaches["Coach Idle"]
    assert (full.active_mentees, full.open_proposals, full.capacity, full.band) == (1, 0, 1, "full")
    assert (idle.active_mentees, idle.free, idle.band) == (0, 3, "idle")
    bands = {band: n for band, _label, n in selectors.load_bands(list(coaches.values()))}
    assert bands == {"idle": 1, "partly": 0, "full": 1, "paused": 0}


def test_upcoming_sessions_mark_moved_and_cancelled_dates(small):
    sessions = selectors.upcoming_sessions(small.period, small.today)
    assert sessions and all(
        small.today <= s.date < small.today + dt.timedelta(days=14) for s in sessions
    )
    first, second = sessions[0], sessions[1]
    services.cancel_session(session=first, note="Krank")
    services.move_session(
        session=second, to_date=second.date + dt.timedelta(days=1),
        start_time=dt.time(10), end_time=dt.time(12),
    )  # fmt: skip
    marked = {s.pk: s for s in selectors.upcoming_sessions(small.period, small.today)}
    assert marked[first.pk].status == "cancelled"
    assert marked[second.pk].is_moved


def test_failed_notifications_are_listed_newest_first(small):
    for n in range(3):
        Notification.objects.create(
            recipient=small.learners[0], kind=Kind.BOOKING_CONFIRMED, channel=Channel.EMAIL,
            status=Status.FAILED, last_error=f"550 mailbox {n}", idempotency_key=f"k{n}",
        )  # fmt: skip
    failed = list(selectors.failed_notifications())
    assert [f.last_error for f in failed] == ["550 mailbox 2", "550 mailbox 1", "550 mailbox 0"]


def test_participants_by_month_counts_confirmed_learners_in_each_month_with_a_session(small):
    rows = selectors.participants_by_month(small.period)
    nw = [r for r in rows if r.course_pk == small.nw_course.pk]
    session_months = {
        s.date.replace(day=1)
        for s in small.nw_course.sessions.all()
        if small.period.start <= s.date <= small.period.end
    }
    assert {r.month for r in nw} == session_months
    assert {r.learners for r in nw} == {2}  # the waiting learner does not count
    assert {r.learners for r in rows if r.course_pk == small.ne_course.pk} == {1}


def test_coaching_outcomes_per_programme_and_month(small):
    matched = request_in("Bad Rappenau", status="matched")
    matched.matched_at = matched.created_at + dt.timedelta(days=3)
    matched.save()
    mentorship = Mentorship.objects.create(
        request=matched, coach=small.coaches[1], learner=matched.learner
    )
    Milestone.objects.create(mentorship=mentorship, kind="interview", occurred_on=small.today)
    Mentorship.objects.filter(pk=mentorship.pk).update(
        ended_at=timezone.now(), end_reason="job_found"
    )
    period = Filters(
        start=small.today - dt.timedelta(days=40), end=small.today + dt.timedelta(days=10)
    )
    rows = selectors.coaching_outcomes(period)
    # Four requests in the small world (three jobcoaching, one care) plus this one.
    assert sum(r.requests for r in rows) == 5
    assert sum(r.requests for r in rows if r.programme == "care_language") == 1
    assert sum(r.matched for r in rows) == 1
    assert next(r for r in rows if r.matched).median_days_to_match == 3
    assert sum(r.ended["job_found"] for r in rows) == 1
    assert sum(r.milestones["interview"] for r in rows) == 1
    long_ago = Filters(start=dt.date(2020, 1, 1), end=dt.date(2020, 3, 31))
    assert selectors.coaching_outcomes(long_ago) == []


def test_the_current_quarter_is_the_default_period():
    assert quarter_of(dt.date(2026, 2, 14)) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert quarter_of(dt.date(2026, 11, 30)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def _grow(extra_courses: int, extra_requests: int):
    for i in range(extra_courses):
        course = CourseFactory(title=f"Kurs {i}", municipality=municipality("Eppingen"))
        services.book_course(
            course=course, learner=UserFactory(roles=["learner"]), children_ages=[]
        )
    for _ in range(extra_requests):
        request_in("Eppingen")


def _queries_for_dashboard(period) -> int:
    with CaptureQueriesContext(connection) as captured:
        selectors.dashboard(period)
    return len(captured)


def test_the_dashboard_costs_the_same_queries_for_3_and_20_courses_and_requests(small):
    _grow(1, 1)  # 3 courses, 4 requests
    few = _queries_for_dashboard(small.period)
    _grow(17, 16)
    many = _queries_for_dashboard(small.period)
    assert few == many <= 10
