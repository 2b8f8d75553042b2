"""Demo teaching: the teacher login leads two demo courses, and the course
that has already begun has attendance marked for its past dates (mostly
present, a few absences, and one participant absent at the latest three, so
the coordinator's flag shows). Kept apart from ``demo_data`` (already long);
it goes through the real services (``assign_teachers``, ``record_attendance``)
and its own seeded random numbers, so the rest of the demo stays as it was."""

import random
from datetime import date

from .constants import ABSENCE_STREAK, AttendanceStatus, BookingStatus, SessionStatus
from .models import Course
from .services import assign_teachers, record_attendance

SEED = 20_261_201


def seed(*, teacher, coordinator, running: Course, upcoming: Course, today: date) -> int:
    """Assign ``teacher`` to both courses and mark ``running``'s past sessions;
    returns the number of marks."""
    rng = random.Random(SEED)
    for course in (running, upcoming):
        assign_teachers(course=course, teachers=[teacher], by=coordinator)
    held = list(
        running.sessions.filter(status=SessionStatus.SCHEDULED, date__lt=today).order_by("date")
    )
    participants = list(running.bookings.filter(status=BookingStatus.CONFIRMED).order_by("pk"))
    if not participants:
        return 0
    absentee = participants[0]
    marks = 0
    for index, session in enumerate(held):
        in_latest = index >= len(held) - ABSENCE_STREAK
        entries = []
        for booking in participants:
            if booking.pk == absentee.pk and in_latest:
                status = AttendanceStatus.ABSENT
            else:
                status = rng.choices(
                    [AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED],
                    weights=[85, 8, 7],
                )[0]
            entries.append({"booking": booking.pk, "status": status})
        record_attendance(session=session, entries=entries, by=teacher)
        marks += len(entries)
    return marks
