"""Teachers and attendance: assigning teachers, marking attendance through the
API and the phone page, what teachers may see, the attendance sheet PDF, and
the absence flag. Dates are computed from today (sessions before today are
held, after today still to come), so the tests pass on any day."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AccessLog
from accounts.roles import COORDINATOR, LEARNER, TEACHER
from courses import selectors, services
from courses.constants import MAX_ATTENDANCE_ENTRIES, BookingStatus
from courses.models import Attendance

from ..factories import CourseFactory, ProviderFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

PRESENT, ABSENT, EXCUSED = "present", "absent", "excused"
TURKISH = "\u015e\u00fckr\u00fc Y\u0131lmaz"  # a Turkish name, with a dotless i


@pytest.fixture
def people():
    return {
        "coordinator": UserFactory(roles=[COORDINATOR], preferred_language="en"),
        "teacher": UserFactory(roles=[TEACHER], full_name="Petra Lehr", preferred_language="en"),
        "other_teacher": UserFactory(roles=[TEACHER], full_name="Otto Anders"),
        "learner": UserFactory(roles=[LEARNER]),
    }


@pytest.fixture
def course(people):
    """Mondays to Fridays from four weeks ago to four weeks ahead; three confirmed
    participants (Cyrillic, Turkish, Arabic names) and one on the waiting list."""
    today = timezone.localdate()
    course = CourseFactory(
        title="Deutsch A1 Integrationskurs",
        starts_on=today - dt.timedelta(weeks=4),
        ends_on=today + dt.timedelta(weeks=4),
        weekdays=[0, 1, 2, 3, 4],
        seats=3,
        provider=ProviderFactory(name="Volkshochschule Unterland"),
        venue=VenueFactory(name="Bürgerhaus Mitte"),
    )
    services.assign_teachers(course=course, teachers=[people["teacher"]], by=people["coordinator"])
    names = [("Олена Марченко", "+49 151 1111"), (TURKISH, "+49 151 2222"),
             ("أمل حداد", "")]  # fmt: skip
    course.participants = []
    for index, (name, phone) in enumerate(names):
        learner = UserFactory(roles=[LEARNER], full_name=name, phone=phone)
        ages = [3] if index == 0 else []
        course.participants.append(
            services.book_course(course=course, learner=learner, children_ages=ages)
        )
    course.waiting = services.book_course(
        course=course, learner=UserFactory(roles=[LEARNER], full_name="Wanda Wartend"),
        children_ages=[],
    )  # fmt: skip
    assert course.waiting.status == BookingStatus.WAITLISTED
    return course


def held(course):
    return list(course.sessions.filter(date__lt=timezone.localdate()).order_by("date"))


def coming(course):
    return list(course.sessions.filter(date__gt=timezone.localdate()).order_by("date"))


def api(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(session):
    return f"/api/v1/sessions/{session.pk}/attendance/"


def marks(course, *statuses):
    return [
        {"booking": b.pk, "status": s} for b, s in zip(course.participants, statuses, strict=True)
    ]


# --- The API --------------------------------------------------------------------------------


def test_get_lists_every_confirmed_participant_with_first_name_and_no_mark_yet(people, course):
    response = api(people["teacher"]).get(url(held(course)[0]))
    assert response.status_code == 200
    body = response.json()
    assert [row["booking"] for row in body] == sorted(
        (b.pk for b in course.participants),
        key=lambda pk: next(b.learner.full_name for b in course.participants if b.pk == pk),
    )
    assert {row["first_name"] for row in body} == {"Олена", TURKISH.split()[0], "أمل"}
    assert all(row["status"] is None and row["marked_at"] is None for row in body)
    assert all(set(row) == {"booking", "first_name", "status", "marked_at"} for row in body)
    assert course.waiting.pk not in [row["booking"] for row in body]


def test_put_saves_the_marks_and_answers_like_get(people, course):
    session = held(course)[0]
    response = api(people["teacher"]).put(url(session), marks(course, PRESENT, ABSENT, EXCUSED),
                                          format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    by_booking = {row["booking"]: row["status"] for row in response.json()}
    assert by_booking == {b.pk: s for b, s in zip(course.participants, [PRESENT, ABSENT, EXCUSED],
                                                   strict=True)}  # fmt: skip
    assert api(people["teacher"]).get(url(session)).json() == response.json()
    saved = Attendance.objects.get(session=session, booking=course.participants[0])
    assert saved.marked_by == people["teacher"] and saved.marked_at is not None


def test_put_changes_listed_marks_and_keeps_the_others(people, course):
    session = held(course)[0]
    teacher, coordinator = people["teacher"], people["coordinator"]
    api(teacher).put(url(session), marks(course, PRESENT, PRESENT, PRESENT), format="json")
    first, second = course.participants[:2]
    answer = api(coordinator).put(url(session), [{"booking": first.pk, "status": ABSENT}],
                                  format="json")  # fmt: skip
    assert answer.status_code == 200
    rows = {a.booking_id: a for a in Attendance.objects.filter(session=session)}
    assert rows[first.pk].status == ABSENT and rows[first.pk].marked_by == coordinator
    assert rows[second.pk].status == PRESENT and rows[second.pk].marked_by == teacher


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("waiting", "a waiting booking is no participant"),
        ("other_course", "a booking of another course"),
        ("duplicate", "the same booking twice"),
        ("bad_status", "a status outside the three"),
        ("not_a_list", "an object instead of a list"),
        ("too_many", "more entries than allowed"),
    ],
)
def test_put_refuses_the_whole_body_when_one_entry_is_wrong(people, course, body, why):
    session = held(course)[0]
    good = marks(course, PRESENT, PRESENT, PRESENT)
    other = services.book_course(
        course=CourseFactory(), learner=people["learner"], children_ages=[]
    )
    bodies = {
        "waiting": [*good, {"booking": course.waiting.pk, "status": PRESENT}],
        "other_course": [*good, {"booking": other.pk, "status": PRESENT}],
        "duplicate": [*good, {"booking": course.participants[0].pk, "status": ABSENT}],
        "bad_status": [*good[:2], {"booking": course.participants[2].pk, "status": "late"}],
        "not_a_list": {"booking": course.participants[0].pk, "status": PRESENT},
        "too_many": good + [{"booking": 10**6 + i, "status": PRESENT}
                            for i in range(MAX_ATTENDANCE_ENTRIES)],
    }  # fmt: skip
    response = api(people["teacher"]).put(url(session), bodies[body], format="json")
    assert response.status_code == 400, why
    assert response.json()["error"]["code"] == "validation_error"
    assert not Attendance.objects.exists(), why


def test_a_cancelled_session_is_refused_with_409(people, course):
    session = held(course)[0]
    services.cancel_session(session=session)
    response = api(people["teacher"]).put(url(session), marks(course, PRESENT, PRESENT, PRESENT),
                                          format="json")  # fmt: skip
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "session_cancelled"
    assert not Attendance.objects.exists()


def test_a_session_to_come_takes_only_excused_absences(people, course):
    session = coming(course)[0]
    client = api(people["teacher"])
    refused = client.put(url(session), marks(course, PRESENT, EXCUSED, EXCUSED), format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "session_not_held"
    assert not Attendance.objects.exists()
    first = course.participants[0]
    answer = client.put(url(session), [{"booking": first.pk, "status": EXCUSED}], format="json")
    assert answer.status_code == 200
    assert Attendance.objects.get().status == EXCUSED


def test_only_the_courses_teachers_and_coordinators_mark(people, course):
    session = held(course)[0]
    body = marks(course, PRESENT, PRESENT, PRESENT)
    assert api(people["other_teacher"]).get(url(session)).status_code == 404
    assert api(people["other_teacher"]).put(url(session), body, format="json").status_code == 404
    assert api(people["learner"]).get(url(session)).status_code == 403
    assert api(None).put(url(session), body, format="json").status_code == 401
    assert not Attendance.objects.exists()
    assert api(people["coordinator"]).put(url(session), body, format="json").status_code == 200


def test_the_service_refuses_someone_who_does_not_teach_the_course(people, course):
    from common.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.record_attendance(session=held(course)[0], entries=[], by=people["other_teacher"])


def test_marking_costs_the_same_number_of_queries_for_3_or_30_people(
    people, django_assert_max_num_queries
):
    def course_with(n):
        today = timezone.localdate()
        # Every day of the last week: some are held whatever the weekday, even in a
        # week of public holidays (Monday and Wednesday alone can both be one).
        course = CourseFactory(starts_on=today - dt.timedelta(days=7), weekdays=list(range(7)),
                               seats=n, childcare_places=0, childcare_min_age=None,
                               childcare_max_age=None)  # fmt: skip
        course.teachers.add(people["teacher"])
        bookings = [services.book_course(course=course, learner=UserFactory(roles=[LEARNER]),
                                         children_ages=[]) for _ in range(n)]  # fmt: skip
        return held(course)[0], [{"booking": b.pk, "status": PRESENT} for b in bookings]

    client = api(people["teacher"])
    for n in (3, 30):
        session, body = course_with(n)
        with django_assert_max_num_queries(14):
            assert client.put(url(session), body, format="json").status_code == 200


# --- Teachers of a course -------------------------------------------------------------------


def test_coordinators_assign_people_with_the_teacher_role_through_the_api(people, course):
    client = api(people["coordinator"])
    path = f"/api/v1/courses/{course.pk}/teachers/"
    answer = client.put(path, {"teachers": [people["other_teacher"].pk]}, format="json")
    assert answer.status_code == 200
    assert [t["full_name"] for t in answer.json()["teachers"]] == ["Otto Anders"]
    assert list(course.teachers.all()) == [people["other_teacher"]]
    refused = client.put(path, {"teachers": [people["learner"].pk]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["teachers"]
    unknown = client.put(path, {"teachers": [10**8]}, format="json")
    assert unknown.status_code == 400
    assert list(course.teachers.all()) == [people["other_teacher"]]
    assert client.get(path).json() == answer.json()
    assert api(people["teacher"]).get(path).status_code == 403


def test_coordinators_give_the_teacher_role_where_roles_are_given(people):
    from accounts.services import create_person

    teacher = create_person(email="lehrer@example.org", password=None, roles=[TEACHER])
    assert list(selectors.teacher_candidates().filter(pk=teacher.pk)) == [teacher]
    admin = Client()
    admin.force_login(people["coordinator"])
    page = admin.get(f"/admin/accounts/user/{people['learner'].pk}/change/")
    assert page.status_code == 200
    assert b">teacher<" in page.content  # the group to tick on the person's page


def test_the_course_page_assigns_teachers_and_a_teacher_sees_the_course(people, course):
    coordinator = Client()
    coordinator.force_login(people["coordinator"])
    response = coordinator.post(f"/manage/courses/{course.pk}/teachers/",
                                {"teachers": [people["other_teacher"].pk]})  # fmt: skip
    assert response.status_code == 302
    assert set(course.teachers.all()) == {people["other_teacher"]}
    teacher = Client()
    teacher.force_login(people["other_teacher"])
    assert course.title in teacher.get("/teach/").content.decode()
    assert teacher.get(f"/teach/courses/{course.pk}/").status_code == 200


# --- Teachers' pages --------------------------------------------------------------------------


def test_teachers_see_only_their_courses_and_only_first_names_phone_and_children(people, course):
    other = CourseFactory(title="Deutsch B1 Abendkurs")
    client = Client()
    client.force_login(people["teacher"])
    overview = client.get("/teach/").content.decode()
    assert course.title in overview and other.title not in overview
    assert client.get(f"/teach/courses/{other.pk}/").status_code == 404
    assert client.get(f"/teach/sessions/{other.sessions.first().pk}/attendance/").status_code == 404

    page = client.get(f"/teach/courses/{course.pk}/").content.decode()
    for booking in course.participants:
        first, _space, family = booking.learner.full_name.partition(" ")
        assert first in page and family not in page
        assert booking.learner.email not in page
    assert "+49 151 1111" in page and "1 child (age 3)" in page
    assert course.waiting.learner.full_name.split()[0] not in page
    assert held(course)[0].date.strftime("%d/%m/%Y") in page  # British English: day first


def test_a_teacher_starts_on_my_courses_which_the_menu_names(people):
    client = Client()
    client.force_login(people["teacher"])
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/teach/"
    page = client.get("/teach/").content.decode()
    assert 'href="/teach/"' in page and "My courses" in page
    assert 'href="/manage/courses/"' not in page


def test_the_phone_page_saves_attendance_with_a_plain_post(people, course):
    session = held(course)[0]
    client = Client()
    client.force_login(people["teacher"])
    page = client.get(f"/teach/sessions/{session.pk}/attendance/")
    assert page.status_code == 200 and "Олена" in page.content.decode()
    first, second, third = course.participants
    response = client.post(f"/teach/sessions/{session.pk}/attendance/",
                           {f"booking_{first.pk}": ABSENT, f"booking_{second.pk}": EXCUSED})  # fmt: skip
    assert response.status_code == 302
    saved = dict(Attendance.objects.values_list("booking_id", "status"))
    assert saved == {first.pk: ABSENT, second.pk: EXCUSED}

    # "Everyone not marked is present": the third, not the two marked before.
    client.post(f"/teach/sessions/{session.pk}/attendance/", {"everyone_else_present": "1"})
    saved = dict(Attendance.objects.values_list("booking_id", "status"))
    assert saved == {first.pk: ABSENT, second.pk: EXCUSED, third.pk: PRESENT}


def test_the_phone_page_shows_a_refusal_and_changes_nothing(people, course):
    session = coming(course)[0]
    client = Client()
    client.force_login(people["teacher"])
    first = course.participants[0]
    response = client.post(f"/teach/sessions/{session.pk}/attendance/",
                           {f"booking_{first.pk}": PRESENT})  # fmt: skip
    assert response.status_code == 200
    assert "has not taken place yet" in response.content.decode()
    assert not Attendance.objects.exists()


# --- The attendance sheet ---------------------------------------------------------------------


def pdf_text(content: bytes) -> tuple[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_the_attendance_sheet_holds_participants_dates_and_the_course(people, course):
    client = Client()
    client.force_login(people["coordinator"])
    response = client.get(f"/manage/courses/{course.pk}/attendance-sheet.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text, pages = pdf_text(response.content)
    for needle in ["Attendance sheet", course.title, "Volkshochschule Unterland",
                   "Bürgerhaus Mitte", "Олена Марченко", TURKISH, "Petra Lehr"]:  # fmt: skip
        assert needle in text, needle
    assert "Wanda Wartend" not in text  # only confirmed participants
    sessions = list(course.sessions.order_by("date"))
    assert len(sessions) > 11  # more dates than fit across one page
    for session in sessions:
        assert session.date.strftime("%d/%m/%Y") in text, session.date  # day first
    assert pages == -(-len(sessions) // 11)
    logged = AccessLog.objects.filter(actor=people["coordinator"], what="attendance_sheet")
    assert {row.subject_id for row in logged} == {b.learner_id for b in course.participants}


def test_the_sheet_names_arabic_participants_in_the_shipped_font(people, course):
    from courses import attendance_sheet

    data, _learners = attendance_sheet.sheet_data(course)
    text, _pages = pdf_text(attendance_sheet.render(data))
    arabic = "أمل حداد"
    # Without a shaping engine the letters are laid out in visual order (right to left).
    assert arabic in text or "".join(reversed(arabic)) in text


def test_the_sheet_shows_absences_already_marked(people, course):
    services.record_attendance(session=held(course)[0], by=people["teacher"],
                               entries=marks(course, PRESENT, ABSENT, EXCUSED))  # fmt: skip
    client = Client()
    client.force_login(people["coordinator"])
    text, _pages = pdf_text(client.get(f"/manage/courses/{course.pk}/attendance-sheet.pdf").content)
    assert "absent" in text and "excused" in text


def test_the_sheet_of_a_course_without_participants_still_prints(people):
    client = Client()
    client.force_login(people["coordinator"])
    course = CourseFactory(title="Leerer Kurs")
    text, _pages = pdf_text(client.get(f"/manage/courses/{course.pk}/attendance-sheet.pdf").content)
    assert "Leerer Kurs" in text and "No confirmed participants yet." in text


# --- Rates and the absence flag ---------------------------------------------------------------


def mark_sessions(course, teacher, rows):
    """``rows``: one tuple of statuses per held session, in date order."""
    for session, statuses in zip(held(course), rows, strict=False):
        services.record_attendance(session=session, entries=marks(course, *statuses), by=teacher)


def test_the_rate_is_present_of_all_marks_with_excused_counted_apart(people, course):
    mark_sessions(
        course, people["teacher"], [(PRESENT, ABSENT, EXCUSED), (PRESENT, PRESENT, ABSENT)]
    )
    # A mark of a session still to come does not count.
    services.record_attendance(session=coming(course)[0], by=people["teacher"],
                               entries=marks(course, EXCUSED, EXCUSED, EXCUSED))  # fmt: skip
    per_booking = selectors.attendance_counts(
        selectors.held_attendance().filter(session__course=course), "booking_id"
    )
    first, second, third = course.participants
    assert (per_booking[first.pk].rate, per_booking[second.pk].rate) == (100, 50)
    assert (per_booking[third.pk].present, per_booking[third.pk].excused) == (0, 1)
    total = selectors.AttendanceFigures()
    for figures in per_booking.values():
        total.add(figures)
    assert (total.present, total.absent, total.excused, total.rate) == (3, 2, 1, 50)
    assert selectors.AttendanceFigures().rate is None


def test_three_absences_in_a_row_flag_the_learner_until_they_come_back(people, course):
    first, _second, third = course.participants
    teacher = people["teacher"]
    mark_sessions(course, teacher, [
        (PRESENT, ABSENT, ABSENT), (ABSENT, ABSENT, ABSENT), (ABSENT, EXCUSED, ABSENT),
        (ABSENT, ABSENT, ABSENT),
    ])  # fmt: skip
    flags = selectors.absence_flags(course.bookings.all())
    # first: absent at the last three; second: the excused one breaks the run;
    # third: four in a row.
    assert {f.booking_id for f in flags} == {first.pk, third.pk}
    flag = next(f for f in flags if f.booking_id == first.pk)
    assert (flag.since, flag.last) == (held(course)[1].date, held(course)[3].date)

    services.record_attendance(session=held(course)[4], by=teacher,
                               entries=[{"booking": third.pk, "status": PRESENT}])  # fmt: skip
    assert {f.booking_id for f in selectors.absence_flags(course.bookings.all())} == {first.pk}


def test_the_course_page_lists_the_flag_and_the_coordinator_decides(people, course):
    first = course.participants[0]
    mark_sessions(course, people["teacher"], [(ABSENT, PRESENT, PRESENT)] * 3)
    client = Client()
    client.force_login(people["coordinator"])
    page = client.get(f"/manage/courses/{course.pk}/").content.decode()
    assert f'href="/manage/bookings/{first.pk}/"' in page
    assert "Absent at the latest 3 marked sessions" in page
    first.refresh_from_db()
    assert first.status == BookingStatus.CONFIRMED  # nothing happens on its own

    booking_page = client.get(f"/manage/bookings/{first.pk}/").content.decode()
    assert "0 % present" in booking_page
    client.post(f"/manage/bookings/{first.pk}/")
    first.refresh_from_db()
    course.waiting.refresh_from_db()
    assert first.status == BookingStatus.CANCELLED
    assert course.waiting.status == BookingStatus.OFFERED  # the place went to the waiting list


def test_the_flags_cost_one_query_whatever_the_number_of_bookings(
    people, course, django_assert_num_queries
):
    mark_sessions(course, people["teacher"], [(ABSENT, ABSENT, PRESENT)] * 5)
    with django_assert_num_queries(1):
        flags = selectors.absence_flags(course.bookings.all())
    assert len(flags) == 2


@pytest.mark.parametrize("language", ["ar", "fa", "uk"])
def test_the_attendance_sheet_writes_dates_and_times_in_the_reader_s_language(
    people, course, language
):
    from common import formatting

    coordinator = people["coordinator"]
    coordinator.preferred_language = language
    coordinator.save(update_fields=["preferred_language"])
    client = Client()
    client.force_login(coordinator)
    response = client.get(f"/manage/courses/{course.pk}/attendance-sheet.pdf")
    assert response.status_code == 200
    text, _pages = pdf_text(response.content)
    first = course.sessions.order_by("date").first()
    written = formatting.short_date(first.date, language)
    # The PDF's text layer keeps the digits and separators, not the invisible marks.
    assert written.replace("\u200f", "") in text.replace("\u200f", "").replace("\u200e", "")
