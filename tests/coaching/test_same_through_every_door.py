"""Every rule once, and the same through every door.

Each rule here is asked through the web page and through the API with the same
inputs (parametrised by door), and read by the dashboard and the matching
engine where they show it, so the doors cannot drift apart again: a request
the form refuses is refused by the API, the coach sees the same first name on
the page and in the API, a course's seats and online link read the same
everywhere, a coach's load is one count, and who may touch a meeting is one
rule.
"""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import COACH, COORDINATOR, LEARNER
from coaching import selectors, services
from coaching.api import RequestForCoachSerializer
from coaching.constants import ProposalStatus, RequestStatus
from coaching.models import CoachingRequest, MatchProposal, Meeting, Mentorship
from courses.constants import BookingStatus, Format
from courses.models import Booking
from dashboard.forms import Filters, default_filters
from dashboard.selectors import coach_rows, course_rows

from ..factories import CourseFactory, UserFactory, make_coach, municipality

pytestmark = pytest.mark.django_db

DOORS = ["page", "api"]


def person(*roles, **fields):
    return UserFactory(roles=list(roles), preferred_language="en", **fields)


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


# --- Asking for a coach ------------------------------------------------------------------------

# (weekday, start, end) rows, as both doors take them.
TUESDAY_MORNING = [(1, "09:00", "11:00")]


def wish(**overrides) -> dict:
    values = {
        "programme": "jobcoaching",
        "languages": ["ar"],
        "german_level": "A2",
        "care_facility": "",
        "availability": TUESDAY_MORNING,
    }
    values.update(overrides)
    return values


def ask_through(door: str, learner, values: dict) -> tuple[int, set[str]]:
    """Send one request through a door: (requests made, the fields it refused)."""
    before = CoachingRequest.objects.count()
    if door == "page":
        data = {
            "programme": values["programme"],
            "languages": values["languages"],
            "german_level": values["german_level"],
            "municipality": municipality().pk,
            "care_facility": values["care_facility"],
        }
        for index, (day, start, end) in enumerate(values["availability"]):
            data |= {f"slot_{index}_day": str(day), f"slot_{index}_start": start,
                     f"slot_{index}_end": end}  # fmt: skip
        response = page_client(learner).post("/coaching/", data)
        refused = set()
        if response.status_code == 200:
            # The page shows the weekly times as rows; the service calls them availability.
            names = {"slot_0_day": "availability"}
            refused = {names.get(name, name) for name in response.context["form"].errors}
        else:
            assert response.status_code == 302
    else:
        body = {
            "programme": values["programme"],
            "languages": values["languages"],
            "german_level": values["german_level"],
            "municipality": municipality().pk,
            "care_facility": values["care_facility"],
            "availability": [
                {"weekday": day, "start": start, "end": end}
                for day, start, end in values["availability"]
            ],
        }
        response = api_client(learner).post("/api/v1/coaching/requests/", body, format="json")
        refused = set()
        if response.status_code >= 400:
            assert response.status_code in (400, 409), response.json()
            refused = set(response.json()["error"]["fields"])
        else:
            assert response.status_code == 201
    return CoachingRequest.objects.count() - before, refused


CASES = {
    # name: (values, an earlier request's programme or None, fields refused)
    "fits": (wish(), None, set()),
    "below B1 without a common language": (wish(languages=[]), None, {"languages"}),
    "below B1 with German only": (wish(languages=["de"]), None, {"languages"}),
    "B1 needs no other language": (wish(languages=[], german_level="B1"), None, set()),
    "no German at all and no language": (
        wish(languages=[], german_level="none"),
        None,
        {"languages"},
    ),
    "care coaching without the facility": (
        wish(programme="care_language"),
        None,
        {"care_facility"},
    ),
    "care coaching with a blank facility": (
        wish(programme="care_language", care_facility="   "),
        None,
        {"care_facility"},
    ),
    "care coaching at a facility": (
        wish(programme="care_language", care_facility="Haus der Pflege"),
        None,
        set(),
    ),
    "half an hour a week is too little to meet": (
        wish(availability=[(1, "09:00", "09:30")]),
        None,
        {"availability"},
    ),
    "two half hours make an hour": (
        wish(availability=[(1, "09:00", "09:30"), (3, "18:00", "18:30")]),
        None,
        set(),
    ),
    "a second request in the same programme": (wish(), "jobcoaching", {"programme"}),
    "a request in the other programme as well": (wish(), "care_language", set()),
    "every rule broken at once is said at once": (
        wish(programme="care_language", languages=[], availability=[(1, "09:00", "09:30")]),
        None,
        {"languages", "care_facility", "availability"},
    ),
}


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_both_doors_accept_and_refuse_the_same_coaching_requests(door, case):
    values, earlier, refused = CASES[case]
    learner = person(LEARNER)
    if earlier:
        CoachingRequest.objects.create(
            learner=learner, created_by=learner, programme=earlier, languages=["ar"],
            german_level="A2", municipality=municipality(), care_facility="Haus der Pflege",
            availability=[{"weekday": 1, "start": "09:00", "end": "11:00"}],
        )  # fmt: skip

    made, fields = ask_through(door, learner, values)

    assert fields == refused
    assert made == (0 if refused else 1)


