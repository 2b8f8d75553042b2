"""Pages of the accounts app (the sign-in flows themselves are allauth's)."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("language/", views.LanguageView.as_view(), name="language"),
    path("privacy/my-data/", views.MyDataView.as_view(), name="my_data"),
    path("privacy/my-data.json", views.MyDataDownloadView.as_view(), name="my_data_json"),
    path("privacy/erase/", views.EraseMeView.as_view(), name="erase_me"),
    path(
        "manage/people/<int:pk>/data.json",
        views.PersonDataDownloadView.as_view(),
        name="person_data_json",
    ),
    path("manage/people/", views.DataRequestsView.as_view(), name="data_requests"),
    path("manage/people/<int:pk>/erase/", views.ErasePersonView.as_view(), name="erase_person"),
    path("privacy/access-log/", views.AccessLogView.as_view(), name="access_log"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
]
