"""The one lock order is kept by construction: course services lock rows only
through the helpers of ``courses/locking.py``, which take the course's lock
first. (The races themselves are in test_lock_order.py, on PostgreSQL.)"""

import ast
from pathlib import Path

import pytest
from django.db import connection, transaction

from courses import locking
from courses.constants import BookingStatus

from ..factories import CourseFactory, UserFactory

COURSES = Path(locking.__file__).parent


def row_locks_outside_the_helpers() -> list[str]:
    found = []
    for path in sorted(COURSES.rglob("*.py")):
        if path.name == "locking.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr == "select_for_update":
                found.append(f"{path.relative_to(COURSES.parent)}:{node.lineno}")
    return found


def test_course_code_takes_row_locks_only_through_the_locking_helpers():
    assert row_locks_outside_the_helpers() == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_locking_a_booking_takes_its_course_lock_first():
    course = CourseFactory()
    from courses.models import Booking

    booking = Booking.objects.create(
        course=course, learner=UserFactory(), status=BookingStatus.WAITLISTED
    )
    key = locking.capacity_lock_key(course.pk)
    with transaction.atomic():
        locking.lock_booking(booking.pk)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid = pg_backend_pid() AND classid = %s AND objid = %s",
                [key >> 32, key & 0xFFFFFFFF],
            )
            assert cursor.fetchone()[0] == 1
