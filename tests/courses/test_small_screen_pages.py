"""Issue 13, the pages a learner uses on a phone: a refused form says so at
the top with a link to each refused box (and only that box is invalid), the
booking address opened directly leads back to the course, and the start page
leads with the next session."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from accounts.roles import LEARNER
from courses import selectors, services
from courses.constants import SessionStatus
from courses.models import Booking

from ..factories import CourseFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner():
    return UserFactory(roles=[LEARNER], preferred_language="en")


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


def invalid_inputs(body: str) -> list[str]:
    """The ids of the inputs marked aria-invalid."""
    return [
        re.search(r'id="([^"]+)"', tag).group(1)
        for tag in re.findall(r"<input[^>]*>", body)
        if 'aria-invalid="true"' in tag
    ]


# --- The error summary -----------------------------------------------------------------


def test_a_refused_age_is_summarised_on_top_and_only_its_box_is_invalid(learner_client):
    course = CourseFactory(childcare_places=3)  # childcare for ages 1 to 6
    response = learner_client.post(
        f"/courses/{course.pk}/book/", {"children_ages_0": "3", "children_ages_1": "9"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    summary = body[body.index("data-error-summary") :]
    assert "There is a problem" in summary
    # The link goes to the second box, the one holding the refused 9.
    assert 'href="#id_children_ages_1"' in summary
    assert "from 1 to 6 years" in summary.split("</div>")[0]
    assert invalid_inputs(body) == ["id_children_ages_1"]
    box = re.search(r'<input[^>]*id="id_children_ages_1"[^>]*>', body).group(0)
    assert 'aria-describedby="id_children_ages_error"' in box
    assert not Booking.objects.exists()


def test_an_age_that_is_not_a_number_marks_just_that_box(learner_client):
    course = CourseFactory(childcare_places=3)
    body = learner_client.post(
        f"/courses/{course.pk}/book/",
        {"children_ages_0": "2", "children_ages_1": "", "children_ages_2": "vier"},
    ).content.decode()
    assert invalid_inputs(body) == ["id_children_ages_2"]
    assert 'href="#id_children_ages_2"' in body


def test_too_many_children_marks_every_filled_box(learner_client):
    course = CourseFactory(childcare_places=1)
    body = learner_client.post(
        f"/courses/{course.pk}/book/", {"children_ages_0": "2", "children_ages_2": "4"}
    ).content.decode()
    assert invalid_inputs(body) == ["id_children_ages_0", "id_children_ages_2"]


def test_a_form_without_errors_has_no_summary_and_no_invalid_box(learner_client):
    course = CourseFactory()
    body = learner_client.get(f"/courses/{course.pk}/").content.decode()
    assert "data-error-summary" not in body
    assert invalid_inputs(body) == []


def test_every_refused_field_of_a_long_form_is_linked_in_page_order(learner_client):
    # The coaching request: nothing chosen at all.
    response = learner_client.post("/coaching/", {"slot_0_day": ""})
    body = response.content.decode()
    summary = body[
        body.index("data-error-summary") : body.index("</ul>", body.index("data-error-summary"))
    ]
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert targets, summary
    assert targets[0] == "id_programme_0"  # a radio group: its first button
    for target in targets:
        assert f'id="{target}"' in body


# --- The booking address opened directly ---------------------------------------------------


def test_opening_the_booking_address_leads_a_learner_to_the_course_form(learner_client):
    course = CourseFactory()
    response = learner_client.get(f"/courses/{course.pk}/book/")
    assert response.status_code == 302
    assert response["Location"] == f"/courses/{course.pk}/#my-booking"
    page = learner_client.get(response["Location"])
    assert 'id="booking-form"' in page.content.decode()


def test_opening_the_booking_address_signed_out_signs_in_and_returns_to_the_course(client):
    course = CourseFactory()
    response = client.get(f"/courses/{course.pk}/book/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/courses/{course.pk}/"


def test_the_booking_address_of_an_unknown_course_is_not_found(learner_client):
    assert learner_client.get("/courses/999999/book/").status_code == 404


# --- The next session ------------------------------------------------------------------------


def book(course, learner):
    return services.book_course(
        course=course, learner=learner, children_ages=[], confirm_overlap=True
    )


def test_start_page_leads_with_the_next_session_where_and_what_to_bring(learner_client, learner):
    venue = VenueFactory(
        name="Bürgerhaus Am Markt", street="Marktplatz 3",
        getting_there="Bus 61 bis Rathaus, dann 2 Minuten zu Fuß.",
    )  # fmt: skip
    course = CourseFactory(venue=venue, what_to_bring="Heft und Stift")
    book(course, learner)
    body = learner_client.get("/bookings/").content.decode()
    main = body[body.index('<main id="main"') :]
    first_heading = re.search(r"<h([1-6])[^>]*>(.*?)</h\1>", main, re.S)
    assert (first_heading.group(1), first_heading.group(2)) == ("1", "Your next session")
    section = main[: main.index("</section>")]
    first = selectors.sessions_of(course).first()
    assert first.date.strftime("%A") in section
    assert "<bdi>Marktplatz 3</bdi>" in section
    assert "Bus 61 bis Rathaus" in section
    assert "https://www.openstreetmap.org/directions?to=" in section
    assert "Heft und Stift" in section


def test_the_next_session_skips_cancelled_and_past_sessions_and_waiting_places(learner):
    course = CourseFactory()
    book(course, learner)
    # Meets every day from tomorrow, early: it would come first if a waiting place counted.
    waiting = CourseFactory(
        seats=1, starts_on=timezone.localdate() + dt.timedelta(days=1),
        weekdays=list(range(7)), start_time=dt.time(7, 0), end_time=dt.time(8, 0),
    )  # fmt: skip
    book(waiting, UserFactory(roles=[LEARNER]))
    book(waiting, learner)  # on the waiting list: not a session to go to
    first, second = selectors.sessions_of(course)[:2]
    first.status = SessionStatus.CANCELLED
    first.save()
    assert selectors.next_session_for(learner).session == second
    # During the class it is still the next one; after its end, the one after.
    during = timezone.make_aware(dt.datetime.combine(second.date, dt.time(10, 0)))
    after = timezone.make_aware(dt.datetime.combine(second.date, dt.time(11, 31)))
    assert selectors.next_session_for(learner, now=during).session == second
    third = selectors.sessions_of(course)[2]
    assert selectors.next_session_for(learner, now=after).session == third


def test_no_confirmed_booking_no_next_session_and_the_page_says_my_bookings(
    learner_client, learner
):
    body = learner_client.get("/bookings/").content.decode()
    assert "Your next session" not in body
    assert "<h1>My bookings</h1>" in body
    assert selectors.next_session_for(learner) is None


def test_the_next_session_costs_the_same_queries_for_one_and_many_bookings(
    learner, django_assert_num_queries
):
    book(CourseFactory(), learner)
    with django_assert_num_queries(1):
        one = selectors.next_session_for(learner)
    for number in range(4):
        book(CourseFactory(title=f"Kurs {number}", weekdays=[number % 5]), learner)
    with django_assert_num_queries(1):
        many = selectors.next_session_for(learner)
    assert one.venue is None or many.venue is not None
    assert many.session.date <= one.session.date


@time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC))
def test_next_session_on_new_years_eve_is_next_year(learner):
    course = CourseFactory()
    book(course, learner)
    found = selectors.next_session_for(learner)
    assert found.session.date.year == 2027
