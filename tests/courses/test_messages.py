"""Messages to a course's people: the API contract, audiences, who may write,
limits, refusals, idempotency, one notification per person and channel, the
frame in each recipient's language around the typed text, the page form with
its confirmation, the list of messages, and what all of it costs in queries."""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from accounts.roles import COACH, COORDINATOR, LEARNER, TEACHER
from courses import services
from courses.constants import MESSAGE_BODY_MAX_LENGTH, MESSAGE_SUBJECT_MAX_LENGTH, MESSAGES_LISTED
from courses.models import CourseMessage
from courses.notifications import Kind
from notifications.channels import EmailChannel
from notifications.models import Notification

from ..conftest import client_for
from ..factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db

SUBJECT = "Raumänderung am Montag"
BODY = "Liebe Teilnehmende,\nwir treffen uns ab Montag in Raum 2.\n\nViele Grüße"


@dataclass
class Class:
    course: object
    anna: object  # confirmed, German
    badr: object  # confirmed, Arabic, no email channel
    olena: object  # offered a place, Ukrainian
    dmytro: object  # waiting, Ukrainian
    coordinator: object
    teacher: object


@pytest.fixture
def klass(db):
    course = CourseFactory(title="Deutsch A1 am Vormittag", seats=3)
    anna = UserFactory(roles=[LEARNER], full_name="Anna Berg", preferred_language="de")
    badr = UserFactory(roles=[LEARNER], full_name="Badr Haddad", preferred_language="ar",
                       notification_channels=[])  # fmt: skip
    olena = UserFactory(roles=[LEARNER], full_name="Olena Koval", preferred_language="uk")
    dmytro = UserFactory(roles=[LEARNER], full_name="Dmytro Shevchenko", preferred_language="uk")
    holder = UserFactory(roles=[LEARNER])
    for person in (anna, badr, holder, olena, dmytro):
        services.book_course(course=course, learner=person, children_ages=[])
    held = course.bookings.get(learner=holder)
    services.cancel_booking(booking=held, by=holder)  # olena is offered the place
    teacher = UserFactory(roles=[TEACHER], full_name="Tanja Lehrer", preferred_language="de")
    course.teachers.add(teacher)
    Notification.objects.all().delete()  # only the messages' notifications count below
    return Class(course, anna, badr, olena, dmytro,
                 UserFactory(roles=[COORDINATOR], full_name="Clara Koordination",
                             preferred_language="en"), teacher)  # fmt: skip


def url(course) -> str:
    return f"/api/v1/courses/{course.pk}/messages/"


def post(user, course, **body):
    data = {"audience": "participants", "subject": SUBJECT, "body": BODY, **body}
    return client_for(user).post(url(course), data, format="json")


def recipients() -> dict:
    """recipient → set of channels of the message notifications."""
    found: dict = {}
    for person, channel in Notification.objects.filter(kind=Kind.COURSE_MESSAGE).values_list(
        "recipient__full_name", "channel"
    ):
        found.setdefault(person, set()).add(channel)
    return found


# --- The API ---------------------------------------------------------------------------


def test_coordinator_writes_to_the_participants_one_notification_per_person_and_channel(klass):
    response = post(klass.coordinator, klass.course)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert set(answer) == {"id", "course", "audience", "subject", "body", "sender", "sender_name",
                           "sent_as", "sent_at", "recipients"}  # fmt: skip
    assert answer | {"id": 0, "sent_at": ""} == {
        "id": 0, "course": klass.course.pk, "audience": "participants", "subject": SUBJECT,
        "body": BODY, "sender": klass.coordinator.pk, "sender_name": "Clara Koordination",
        "sent_as": "coordinator", "sent_at": "", "recipients": 2,
    }  # fmt: skip
    # Anna chose email, Badr only has the inbox: each gets one row per channel.
    assert recipients() == {"Anna Berg": {"inbox", "email"}, "Badr Haddad": {"inbox"}}
    record = CourseMessage.objects.get()
    assert (record.course, record.sender, record.recipients) == (
        klass.course, klass.coordinator, 2,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("participants", {"Anna Berg", "Badr Haddad"}),
        ("waitlist", {"Olena Koval", "Dmytro Shevchenko"}),  # an open offer still waits
        ("all", {"Anna Berg", "Badr Haddad", "Olena Koval", "Dmytro Shevchenko"}),
    ],
)
def test_each_audience_reaches_its_people_and_nobody_else(klass, audience, expected):
    response = post(klass.coordinator, klass.course, audience=audience)
    assert response.status_code == 201, response.content
    assert set(recipients()) == expected
    assert response.json()["recipients"] == len(expected)