def test_the_service_refuses_what_both_doors_refuse():
    """The rule is the service's: called directly (as the demo data and admin tasks
    do) it refuses too, and names the same field."""
    learner = person(LEARNER)
    with pytest.raises(services.InvalidRequest) as refused:
        services.create_request(
            learner=learner, created_by=learner, programme="care_language", goals=[],
            languages=["ar"], german_level="A2", municipality=municipality(),
            availability=[{"weekday": 1, "start": "09:00", "end": "11:00"}],
        )  # fmt: skip
    assert set(refused.value.fields) == {"care_facility"}
    assert not CoachingRequest.objects.exists()


def test_a_closed_request_does_not_stop_a_new_one_in_its_programme():
    learner = person(LEARNER)
    CoachingRequest.objects.create(
        learner=learner, created_by=learner, programme="jobcoaching", languages=["ar"],
        german_level="A2", municipality=municipality(), status=RequestStatus.CLOSED,
        availability=[{"weekday": 1, "start": "09:00", "end": "11:00"}],
    )  # fmt: skip
    for door in DOORS:
        CoachingRequest.objects.filter(status=RequestStatus.OPEN).delete()
        assert ask_through(door, learner, wish()) == (1, set())


def test_the_database_keeps_one_active_request_per_programme_under_a_race():
    """Two requests sent at the same instant pass the service's check together; the
    constraint stops the second, which is answered as the same conflict."""
    from django.db import IntegrityError, transaction

    learner = person(LEARNER)
    fields = {
        "learner": learner, "created_by": learner, "programme": "jobcoaching",
        "languages": ["ar"], "german_level": "A2", "municipality": municipality(),
        "availability": [{"weekday": 1, "start": "09:00", "end": "11:00"}],
    }  # fmt: skip
    CoachingRequest.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        CoachingRequest.objects.create(**fields)


# --- What a coach sees before accepting ---------------------------------------------------------


def proposal_for(coach, learner) -> MatchProposal:
    request = CoachingRequest.objects.create(
        learner=learner, created_by=learner, programme="jobcoaching", languages=["ar"],
        german_level="A2", municipality=municipality(), status=RequestStatus.PROPOSED,
        availability=[{"weekday": 1, "start": "09:00", "end": "11:00"}],
        notes="Ich arbeite nachmittags.",
    )  # fmt: skip
    return MatchProposal.objects.create(
        request=request, coach=coach, status=ProposalStatus.APPROVED, score=70,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )  # fmt: skip


def first_name_on_the_page(coach) -> str:
    page = page_client(coach).get("/coach/proposals/").content.decode()
    found = re.search(r"<dt>First name</dt><dd>([^<]*)</dd>", page)
    return found.group(1) if found else ""


@pytest.mark.parametrize(
    ("full_name", "first_name"),
    [("Amal Haddad", "Amal"), ("  Oksana   Kovalenko ", "Oksana"), ("", "")],
    ids=["two names", "extra spaces", "no name given"],
)
def test_page_and_api_show_the_coach_the_same_first_name_and_no_contact(full_name, first_name):
    coach = make_coach()
    coach.preferred_language = "en"
    coach.save()
    learner = person(LEARNER, full_name=full_name, phone="0171 555")
    proposal_for(coach, learner)

    api = api_client(coach).get("/api/v1/coaching/proposals/").json()["results"][0]["request"]
    page = page_client(coach).get("/coach/proposals/").content.decode()

    assert api["first_name"] == first_name_on_the_page(coach) == first_name
    for secret in (learner.email, "0171", "Haddad", "Kovalenko"):
        assert secret not in page
        assert secret not in str(api)


def test_the_api_shows_exactly_what_the_selector_allows_before_accepting():
    coach = make_coach()
    proposal = proposal_for(coach, person(LEARNER, full_name="Amal Haddad"))
    allowed = selectors.before_accepting(proposal.request)
    api = api_client(coach).get("/api/v1/coaching/proposals/").json()["results"][0]["request"]
    assert set(api) == {"id", *allowed}
    assert set(RequestForCoachSerializer().fields) == {"id", *allowed}
    assert {key: api[key] for key in allowed} == allowed


# --- A coach's load -------------------------------------------------------------------------------


