"""Version 1 of the REST API."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import MeView
from courses.api import BookingViewSet, CourseViewSet, ProviderViewSet, SessionViewSet
from places.api import MunicipalityViewSet, VenueViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("municipalities", MunicipalityViewSet, basename="municipality")
router.register("venues", VenueViewSet, basename="venue")
router.register("providers", ProviderViewSet, basename="provider")
router.register("courses", CourseViewSet, basename="course")
router.register("sessions", SessionViewSet, basename="session")
router.register("bookings", BookingViewSet, basename="booking")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]
