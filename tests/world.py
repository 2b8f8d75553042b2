"""The shared world of the permission tables (API and pages): one user per
role, courses in every state, bookings of the learner and of someone else,
and a coaching world around the coach. Rows of both tables refer to it."""

import copy
import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.roles import COACH, COORDINATOR, DATA_PROTECTION_OFFICER, LEARNER, TEACHER
from courses import services
from courses.closures import create_closure
from courses.constants import CourseStatus

from .factories import CourseFactory, ProviderFactory, UserFactory, municipality

ROLES = ("anonymous", LEARNER, COACH, COORDINATOR, TEACHER, DATA_PROTECTION_OFFICER)


@dataclass
class World:
    users: dict
    course: object
    draft: object
    full_course: object
    open_course: object
    own_booking: object
    others_booking: object
    offered_booking: object
    session: object
    coaching: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(scope="module")
def _world_of_the_module(django_db_setup, django_db_blocker):
    """One world for a whole module, inside a transaction rolled back when the
    module ends. Each test's own transaction (pytest-django's ``db``) is a
    savepoint inside it, so whatever a test changes is undone before the next."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        built = build_world()
    yield timezone.localdate(), built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def world_shared_by_the_module(_world_of_the_module, db):
    """The world, built once per module: the permission tables check it in
    ~1,500 cells, and building it costs a quarter of a second on SQLite and
    more on PostgreSQL. Each test gets its own copy of the Python objects, so
    what one test caches in ``extra`` or changes in memory stays its own.

    The world's dates count from the day it was built (a course starts next
    Monday): a test that runs after midnight of that day gets a world of its
    own day instead, as when each test built one, so a Sunday-night run
    never sees "next Monday" become today."""
    built_on, built = _world_of_the_module
    if timezone.localdate() != built_on:
        return build_world()
    return copy.deepcopy(built)


def build_world() -> World:
    users = {
        "anonymous": None,
        LEARNER: UserFactory(roles=[LEARNER]),
        COACH: UserFactory(roles=[COACH]),
        COORDINATOR: UserFactory(roles=[COORDINATOR]),
        TEACHER: UserFactory(roles=[TEACHER]),
        # Signed in without other roles: reads the access trail and nothing else of others.
        DATA_PROTECTION_OFFICER: UserFactory(roles=[DATA_PROTECTION_OFFICER]),
    }
    someone = UserFactory(roles=[LEARNER])
    course = CourseFactory()
    course.teachers.add(users[TEACHER])  # the teacher leads the course the learner booked
    draft = CourseFactory(status=CourseStatus.DRAFT)
    full_course = CourseFactory(seats=1)
    holder = services.book_course(course=full_course, learner=someone, children_ages=[])
    offered = services.book_course(course=full_course, learner=users[LEARNER], children_ages=[])
    services.cancel_booking(booking=holder, by=someone)
    offered.refresh_from_db()
    return World(
        users=users,
        course=course,
        draft=draft,
        full_course=full_course,
        open_course=CourseFactory(),
        # The learner chose both courses although they meet at the same time.
        own_booking=services.book_course(
            course=course, learner=users[LEARNER], children_ages=[], confirm_overlap=True
        ),
        others_booking=services.book_course(course=course, learner=someone, children_ages=[]),
        offered_booking=offered,
        session=course.sessions.order_by("date").first(),
        coaching=coaching_world(users, someone),
        extra={
            "someone": someone,
            # Someone else waits for the full course (its seat is offered to the learner).
            "waiting": services.book_course(
                course=full_course, learner=someone, children_ages=[], confirm_overlap=True
            ),
        },
    )


def coaching_world(users, someone):
    """A coach with a mentee (the learner), proposals for them and for another coach."""
    from django.utils import timezone

    from coaching.models import (
        CoachingRequest,
        CoachNote,
        CoachProfile,
        MatchProposal,
        Meeting,
        Mentorship,
        Milestone,
    )

    from .factories import UserFactory as Users
    from .factories import make_coach

    coach = users[COACH]
    other_coach = make_coach(name="Other Coach")
    CoachProfile.objects.create(
        user=coach, programmes=["jobcoaching"], languages=[{"code": "ar", "level": "fluent"}],
        municipality=municipality(), availability=[{"weekday": 0, "start": "09:00", "end": "12:00"}],
        capacity=5, volunteer_agreement_signed=True, police_certificate_seen_on=timezone.localdate(),
    )  # fmt: skip

    def request_of(learner, status="open"):
        return CoachingRequest.objects.create(
            learner=learner, created_by=learner, programme="jobcoaching", languages=["ar"],
            german_level="A2", municipality=municipality(),
            availability=[{"weekday": 0, "start": "09:00", "end": "12:00"}], status=status,
        )  # fmt: skip

    learner = users[LEARNER]
    matched = request_of(learner, "matched")
    mentorship = Mentorship.objects.create(request=matched, coach=coach, learner=learner)
    third = Users(roles=[LEARNER])
    others = Mentorship.objects.create(
        request=request_of(third, "matched"), coach=other_coach, learner=third
    )
    start = timezone.now() + dt.timedelta(days=3)
    meeting = Meeting.objects.create(mentorship=mentorship, starts_at=start,
                                     ends_at=start + dt.timedelta(hours=1), place="Rathaus")  # fmt: skip
    expires = timezone.now() + dt.timedelta(days=7)
    to_coach = MatchProposal.objects.create(
        request=request_of(Users(roles=[LEARNER]), "proposed"), coach=coach, status="approved",
        expires_at=expires,
    )  # fmt: skip
    declinable = MatchProposal.objects.create(
        request=request_of(Users(roles=[LEARNER]), "proposed"), coach=coach, status="approved",
        expires_at=expires,
    )  # fmt: skip
    to_other = MatchProposal.objects.create(
        request=request_of(someone, "proposed"), coach=other_coach, status="approved",
        expires_at=expires,
    )  # fmt: skip
    waiting = MatchProposal.objects.create(
        request=request_of(Users(roles=[LEARNER]), "proposed"), coach=other_coach
    )
    open_request = request_of(Users(roles=[LEARNER]))
    note = CoachNote.objects.create(mentorship=mentorship, author=coach, text="Erstes Treffen.")
    milestone = Milestone.objects.create(mentorship=mentorship, kind="application_sent",
                                         occurred_on=timezone.localdate(), recorded_by=coach)  # fmt: skip
    others_note = CoachNote.objects.create(mentorship=others, author=other_coach, text="Notiz.")
    return {
        "coach": coach, "other_coach": other_coach, "mentorship": mentorship,
        "others_mentorship": others, "meeting": meeting, "to_coach": to_coach,
        "declinable": declinable, "to_other": to_other, "waiting": waiting,
        "open_request": open_request, "own_request": matched,
        "others_request": to_other.request, "note": note, "milestone": milestone,
        "others_note": others_note,
    }  # fmt: skip


def skipping_course(w):
    """A course whose plan skips its first day (an exception date, or a holiday
    anyway) and meets on the other weekdays of two weeks; made once per world."""
    if "skipping_course" not in w.extra:
        today = timezone.localdate()  # Berlin's date, as the services count
        start = today + dt.timedelta(days=14 + (7 - today.weekday()) % 7)  # a Monday
        w.extra["skipping_course"] = CourseFactory(
            starts_on=start, ends_on=start + dt.timedelta(days=11), weekdays=[0, 1, 2, 3, 4],
            exception_dates=[start],
        )  # fmt: skip
    return w.extra["skipping_course"]


def closure(w):
    """A closure of one provider, made once per world."""
    if "closure" not in w.extra:
        first = timezone.localdate() + dt.timedelta(days=30)
        w.extra["closure"] = create_closure(
            name="Betriebsferien", first_day=first, last_day=first + dt.timedelta(days=4),
            provider=ProviderFactory(),
        )  # fmt: skip
    return w.extra["closure"]
