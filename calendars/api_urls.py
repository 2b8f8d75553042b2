"""API routes of the calendars app (include inside ``api/v1/`` at ``calendar/``)."""

from django.urls import path

from .api import FeedRotateView, FeedView

urlpatterns = [
    path("feed/", FeedView.as_view(), name="calendar-feed"),
    path("feed/rotate/", FeedRotateView.as_view(), name="calendar-feed-rotate"),
]
