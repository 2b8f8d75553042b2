from .table import HIDDEN, LOGIN, OK, PageRow, only, signed_in


def _learners_entry(w) -> str:
    """A message in the learner's inbox (the world's bookings sent some)."""
    from notifications.selectors import inbox_of

    return f"/inbox/{inbox_of(w.users['learner']).first().pk}/read/"


def _a_call(w) -> int:
    """A row on the office's call list: a place offered to someone without email."""
    from accounts.services import register_participant_by_phone
    from courses.notifications import Kind
    from notifications.constants import Channel
    from notifications.services import notify

    person = register_participant_by_phone(
        full_name="Samira Haddad", phone="0711 123456", preferred_language="ar"
    )
    rows = notify(recipient=person, kind=Kind.OFFER_MADE, key="page-table",
                  payload={"course": w.course.pk, "title": w.course.title})  # fmt: skip
    return next(row.pk for row in rows if row.channel == Channel.OFFICE_CALL)


ROWS = [
    PageRow("inbox", "get", lambda w: "/inbox/", signed_in(), route="notifications:inbox"),
    PageRow("mark one's own message read", "post", _learners_entry,
            {"anonymous": LOGIN, "learner": OK, "coach": HIDDEN, "coordinator": HIDDEN, "teacher": HIDDEN,
             "data_protection_officer": HIDDEN},
            route="notifications:read"),
    PageRow("mark all read", "post", lambda w: "/inbox/read-all/", signed_in(),
            route="notifications:read_all"),
    PageRow("call list", "get", lambda w: "/manage/calls/", only("coordinator"),
            route="notifications:calls"),
    PageRow("calls made", "get", lambda w: "/manage/calls/?done=1", only("coordinator"),
            route="notifications:calls"),
    PageRow("mark a call done", "post", lambda w: f"/manage/calls/{_a_call(w)}/done/",
            only("coordinator"), route="notifications:call_done"),
]  # fmt: skip