def test_the_courses_teacher_writes_to_the_participants(klass):
    response = post(klass.teacher, klass.course)
    assert response.status_code == 201, response.content
    assert response.json()["sent_as"] == "teacher"
    assert set(recipients()) == {"Anna Berg", "Badr Haddad"}


@pytest.mark.parametrize("audience", ["waitlist", "all"])
def test_a_teacher_cannot_write_to_the_waiting_list_and_is_told_why_in_their_language(
    klass, audience
):
    response = post(klass.teacher, klass.course, audience=audience)
    assert response.status_code == 403
    error = response.json()["error"]
    with translation.override("de"):
        expected = gettext("As the course leader you can write to the participants only.")
    assert error["code"] == "permission_denied" and error["message"] == expected
    assert expected != "As the course leader you can write to the participants only."
    assert not CourseMessage.objects.exists() and not Notification.objects.exists()


def test_a_teacher_of_another_course_finds_no_such_course(klass):
    other = UserFactory(roles=[TEACHER])
    CourseFactory(title="Anderer Kurs").teachers.add(other)
    assert post(other, klass.course).status_code == 404
    assert client_for(other).get(url(klass.course)).status_code == 404
    assert not Notification.objects.exists()


@pytest.mark.parametrize("role", [LEARNER, COACH])
def test_learners_and_coaches_may_not_write(klass, role):
    assert post(UserFactory(roles=[role]), klass.course).status_code == 403
    assert post(None, klass.course).status_code == 401
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "x" * (MESSAGE_SUBJECT_MAX_LENGTH + 1)}, "subject"),
        ({"subject": "Zwei\nZeilen"}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": None}, "subject"),
        ({"body": "x" * (MESSAGE_BODY_MAX_LENGTH + 1)}, "body"),
        ({"body": ""}, "body"),
        ({"body": "  \n  "}, "body"),
        ({"body": "Klingel\x07"}, "body"),
        ({"audience": "everyone"}, "audience"),
        ({"audience": None}, "audience"),
    ],
)
def test_refused_input_names_its_field_and_sends_nothing(klass, body, field):
    data = {"audience": "participants", "subject": SUBJECT, "body": BODY, **body}
    data = {key: value for key, value in data.items() if value is not None}
    response = client_for(klass.coordinator).post(url(klass.course), data, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]
    assert not CourseMessage.objects.exists() and not Notification.objects.exists()


def test_the_longest_subject_and_body_are_accepted_as_typed(klass):
    subject, body = "s" * MESSAGE_SUBJECT_MAX_LENGTH, ("b" * 99 + "\n") * 50
    response = post(klass.coordinator, klass.course, subject=subject, body=body)
    assert response.status_code == 201, response.content
    assert (response.json()["subject"], response.json()["body"]) == (subject, body.strip())


def test_a_cancelled_course_refuses_messages(klass):
    services.cancel_course(course=klass.course, by=klass.coordinator)
    Notification.objects.all().delete()
    response = post(klass.coordinator, klass.course, audience="all")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "course_cancelled"
    assert not CourseMessage.objects.exists() and not Notification.objects.exists()


