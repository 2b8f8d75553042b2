"""Pages of the calendars app (include at ``calendars/``): the subscription page
and the private feed. The named paths come first; the feed only ever matches
``<token>.ics``."""

from django.urls import path, re_path

from .views import SubscriptionRotateView, SubscriptionView, calendar_feed

app_name = "calendars"

urlpatterns = [
    path("subscription/", SubscriptionView.as_view(), name="subscription"),
    path("subscription/new-link/", SubscriptionRotateView.as_view(), name="subscription_rotate"),
    re_path(r"^(?P<token>[A-Za-z0-9_-]{20,128})\.ics$", calendar_feed, name="feed"),
]
