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
    path(
        "manage/courses/<int:pk>/publish/",
        views.PublishCourseView.as_view(),
        name="manage_publish",
    ),
    path("manage/courses/<int:pk>/cancel/", views.CancelCourseView.as_view(), name="manage_cancel"),
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
]
