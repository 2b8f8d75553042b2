"""Web pages of the dashboard app: coordinators' figures and exports."""

from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="index"),
    path(
        "notifications/<int:pk>/retry/",
        views.NotificationRetryView.as_view(),
        name="notification_retry",
    ),
    path("exports/", views.ExportsView.as_view(), name="exports"),
    path(
        "notifications/failed/",
        views.FailedNotificationsView.as_view(),
        name="failed_notifications",
    ),
    path("exports/<slug:name>.<slug:fmt>", views.ExportView.as_view(), name="export"),
    path("retention/", views.RetentionView.as_view(), name="retention"),
]
