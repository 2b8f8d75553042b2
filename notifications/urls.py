"""Web pages of the notifications app: the inbox, the office's call list."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/<int:pk>/read/", views.MarkReadView.as_view(), name="read"),
    path("inbox/read-all/", views.MarkAllReadView.as_view(), name="read_all"),
    path("manage/calls/", views.CallListView.as_view(), name="calls"),
    path("manage/calls/<int:pk>/done/", views.MarkCalledView.as_view(), name="call_done"),
]
