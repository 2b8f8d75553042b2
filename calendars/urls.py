"""Pages of the calendars app: the private feed (include at ``calendars/``)."""

from django.urls import re_path

from .views import calendar_feed

app_name = "calendars"

urlpatterns = [
    re_path(r"^(?P<token>[A-Za-z0-9_-]{20,128})\.ics$", calendar_feed, name="feed"),
]