def test_an_audience_nobody_is_in_is_refused(klass):
    course = CourseFactory(title="Leerer Kurs")
    response = post(klass.coordinator, course, audience="waitlist")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_recipients"
    assert not CourseMessage.objects.exists()


def test_the_same_idempotency_key_sends_once_and_answers_the_same(klass):
    client = client_for(klass.coordinator)
    data = {"audience": "all", "subject": SUBJECT, "body": BODY}
    headers = {"HTTP_IDEMPOTENCY_KEY": "double-click-1"}
    first = client.post(url(klass.course), data, format="json", **headers)
    again = client.post(url(klass.course), data, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert CourseMessage.objects.count() == 1
    assert Notification.objects.filter(kind=Kind.COURSE_MESSAGE, channel="inbox").count() == 4
    changed = client.post(url(klass.course), {**data, "body": "Anders"}, format="json", **headers)
    assert changed.status_code == 422
    assert changed.json()["error"]["code"] == "idempotency_key_reused"
    assert CourseMessage.objects.count() == 1


def test_sending_costs_a_fixed_number_of_queries_per_person(klass):
    def queries(people: int) -> int:
        course = CourseFactory(title=f"Kurs für {people}", seats=20)
        for _ in range(people):
            services.book_course(course=course, learner=UserFactory(roles=[LEARNER]),
                                 children_ages=[])  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            assert post(klass.coordinator, course, audience="all").status_code == 201
        return len(captured)

    queries(1)  # warm up: the sender's roles are cached on the user after the first call
    two, four, seven = queries(2), queries(4), queries(7)
    # Each person costs the same: their outbox rows (inbox and email, each a
    # get_or_create in a savepoint), and nothing else grows with the audience.
    per_person = (four - two) / 2
    assert per_person == (seven - four) / 3 and per_person <= 8, (two, four, seven)
    assert two - 2 * per_person <= 20


def test_the_list_shows_messages_newest_first_to_coordinators_and_the_teacher(klass):
    for n in range(3):
        post(klass.coordinator, klass.course, subject=f"Nachricht {n}")
    post(klass.teacher, klass.course, subject="Vom Lehrer")
    for reader in (klass.coordinator, klass.teacher):
        listing = client_for(reader).get(url(klass.course))
        assert listing.status_code == 200
        page = listing.json()
        assert page["count"] == 4
        assert [m["subject"] for m in page["results"]] == [
            "Vom Lehrer", "Nachricht 2", "Nachricht 1", "Nachricht 0",
        ]  # fmt: skip
        assert page["results"][0]["sender_name"] == "Tanja Lehrer"


def test_the_list_costs_the_same_queries_for_2_and_12_messages(klass):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_for(klass.coordinator).get(url(klass.course)).status_code == 200
        return len(captured)

    for n in range(2):
        post(klass.teacher, klass.course, subject=f"A {n}")
    queries()  # warm up: the reader's roles are cached on the user after the first call
    few = queries()
    for n in range(10):
        post(klass.coordinator if n % 2 else klass.teacher, klass.course, subject=f"B {n}")
    assert queries() == few


# --- What people receive ----------------------------------------------------------------


def email_of(person) -> object:
    row = Notification.objects.get(kind=Kind.COURSE_MESSAGE, recipient=person, channel="email")
    return EmailChannel().build(row)


def html_of(message) -> str:
    return next(body for body, kind in message.alternatives if kind == "text/html")


@pytest.mark.parametrize(
    ("who", "language", "why"),
    [
        ("anna", "de", "You receive this message because you have a place in this course."),
        ("olena", "uk",
         "You receive this message because a place in this course is offered to you."),
        ("dmytro", "uk",
         "You receive this message because you are on the waiting list for this course."),
    ],
)  # fmt: skip
def test_the_email_frames_the_typed_text_in_the_recipients_language(klass, who, language, why):
    post(klass.coordinator, klass.course, audience="all")
    message = email_of(getattr(klass, who))
    with translation.override(language):
        intro = gettext(
            "Message about your course “%(title)s” from %(sender)s (coordination office):"
        ) % {"title": klass.course.title, "sender": "Clara Koordination"}
        subject = gettext("“%(title)s”: %(subject)s") % {
            "title": klass.course.title, "subject": SUBJECT,
        }  # fmt: skip
        footer = gettext(why)
    assert footer != why  # really translated
    assert message.subject == subject
    assert intro in message.body and footer in message.body
    assert BODY in message.body  # the typed text as typed, line breaks and all
    assert html_of(message).count("<br>") >= 3


def test_the_arabic_frame_is_right_to_left_and_reaches_the_inbox_only_without_email(klass):
    post(klass.teacher, klass.course)
    rows = Notification.objects.filter(kind=Kind.COURSE_MESSAGE, recipient=klass.badr)
    assert set(rows.values_list("channel", flat=True)) == {"inbox"}
    klass.badr.preferred_language = "ar"
    klass.badr.save()
    inbox = client_for(klass.badr).get("/api/v1/notifications/").json()["results"][0]
    with translation.override("ar"):
        intro = gettext("Message about your course “%(title)s” from %(sender)s (course leader):")
    assert inbox["lines"][0] == intro % {"title": klass.course.title, "sender": "Tanja Lehrer"}
    assert inbox["lines"][1] == BODY
    assert "\u0600" <= intro[0] <= "\u06ff" or any("\u0600" <= c <= "\u06ff" for c in intro)
    # By email (had Badr chosen it), right to left:
    klass.badr.notification_channels = ["email"]
    klass.badr.save()
    post(klass.teacher, klass.course, subject="Noch eine")
    assert 'dir="rtl"' in html_of(email_of(klass.badr))


def test_the_typed_text_is_never_translated_interpreted_or_unescaped(klass):
    typed = "Your booking is saved. {{ 1|add:1 }} {% now 'Y' %} %(title)s <b>fett</b> & mehr"
    post(klass.coordinator, klass.course, subject="Ihr Platz %(title)s <i>", body=typed)
    message = email_of(klass.anna)
    assert typed in message.body  # not the German "Ihre Buchung ist gespeichert."
    html = html_of(message)
    assert "<b>fett</b>" not in html and "&lt;b&gt;fett&lt;/b&gt; &amp; mehr" in html
    assert "{{ 1|add:1 }}" in html and "{% now &#x27;Y&#x27; %}" in html
    assert "Ihr Platz %(title)s <i>" in message.subject


# --- The pages ----------------------------------------------------------------------------


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def message_form(**fields) -> dict:
    return {"audience": "all", "subject": SUBJECT, "body": BODY, **fields}


def test_the_course_page_has_the_form_with_how_many_each_audience_reaches(klass):
    html = page_client(klass.coordinator).get(f"/manage/courses/{klass.course.pk}/")
    html = html.content.decode()
    assert f'action="/manage/courses/{klass.course.pk}/messages/new/"' in html
    assert "Participants (2 people)" in html
    assert "Waiting list (2 people)" in html
    assert "Participants and waiting list (4 people)" in html
    assert 'id="waiting-list"' in html and 'id="messages"' in html


def test_a_coordinator_checks_confirms_and_sends_once_from_the_page(klass):
    client = page_client(klass.coordinator)
    page = f"/manage/courses/{klass.course.pk}/"
    address = f"{page}messages/new/"
    check = client.post(address, message_form(next=page))
    assert check.status_code == 200
    confirm = check.content.decode()
    assert "This message goes to 4 people: Participants and waiting list" in confirm
    assert not CourseMessage.objects.exists()
    token = confirm.split('name="token" value="')[1].split('"')[0]
    send = {**message_form(next=page), "confirmed": "1", "token": token}
    sent = client.post(address, send)
    assert sent.status_code == 302 and sent["Location"] == page
    assert CourseMessage.objects.get().recipients == 4
    assert len(recipients()) == 4
    again = client.post(address, send, follow=True)  # the double click
    assert "This message has been sent already." in again.content.decode()
    assert CourseMessage.objects.count() == 1
    listed = client.get(page).content.decode()
    assert SUBJECT in listed and "Clara Koordination" in listed


def test_change_returns_to_the_form_with_the_text_kept(klass):
    client = page_client(klass.coordinator)
    answer = client.post(
        f"/manage/courses/{klass.course.pk}/messages/new/",
        {**message_form(), "confirmed": "1", "token": "t", "change": "1"},
    )
    assert answer.status_code == 200 and SUBJECT in answer.content.decode()
    assert 'id="message-check"' in answer.content.decode()
    assert not CourseMessage.objects.exists()


def test_the_page_shows_a_refusal_on_its_field(klass):
    client = page_client(klass.coordinator)
    answer = client.post(
        f"/manage/courses/{klass.course.pk}/messages/new/",
        {**message_form(subject="Ton\x07"), "confirmed": "1", "token": "t"},
    )
    assert answer.status_code == 200
    assert 'class="error-summary"' in answer.content.decode()
    assert not CourseMessage.objects.exists()


def test_a_teacher_writes_to_the_participants_only_from_the_page(klass):
    klass.teacher.preferred_language = "en"
    klass.teacher.save()
    client = page_client(klass.teacher)
    address = f"/manage/courses/{klass.course.pk}/messages/new/"
    form = client.get(address).content.decode()
    assert "Participants (2 people)" in form and "Waiting list (" not in form
    refused = client.post(address, {**message_form(audience="all"), "confirmed": "1",
                                    "token": "t"})  # fmt: skip
    assert refused.status_code == 200 and 'class="error-summary"' in refused.content.decode()
    assert not CourseMessage.objects.exists()
    sent = client.post(address, {**message_form(audience="participants"), "confirmed": "1",
                                 "token": "t"})  # fmt: skip
    assert sent.status_code == 302 and sent["Location"] == address
    assert set(recipients()) == {"Anna Berg", "Badr Haddad"}
    assert page_client(UserFactory(roles=[TEACHER])).get(address).status_code == 404


def test_a_cancelled_course_page_offers_no_form(klass):
    services.cancel_course(course=klass.course, by=klass.coordinator)
    html = page_client(klass.coordinator).get(f"/manage/courses/{klass.course.pk}/")
    html = html.content.decode()
    assert "This course is cancelled: no message can be sent." in html
    assert "messages/new/" not in html


def test_the_course_page_lists_the_latest_messages_at_a_fixed_cost(klass):
    client = page_client(klass.coordinator)
    page = f"/manage/courses/{klass.course.pk}/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        return len(captured)

    post(klass.teacher, klass.course, subject="Erste")
    few = queries()
    for n in range(MESSAGES_LISTED):
        post(klass.coordinator, klass.course, subject=f"Folge {n}")
    assert queries() == few
    html = client.get(page).content.decode()
    assert html.count('<tr id="message-') == MESSAGES_LISTED
    assert f"Folge {MESSAGES_LISTED - 1}" in html and "Erste" not in html
    assert f"Only the latest {MESSAGES_LISTED} messages are listed." in html


def test_participants_without_email_are_on_the_office_call_list_for_a_message(klass):
    from accounts.services import register_participant_by_phone

    caller = register_participant_by_phone(
        full_name="Samira Haddad", phone="0711 123456", preferred_language="ar",
        home_municipality=None, by=klass.coordinator,
    )  # fmt: skip
    services.book_course(course=klass.course, learner=caller, children_ages=[],
                         confirm_overlap=True)  # fmt: skip
    Notification.objects.all().delete()
    assert post(klass.coordinator, klass.course, audience="all").status_code == 201
    assert recipients()["Samira Haddad"] == {"inbox", "office_call"}
