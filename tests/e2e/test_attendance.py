"""Attendance in a real browser: a teacher ticks attendance on a phone-sized
page (360 x 740) and it is saved; a coordinator downloads the attendance
sheet PDF, which holds the participants and the dates (its text extracted
with pypdf). Dates are computed from today."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import COORDINATOR, LEARNER, TEACHER
from courses import services
from courses.models import Attendance

from ..factories import CourseFactory, UserFactory
from .conftest import PHONE, serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def running_course():
    """A course under way (Mondays to Fridays, from three weeks ago) with a
    teacher and three confirmed participants."""
    today = timezone.localdate()
    coordinator = UserFactory(roles=[COORDINATOR], preferred_language="en")
    teacher = UserFactory(roles=[TEACHER], full_name="Petra Lehr", preferred_language="en")
    course = CourseFactory(title="Deutsch A2 am Vormittag", weekdays=[0, 1, 2, 3, 4],
                           starts_on=today - dt.timedelta(weeks=3),
                           ends_on=today + dt.timedelta(weeks=1))  # fmt: skip
    services.assign_teachers(course=course, teachers=[teacher], by=coordinator)
    bookings = []
    for name, ages in (("Олена Марченко", [2]), ("Mehmet Kaya", []), ("Ana Silva", [])):
        learner = UserFactory(roles=[LEARNER], full_name=name, phone="+49 7131 5555")
        bookings.append(services.book_course(course=course, learner=learner, children_ages=ages))
    return {"course": course, "teacher": teacher, "coordinator": coordinator,
            "bookings": bookings}  # fmt: skip


def test_a_teacher_ticks_attendance_on_a_phone_and_it_is_saved(
    page, sign_in, screenshot, running_course
):
    assert page.viewport_size == PHONE == {"width": 360, "height": 740}
    course, teacher = running_course["course"], running_course["teacher"]
    olena, mehmet, ana = running_course["bookings"]
    session = course.sessions.filter(date__lt=timezone.localdate()).order_by("-date").first()
    sign_in(teacher)
    assert page.url.endswith("/teach/")
    page.click(f"text={course.title}")
    assert "Олена" in page.inner_text("#participants")
    assert "Марченко" not in page.inner_text("main")
    page.click(f"#session-{session.pk} a[href$='/attendance/']")
    assert serious_accessibility_violations(page) == []

    # Big targets: each choice is a whole tile a thumb can hit.
    tile = page.locator(f"label[for=id_booking_{mehmet.pk}_1]")
    box = tile.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 90
    tile.click()  # Mehmet: absent
    page.locator(f"label[for=id_booking_{ana.pk}_2]").click()  # Ana: excused
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "nothing runs off a phone's screen"
    screenshot("teacher-attendance")
    page.click("#everyone-else-present")  # Olena is not marked: present
    page.wait_for_load_state()
    assert "Attendance saved: 3 people marked." in page.inner_text(".messages")

    saved = dict(Attendance.objects.filter(session=session).values_list("booking_id", "status"))
    assert saved == {olena.pk: "present", mehmet.pk: "absent", ana.pk: "excused"}
    assert page.locator(f"#id_booking_{mehmet.pk}_1").is_checked()  # the page shows the marks


def test_a_coordinator_downloads_the_attendance_sheet_with_participants_and_dates(
    page, sign_in, running_course
):
    import io

    from pypdf import PdfReader

    course = running_course["course"]
    sign_in(running_course["coordinator"])
    page.goto(f"/manage/courses/{course.pk}/")
    with page.expect_download() as download_info:
        page.click("#attendance-sheet")
    download = download_info.value
    assert download.suggested_filename.startswith(f"kurslotse-attendance-sheet-{course.pk}-")
    with open(download.path(), "rb") as file:
        reader = PdfReader(io.BytesIO(file.read()))
    text = "\n".join(page_.extract_text() for page_ in reader.pages)
    for name in ("Олена Марченко", "Mehmet Kaya", "Ana Silva", course.title, "Petra Lehr"):
        assert name in text, name
    for session in course.sessions.all():
        assert session.date.strftime("%d/%m/%Y") in text, session.date
