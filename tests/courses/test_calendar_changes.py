"""Every change people's calendars show reaches them — from any door.

``courses.services.update_course`` / ``update_venue`` raise the series'
SEQUENCE and send every confirmed participant an updated REQUEST; the admin
saves through them (the reported bug: a venue renamed in the admin changed
the feed, sent nothing, and SEQUENCE stayed 0).
"""

import datetime as dt
from html.parser import HTMLParser

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.roles import LEARNER
from calendars.invitations import course_invitation
from courses import services
from courses.models import Booking
from notifications.models import Notification

from ..calendars.clients import calendar_part
from ..calendars.helpers import BERLIN, vevents
from ..factories import CourseFactory, UserFactory, VenueFactory, municipality

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 1, 15, 10, 0, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


class _FormFields(HTMLParser):
    """The values a browser would submit from the page's main form."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n")


def admin_save(client: Client, url: str, **changes) -> None:
    page = client.get(url)
    assert page.status_code == 200
    fields = _FormFields()
    fields.feed(page.content.decode())
    data = {**fields.data, **{name: str(value) for name, value in changes.items()}}
    data.pop("csrfmiddlewaretoken", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


@pytest.fixture
def office(coordinator):
    client = Client()
    client.force_login(coordinator)
    return client


def course_at(venue, **fields):
    values = {
        "municipality": venue.municipality, "venue": venue,
        "starts_on": dt.date(2027, 2, 2), "ends_on": dt.date(2027, 6, 29), "weekdays": [1],
        "start_time": dt.time(18), "end_time": dt.time(20),
        "childcare_places": 0, "childcare_min_age": None, "childcare_max_age": None,
    }  # fmt: skip
    values.update(fields)
    return CourseFactory(**values)


def participant(course) -> Booking:
    learner = UserFactory(roles=[LEARNER])
    return services.book_course(course=course, learner=learner, children_ages=[])


def sequence_of(booking: Booking) -> int:
    booking = Booking.objects.select_related("learner", "course__venue").get(pk=booking.pk)
    return int(vevents(course_invitation(booking, "REQUEST"))[0]["SEQUENCE"])


def changed_rows(**filters):
    return Notification.objects.filter(kind="course_changed", channel="email", **filters)


def test_a_venue_renamed_in_the_admin_raises_sequence_and_sends_an_update(
    office, django_capture_on_commit_callbacks
):
    venue = VenueFactory(name="Bürgerhaus", municipality=municipality("Bad Rappenau"))
    course, other = course_at(venue), course_at(venue, title="Deutsch A2")
    booking, waiting_elsewhere = participant(course), participant(other)
    before = sequence_of(booking)
    mail.outbox.clear()

    url = reverse("admin:places_venue_change", args=[venue.pk])
    with django_capture_on_commit_callbacks(execute=True):
        admin_save(office, url, name="Bürgerhaus am Markt", street="Marktplatz 3")

    assert sequence_of(booking) == before + 1
    assert {row.recipient_id for row in changed_rows()} == {
        booking.learner_id,
        waiting_elsewhere.learner_id,
    }
    mine = [m for m in mail.outbox if m.to == [booking.learner.email]]
    method, ics = calendar_part(mine[-1])
    assert method == "REQUEST"
    event = vevents(ics)[0]
    assert "Bürgerhaus am Markt, Marktplatz 3" in str(event["LOCATION"])
    assert int(event["SEQUENCE"]) == before + 1
    assert changed_rows().first().payload["changed"] == ["place"]


def test_a_venue_change_calendars_do_not_show_sends_nothing(office):
    venue = VenueFactory(municipality=municipality("Bad Rappenau"))
    booking = participant(course_at(venue))
    before = sequence_of(booking)
    url = reverse("admin:places_venue_change", args=[venue.pk])
    admin_save(office, url, accessibility_notes="Aufzug im Hof")
    assert sequence_of(booking) == before
    assert not changed_rows().exists()


def test_courses_that_ended_or_were_cancelled_are_left_alone_by_a_venue_change(coordinator):
    venue = VenueFactory(municipality=municipality("Bad Rappenau"))
    ended = course_at(venue, starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2026, 12, 15))
    running = course_at(venue)
    cancelled = course_at(venue, title="Abgesagt")
    services.cancel_course(course=cancelled, by=coordinator)
    services.update_venue(venue=venue, name="Neuer Name")
    ended.refresh_from_db(), running.refresh_from_db(), cancelled.refresh_from_db()
    assert (ended.calendar_sequence, running.calendar_sequence) == (0, 1)
    assert cancelled.calendar_sequence == 0


def test_a_course_title_changed_in_the_admin_updates_every_confirmed_participant(
    office, django_capture_on_commit_callbacks
):
    venue = VenueFactory(municipality=municipality("Bad Rappenau"))
    course = course_at(venue, seats=1)
    confirmed = participant(course)
    waiting = participant(course)
    assert waiting.status == "waitlisted"
    before = sequence_of(confirmed)

    url = reverse("admin:courses_course_change", args=[course.pk])
    with django_capture_on_commit_callbacks(execute=True):
        admin_save(office, url, title="Deutsch B1 kompakt")

    assert sequence_of(confirmed) == before + 1
    assert [row.recipient_id for row in changed_rows()] == [confirmed.learner_id]
    assert str(vevents(calendar_part(mail.outbox[-1])[1])[0]["SUMMARY"]).startswith(
        "Deutsch B1 kompakt"
    )


def test_a_course_change_calendars_do_not_show_sends_nothing(office):
    venue = VenueFactory(municipality=municipality("Bad Rappenau"))
    course = course_at(venue)
    booking = participant(course)
    url = reverse("admin:courses_course_change", args=[course.pk])
    admin_save(office, url, what_to_bring="Heft und Stift")
    course.refresh_from_db()
    assert course.what_to_bring == "Heft und Stift"
    assert sequence_of(booking) == 0 and not changed_rows().exists()


def test_description_and_online_link_changes_are_calendar_changes():
    course = CourseFactory(format="hybrid", childcare_places=0, childcare_min_age=None,
                           childcare_max_age=None)  # fmt: skip
    booking = participant(course)
    services.update_course(course=course, description="Neu: mit Prüfungsvorbereitung")
    services.update_course(course=course, online_meeting_link="https://meet.example.org/b1")
    assert [row.payload["changed"] for row in changed_rows().order_by("pk")] == [
        ["description"],
        ["online_link"],
    ]
    assert sequence_of(booking) == 2


def test_new_course_times_move_todays_and_later_sessions_but_not_earlier_ones():
    venue = VenueFactory(municipality=municipality("Bad Rappenau"))
    course = course_at(venue, starts_on=dt.date(2027, 1, 5))  # two Tuesdays already past
    services.update_course(course=course, start_time=dt.time(17), end_time=dt.time(19))
    times = {s.date: s.start_time for s in course.sessions.all()}
    assert times[dt.date(2027, 1, 5)] == times[dt.date(2027, 1, 12)] == dt.time(18)
    assert times[dt.date(2027, 1, 19)] == dt.time(17)


def test_update_course_refuses_what_is_fixed_at_creation_by_name():
    course = CourseFactory()
    for field, value in (("ends_on", dt.date(2030, 1, 1)), ("level", "B2"), ("status", "draft")):
        with pytest.raises(services.InvalidInput) as refused:
            services.update_course(course=course, **{field: value})
        assert list(refused.value.fields) == [field]
    course.refresh_from_db()
    assert course.calendar_sequence == 0 and course.level == "A1"
