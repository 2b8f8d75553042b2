"""Page rows of the dashboard: coordinators only."""

from accounts.roles import COORDINATOR, DATA_PROTECTION_OFFICER

from .table import PageRow, only


def _failed_notification(world):
    from courses.notifications import Kind
    from notifications.constants import Channel, Status
    from notifications.models import Notification

    row, _ = Notification.objects.get_or_create(
        idempotency_key="page-table-failed",
        defaults={"recipient": world.users["learner"], "kind": Kind.BOOKING_CONFIRMED,
                  "channel": Channel.EMAIL, "status": Status.FAILED, "last_error": "550"},
    )  # fmt: skip
    return row


ROWS = [
    PageRow("dashboard", "get", lambda w: "/dashboard/", only(COORDINATOR), route="dashboard:index"),
    PageRow("dashboard filtered", "get", lambda w: "/dashboard/?region=NE&period=last90",
            only(COORDINATOR), route="dashboard:index"),
    PageRow("retry a failed notification", "post",
            lambda w: f"/dashboard/notifications/{_failed_notification(w).pk}/retry/",
            only(COORDINATOR), route="dashboard:notification_retry"),
    PageRow("exports", "get", lambda w: "/dashboard/exports/", only(COORDINATOR),
            route="dashboard:exports"),
    PageRow("export participants csv", "get", lambda w: "/dashboard/exports/participants.csv",
            only(COORDINATOR), route="dashboard:export"),
    PageRow("export coaching xlsx", "get", lambda w: "/dashboard/exports/coaching.xlsx",
            only(COORDINATOR), route="dashboard:export"),
    PageRow("export course participants", "get",
            lambda w: f"/dashboard/exports/course_participants.csv?course={w.course.pk}",
            only(COORDINATOR), route="dashboard:export"),
    PageRow("failed notifications", "get",
            lambda w: (_failed_notification(w), "/dashboard/notifications/failed/")[1],
            only(COORDINATOR), route="dashboard:failed_notifications"),
    PageRow("retention", "get", lambda w: "/dashboard/retention/",
            only(COORDINATOR, DATA_PROTECTION_OFFICER),
            route="dashboard:retention"),
]  # fmt: skip
