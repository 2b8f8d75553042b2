"""Web pages of the courses app (the API is in api.py / backend/api_urls.py)."""

from django.urls import path  # noqa: F401

from . import views  # noqa: F401

app_name = "courses"

urlpatterns: list = []
