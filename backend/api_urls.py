"""Version 1 of the REST API."""

from django.urls import include, path

from accounts.api import (
    AccessLogViewSet,
    MeView,
    MyConsentsView,
    MyErasureView,
    MyExportView,
    ParticipantViewSet,
    PersonErasureView,
    PersonExportView,
)
from coaching.api import (
    CoachingRequestViewSet,
    CoachProfileView,
    FiguresView,
    MatchingRunViewSet,
    MeetingViewSet,
    MentorshipViewSet,
    ProposalViewSet,
)
from common.api import RetentionRunViewSet
from common.routers import Router
from courses.api import (
    BookingViewSet,
    ClosureViewSet,
    CourseViewSet,
    ProviderViewSet,
    SessionViewSet,
)
from notifications.api import NotificationViewSet
from places.api import MunicipalityViewSet, VenueViewSet

router = Router(trailing_slash=True)
router.include_root_view = False
router.register("municipalities", MunicipalityViewSet, basename="municipality")
router.register("venues", VenueViewSet, basename="venue")
router.register("providers", ProviderViewSet, basename="provider")
router.register("courses", CourseViewSet, basename="course")
router.register("sessions", SessionViewSet, basename="session")
router.register("bookings", BookingViewSet, basename="booking")
router.register("coaching/requests", CoachingRequestViewSet, basename="coaching-request")
router.register("coaching/matching-runs", MatchingRunViewSet, basename="matching-run")
router.register("coaching/proposals", ProposalViewSet, basename="proposal")
router.register("coaching/mentorships", MentorshipViewSet, basename="mentorship")
router.register("coaching/meetings", MeetingViewSet, basename="meeting")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("closures", ClosureViewSet, basename="closure")
router.register("participants", ParticipantViewSet, basename="participant")
router.register("retention-runs", RetentionRunViewSet, basename="retention-run")
router.register("access-log", AccessLogViewSet, basename="access-log")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("me/export/", MyExportView.as_view(), name="me-export"),
    path("me/erase/", MyErasureView.as_view(), name="me-erase"),
    path("people/<int:pk>/export/", PersonExportView.as_view(), name="person-export"),
    path("people/<int:pk>/erase/", PersonErasureView.as_view(), name="person-erase"),
    path("me/consents/", MyConsentsView.as_view(), name="my-consents"),
    path("calendar/", include("calendars.api_urls")),
    path("coaching/coach-profile/", CoachProfileView.as_view(), name="coach-profile"),
    path("coaching/figures/", FiguresView.as_view(), name="coaching-figures"),
    *router.urls,
]