def test_coach_load_is_one_count_for_matching_the_dashboard_and_the_admin():
    coach = make_coach(capacity=5)
    learner = person(LEARNER)

    def request_for(status, programme="jobcoaching"):
        return CoachingRequest.objects.create(
            learner=person(LEARNER), created_by=learner, programme=programme,
            languages=["ar"], german_level="A2", municipality=municipality(), status=status,
            availability=[{"weekday": 1, "start": "09:00", "end": "11:00"}],
        )  # fmt: skip

    running = request_for(RequestStatus.MATCHED)
    Mentorship.objects.create(request=running, coach=coach, learner=running.learner)
    ended = request_for(RequestStatus.CLOSED)
    Mentorship.objects.create(request=ended, coach=coach, learner=ended.learner,
                              ended_at=timezone.now())  # fmt: skip
    for status in ProposalStatus.values:  # proposed and approved count, the others not
        MatchProposal.objects.create(request=request_for(RequestStatus.PROPOSED), coach=coach,
                                     status=status)  # fmt: skip

    profile = coach.coach_profile
    engine = selectors.matching_input([], [profile]).coaches[0]
    dashboard = coach_rows(default_filters())[0]
    admin_page = page_client(person(COORDINATOR)).get("/admin/coaching/coachprofile/")

    assert engine.load == dashboard.load == selectors.coach_loads()[coach.pk] == 3
    assert (dashboard.active_mentees, dashboard.open_proposals) == (1, 2)
    assert re.search(r'<td class="field-load">3</td>', admin_page.content.decode())


# --- A course's seats and online link -------------------------------------------------------------


def offer_expiry(status):
    return timezone.now() + dt.timedelta(hours=48) if status == BookingStatus.OFFERED else None


def course_with_bookings(seats=3):
    course = CourseFactory(seats=seats, childcare_places=2, format=Format.HYBRID,
                           online_meeting_link="https://meet.example/deutsch-a1")  # fmt: skip
    states = [(BookingStatus.CONFIRMED, [3]), (BookingStatus.OFFERED, []),
              (BookingStatus.WAITLISTED, [2, 4])]  # fmt: skip
    for status, ages in states:
        Booking.objects.create(course=course, learner=person(LEARNER), status=status,
                               children_ages=ages, childcare_places=len(ages),
                               offer_expires_at=offer_expiry(status))  # fmt: skip
    return course


@pytest.mark.parametrize(
    ("seats", "left"), [(3, 1), (1, 0)], ids=["one seat free", "seats lowered below bookings"]
)
def test_seats_and_childcare_left_read_the_same_on_pages_api_and_dashboard(seats, left):
    course = course_with_bookings()
    type(course).objects.filter(pk=course.pk).update(seats=seats)
    learner = person(LEARNER)

    api = api_client(learner).get(f"/api/v1/courses/{course.pk}/").json()
    detail = page_client(learner).get(f"/courses/{course.pk}/").context["course"]
    search = page_client(learner).get("/courses/", {"near": municipality().pk, "radius_km": 5})
    card = next(c for c in search.context["courses"] if c.pk == course.pk)
    period = Filters(start=course.starts_on, end=course.ends_on)
    dashboard = next(row for row in course_rows(period) if row.pk == course.pk)

    seats_left = {api["seats_left"], detail.seats_left, card.seats_left, dashboard.free}
    childcare = {
        api["childcare_places_left"],
        detail.childcare_places_left,
        card.childcare_places_left,
        dashboard.childcare_free,
    }
    assert seats_left == {left}
    assert childcare == {1}


VIEWERS = {
    "visitor": (None, False),
    "learner without a booking": (None, False),
    "on the waiting list": (BookingStatus.WAITLISTED, False),
    "offered a place": (BookingStatus.OFFERED, False),
    "confirmed participant": (BookingStatus.CONFIRMED, True),
    "coordinator": (None, True),
}


@pytest.mark.parametrize("viewer", list(VIEWERS), ids=list(VIEWERS))
def test_page_and_api_agree_who_sees_the_online_link(viewer):
    course = CourseFactory(format=Format.HYBRID,
                           online_meeting_link="https://meet.example/deutsch-a1")  # fmt: skip
    status, sees = VIEWERS[viewer]
    user = None
    if viewer == "coordinator":
        user = person(COORDINATOR)
    elif viewer != "visitor":
        user = person(LEARNER)
    if status:
        Booking.objects.create(course=course, learner=user, status=status,
                               offer_expires_at=offer_expiry(status))  # fmt: skip

    api = api_client(user).get(f"/api/v1/courses/{course.pk}/").json()
    page = page_client(user).get(f"/courses/{course.pk}/").content.decode()

    link = "https://meet.example/deutsch-a1"
    assert (api["online_meeting_link"] == link) is sees
    assert (f'href="{link}"' in page) is sees


