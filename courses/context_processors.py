"""The courses' status choices for every template, so pages compare
``booking.status == BookingStatus.CONFIRMED`` instead of a string."""

from .constants import AttendanceStatus, BookingStatus, CourseStatus, Format, SessionStatus


def statuses(request) -> dict:
    return {
        "AttendanceStatus": AttendanceStatus,
        "BookingStatus": BookingStatus,
        "CourseStatus": CourseStatus,
        "Format": Format,
        "SessionStatus": SessionStatus,
    }
