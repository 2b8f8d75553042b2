"""Page rows of teachers and attendance: teachers see the courses they teach
(another teacher's: 404), coordinators mark attendance too and alone assign
teachers, print the attendance sheet and decide about a participant's booking."""

from accounts.roles import COORDINATOR, TEACHER

from .table import HIDDEN, PageRow, only


def _others_session(w):
    """A session of a course the world's teacher does not teach."""
    return w.open_course.sessions.order_by("date").first()


def _excused(w, role) -> dict:
    # The world's sessions are still to come: an excused absence may be recorded ahead.
    return {f"booking_{w.own_booking.pk}": "excused"}


ROWS = [
    PageRow("my courses (teacher)", "get", lambda w: "/teach/", only(TEACHER), route="courses:teach"),
    PageRow("a course I teach", "get", lambda w: f"/teach/courses/{w.course.pk}/", only(TEACHER),
            route="courses:teach_course"),
    PageRow("a course another teacher teaches", "get",
            lambda w: f"/teach/courses/{w.open_course.pk}/", {**only(TEACHER), TEACHER: HIDDEN},
            route="courses:teach_course"),
    PageRow("attendance page of a session I teach", "get",
            lambda w: f"/teach/sessions/{w.session.pk}/attendance/", only(TEACHER, COORDINATOR),
            route="courses:session_attendance"),
    PageRow("mark attendance on the page", "post",
            lambda w: f"/teach/sessions/{w.session.pk}/attendance/", only(TEACHER, COORDINATOR),
            route="courses:session_attendance", data=_excused),
    PageRow("attendance page of another teacher's session", "get",
            lambda w: f"/teach/sessions/{_others_session(w).pk}/attendance/",
            {**only(TEACHER, COORDINATOR), TEACHER: HIDDEN}, route="courses:session_attendance"),
    PageRow("assign teachers", "post", lambda w: f"/manage/courses/{w.course.pk}/teachers/",
            only(COORDINATOR), route="courses:manage_teachers",
            data=lambda w, role: {"teachers": [w.users[TEACHER].pk]}),
    PageRow("attendance sheet", "get",
            lambda w: f"/manage/courses/{w.course.pk}/attendance-sheet.pdf", only(COORDINATOR),
            route="courses:attendance_sheet"),
    PageRow("a participant's booking", "get", lambda w: f"/manage/bookings/{w.own_booking.pk}/",
            only(COORDINATOR), route="courses:manage_booking"),
    PageRow("give a participant's place to the waiting list", "post",
            lambda w: f"/manage/bookings/{w.others_booking.pk}/", only(COORDINATOR),
            route="courses:manage_booking"),
]  # fmt: skip