# --- Who may touch a meeting ----------------------------------------------------------------------

TOUCHERS = ["its coach", "another coach", "its coach without the coach role", "its learner",
            "coordinator"]  # fmt: skip


@pytest.mark.parametrize("who", TOUCHERS)
def test_page_api_and_service_agree_who_may_move_or_cancel_a_meeting(who):
    coach = make_coach()
    learner = person(LEARNER)
    request = CoachingRequest.objects.create(
        learner=learner, created_by=learner, programme="jobcoaching", languages=["ar"],
        german_level="A2", municipality=municipality(), status=RequestStatus.MATCHED,
        availability=[{"weekday": 1, "start": "09:00", "end": "11:00"}],
    )  # fmt: skip
    mentorship = Mentorship.objects.create(request=request, coach=coach, learner=learner)
    start = timezone.now() + dt.timedelta(days=3)
    meeting = Meeting.objects.create(mentorship=mentorship, starts_at=start,
                                     ends_at=start + dt.timedelta(hours=1), place="Rathaus")  # fmt: skip
    user = {
        "its coach": coach,
        "another coach": make_coach(name="Other Coach"),
        "its coach without the coach role": coach,
        "its learner": learner,
        "coordinator": person(COORDINATOR),
    }[who]
    if who == "its coach without the coach role":
        coach.groups.remove(coach.groups.get(name=COACH))
        user = type(coach).objects.get(pk=coach.pk)
    may = who in ("its coach", "coordinator")

    page = page_client(user).get(f"/meetings/{meeting.pk}/cancel/")
    api = api_client(user).post(f"/api/v1/coaching/meetings/{meeting.pk}/cancel/")

    assert selectors.may_work_on(user, mentorship) is may
    assert selectors.workable_meetings(user).filter(pk=meeting.pk).exists() is may
    assert (page.status_code == 200) is may
    assert (api.status_code == 200) is may
    meeting.refresh_from_db()
    assert (meeting.status == "cancelled") is may


# --- Approve all -----------------------------------------------------------------------------------


def test_approve_all_is_a_service_that_skips_what_cannot_be_approved():
    make_coach(capacity=5)
    coordinator = person(COORDINATOR)
    for _ in range(3):
        learner = person(LEARNER)
        services.create_request(
            learner=learner, created_by=learner, programme="jobcoaching", goals=[],
            languages=["ar"], german_level="A2", municipality=municipality(),
            availability=[{"weekday": 1, "start": "09:00", "end": "11:00"}],
        )  # fmt: skip
    run = services.start_matching_run(by=coordinator)
    withdrawn = run.proposals.order_by("pk").first()
    services.close_request(request=withdrawn.request, by=coordinator)

    assert services.approve_all_proposals(run=run, by=coordinator) == 2
    assert services.approve_all_proposals(run=run, by=coordinator) == 0
    assert sorted(run.proposals.values_list("status", flat=True)) == [
        ProposalStatus.APPROVED, ProposalStatus.APPROVED, ProposalStatus.SUPERSEDED,
    ]  # fmt: skip


# --- The answer deadline: one constant --------------------------------------------------------


def test_the_answer_deadline_is_the_constant_in_the_service_the_page_and_the_message(
    monkeypatch,
):
    import time_machine

    from coaching import constants
    from notifications.texts import render

    monkeypatch.setattr(services, "PROPOSAL_ANSWER_DAYS", 3)
    assert constants.PROPOSAL_ANSWER_DAYS != 3  # the test would prove nothing otherwise
    coach = make_coach()
    coordinator = person(COORDINATOR)
    learner = person(LEARNER)
    with time_machine.travel(dt.datetime(2027, 3, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        services.create_request(
            learner=learner, created_by=learner, programme="jobcoaching", goals=[],
            languages=["ar"], german_level="A2", municipality=municipality(),
            availability=[{"weekday": 1, "start": "09:00", "end": "11:00"}],
        )  # fmt: skip
        proposal = services.start_matching_run(by=coordinator).proposals.get()
        response = page_client(coordinator).post(
            f"/manage/coaching/proposals/{proposal.pk}/approve/", follow=True
        )
    proposal.refresh_from_db()
    assert proposal.expires_at == dt.datetime(2027, 3, 4, 10, 0, tzinfo=dt.UTC)
    assert "has until 04/03/2027, 11:00 to answer" in response.content.decode()
    told = coach.notifications.filter(kind="match_proposed").first()
    lines = render(told.kind, told.payload, "en").lines
    assert any("by Thursday, 4 March 2027, 11:00" in line for line in lines), lines
