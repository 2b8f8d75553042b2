"""Pages of the accounts app (the sign-in flows themselves are allauth's)."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("language/", views.LanguageView.as_view(), name="language"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
]
