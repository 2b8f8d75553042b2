import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import LEARNER
from coaching.models import CoachingRequest, Meeting, Mentorship
from courses import services as course_services

from ..factories import CourseFactory, UserFactory, make_coach, municipality


def spring_course(**overrides):
    """Tuesdays 18:00-20:00 from 9 March to 13 April 2027 (over the change to
    summer time on 28 March), without a session on 30 March (Easter holidays)."""
    fields = {
        "title": "Deutsch A2 am Abend",
        "starts_on": dt.date(2027, 3, 9),
        "ends_on": dt.date(2027, 4, 13),
        "weekdays": [1],
        "start_time": dt.time(18, 0),
        "end_time": dt.time(20, 0),
        "exception_dates": [dt.date(2027, 3, 30)],
        "childcare_places": 0,
        "childcare_min_age": None,
        "childcare_max_age": None,
    }
    fields.update(overrides)
    return CourseFactory(**fields)


def book(course, learner):
    """Book (the test courses share their times: the learner wants them all anyway)."""
    return course_services.book_course(
        course=course, learner=learner, children_ages=[], confirm_overlap=True
    )


def make_mentorship(
    coach=None, learner=None, programme="jobcoaching", request_status="matched"
) -> Mentorship:
    """A running mentorship. A learner has one matched request per programme; tests that
    need more mentorships for one learner (query counts) give the others a closed request:
    the feed reads mentorships, not requests."""
    coach = coach or make_coach(name="Cem Coach")
    learner = learner or UserFactory(roles=[LEARNER], full_name="Lina Lernende")
    request = CoachingRequest.objects.create(
        learner=learner, created_by=learner, programme=programme, languages=["ar"],
        german_level="A2", municipality=municipality(), care_facility="Haus der Pflege",
        availability=[{"weekday": 0, "start": "09:00", "end": "12:00"}], status=request_status,
    )  # fmt: skip
    return Mentorship.objects.create(request=request, coach=coach, learner=learner)


def make_meeting(mentorship, days=3, **fields) -> Meeting:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    values = {"starts_at": start, "ends_at": start + dt.timedelta(hours=1), "place": "Rathaus"}
    values.update(fields)
    return Meeting.objects.create(mentorship=mentorship, **values)


@pytest.fixture
def mentorship(db):
    return make_mentorship()
