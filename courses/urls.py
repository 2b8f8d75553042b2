"""Pages of the courses app, included at the site root (the API is in api.py)."""

from django.urls import path

from calendars.views import BookingCalendarView

from . import views

app_name = "courses"

urlpatterns = [
    # Learners (and visitors): find and book a course, manage one's bookings.
    path("courses/", views.CourseSearchView.as_view(), name="search"),
    path("courses/<int:pk>/", views.CourseDetailView.as_view(), name="detail"),
    path("courses/<int:pk>/book/", views.BookCourseView.as_view(), name="book"),
    path("bookings/", views.MyBookingsView.as_view(), name="my_bookings"),
    path("bookings/<int:pk>/accept/", views.AcceptOfferView.as_view(), name="booking_accept"),
    path("bookings/<int:pk>/cancel/", views.CancelBookingView.as_view(), name="booking_cancel"),
    path("bookings/<int:pk>/calendar.ics", BookingCalendarView.as_view(), name="booking_ics"),
    # Coordinators: run courses.
    path("manage/courses/", views.ManageCoursesView.as_view(), name="manage"),
    path("manage/courses/new/", views.CreateCourseView.as_view(), name="manage_create"),
    path("manage/courses/<int:pk>/", views.ManageCourseView.as_view(), name="manage_course"),
    path("manage/courses/<int:pk>/edit/", views.EditCourseView.as_view(), name="manage_edit"),
    path(
        "manage/courses/<int:pk>/publish/",
        views.PublishCourseView.as_view(),
        name="manage_publish",
    ),
    path("manage/courses/<int:pk>/cancel/", views.CancelCourseView.as_view(), name="manage_cancel"),
    path(
        "manage/courses/<int:pk>/messages/new/",
        views.CourseMessageView.as_view(),
        name="message_new",
    ),
    path("manage/courses/<int:pk>/book/", views.PhoneBookingView.as_view(), name="manage_book"),
    path(
        "manage/courses/<int:pk>/participants/new/",
        views.RegisterParticipantView.as_view(),
        name="manage_register_participant",
    ),
    path(
        "manage/bookings/<int:pk>/accept/",
        views.AcceptOfferForView.as_view(),
        name="manage_accept_offer",
    ),
    path(
        "manage/bookings/<int:pk>/offer/",
        views.OfferOutOfTurnView.as_view(),
        name="waitlist_offer",
    ),
    path(
        "manage/bookings/<int:pk>/remove/",
        views.RemoveFromWaitlistView.as_view(),
        name="waitlist_remove",
    ),
    path("manage/sessions/<int:pk>/move/", views.MoveSessionView.as_view(), name="session_move"),
    path(
        "manage/sessions/<int:pk>/cancel/",
        views.CancelSessionView.as_view(),
        name="session_cancel",
    ),
    # Teachers: their courses and attendance (coordinators mark attendance too).
    path("teach/", views.TeachCoursesView.as_view(), name="teach"),
    path("teach/courses/<int:pk>/", views.TeachCourseView.as_view(), name="teach_course"),
    path(
        "teach/sessions/<int:pk>/attendance/",
        views.SessionAttendanceView.as_view(),
        name="session_attendance",
    ),
    # Coordinators: teachers of a course, the attendance sheet, one participant's booking.
    path(
        "manage/courses/<int:pk>/teachers/",
        views.AssignTeachersView.as_view(),
        name="manage_teachers",
    ),
    path(
        "manage/courses/<int:pk>/attendance-sheet.pdf",
        views.AttendanceSheetView.as_view(),
        name="attendance_sheet",
    ),
    path("manage/bookings/<int:pk>/", views.ManageBookingView.as_view(), name="manage_booking"),
    path(
        "manage/courses/<int:pk>/keep-date/",
        views.KeepDateView.as_view(),
        name="manage_keep_date",
    ),
    # Coordinators: closures (school holidays, a provider's or a venue's closed days).
    path("manage/closures/", views.ClosureListView.as_view(), name="closures"),
    path("manage/closures/new/", views.CreateClosureView.as_view(), name="closure_create"),
    path("manage/closures/<int:pk>/edit/", views.EditClosureView.as_view(), name="closure_edit"),
    path(
        "manage/closures/<int:pk>/delete/",
        views.DeleteClosureView.as_view(),
        name="closure_delete",
    ),
]
