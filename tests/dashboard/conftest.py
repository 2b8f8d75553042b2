"""A small hand-built world with known numbers for the dashboard tests.

Two regions with a course each (plus a draft and a course far in the future
that must not count), known bookings, childcare and a waiting list, and a
coaching corner: open requests, a matching run's unmatched reasons, coaches.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.roles import COORDINATOR, LEARNER
from coaching.models import CoachingRequest, MatchingRun, Mentorship, UnmatchedRequest
from courses import services
from courses.constants import CourseStatus
from dashboard.forms import Filters

from ..factories import CourseFactory, UserFactory, make_coach, municipality


@dataclass
class Small:
    today: dt.date
    period: Filters
    nw_course: object
    ne_course: object
    learners: list
    coordinator: object
    open_requests: list
    coaches: list


def request_in(place: str, learner=None, days_ago: int = 0, status: str = "open", **fields):
    request = CoachingRequest.objects.create(
        learner=learner or UserFactory(roles=[LEARNER]),
        programme=fields.pop("programme", "jobcoaching"),
        languages=["ti"],
        german_level="A1",
        municipality=municipality(place),
        availability=[{"weekday": 0, "start": "09:00", "end": "12:00"}],
        status=status,
        **fields,
    )
    if days_ago:
        CoachingRequest.objects.filter(pk=request.pk).update(
            created_at=timezone.now() - dt.timedelta(days=days_ago)
        )
        request.refresh_from_db()
    return request


@pytest.fixture
def small(db):
    today = timezone.localdate()
    learners = [UserFactory(roles=[LEARNER], full_name=f"Lerner {i}") for i in range(4)]
    # North-west: 2 seats, 2 childcare places; two confirmed (one with two
    # children), one waiting with a child.
    nw_course = CourseFactory(
        title="Deutsch NW", municipality=municipality("Bad Rappenau"), seats=2,
        childcare_places=2, status=CourseStatus.PUBLISHED,
    )  # fmt: skip
    services.book_course(course=nw_course, learner=learners[0], children_ages=[3, 5])
    services.book_course(course=nw_course, learner=learners[1], children_ages=[])
    services.book_course(course=nw_course, learner=learners[2], children_ages=[2])
    # North-east: 5 seats, no childcare, one confirmed.
    ne_course = CourseFactory(
        title="Deutsch NE", municipality=municipality("Möckmühl"), seats=5, childcare_places=0,
        childcare_min_age=None, childcare_max_age=None,
    )  # fmt: skip
    services.book_course(course=ne_course, learner=learners[3], children_ages=[])
    # Neither counts: a draft, and a course a year from now.
    CourseFactory(title="Entwurf", municipality=municipality("Möckmühl"),
                  status=CourseStatus.DRAFT)  # fmt: skip
    later = today + dt.timedelta(days=365)
    CourseFactory(title="Später", starts_on=later, ends_on=later + dt.timedelta(days=30))

    # Coaching: three open requests (two in NW, one in NE), one matched.
    coach = make_coach(name="Coach Full", capacity=1)
    idle = make_coach(name="Coach Idle", capacity=3, municipality=municipality("Möckmühl"))
    first = request_in("Bad Rappenau", days_ago=10)
    second = request_in("Bad Rappenau", days_ago=4)
    third = request_in("Möckmühl", days_ago=2, programme="care_language")
    matched = request_in("Bad Rappenau", status="matched")
    Mentorship.objects.create(request=matched, coach=coach, learner=matched.learner)
    run = MatchingRun.objects.create()
    UnmatchedRequest.objects.create(run=run, request=first, reasons=[
        {"code": "no_active_coach", "count": 1, "facts": {}},
        {"code": "no_common_language", "count": 2, "facts": {"languages": ["ti"]}},
    ])  # fmt: skip
    UnmatchedRequest.objects.create(
        run=run, request=third, reasons=[{"code": "no_coach_in_programme", "count": 0}]
    )
    # An older run's reasons do not count.
    old = MatchingRun.objects.create()
    MatchingRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=9))
    UnmatchedRequest.objects.create(run=old, request=second, reasons=[{"code": "too_far"}])
    return Small(
        today=today,
        period=Filters(start=today, end=today + dt.timedelta(days=90)),
        nw_course=nw_course,
        ne_course=ne_course,
        learners=learners,
        coordinator=UserFactory(roles=[COORDINATOR], preferred_language="en"),
        open_requests=[first, second, third],
        coaches=[coach, idle],
    )
