"""Web pages of the notifications app: the inbox."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/<int:pk>/read/", views.MarkReadView.as_view(), name="read"),
    path("inbox/read-all/", views.MarkAllReadView.as_view(), name="read_all"),
]
