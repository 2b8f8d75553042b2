from .table import HIDDEN, LOGIN, OK, PageRow, signed_in


def _learners_entry(w) -> str:
    """A message in the learner's inbox (the world's bookings sent some)."""
    from notifications.selectors import inbox_of

    return f"/inbox/{inbox_of(w.users['learner']).first().pk}/read/"


ROWS = [
    PageRow("inbox", "get", lambda w: "/inbox/", signed_in(), route="notifications:inbox"),
    PageRow("mark one's own message read", "post", _learners_entry,
            {"anonymous": LOGIN, "learner": OK, "coach": HIDDEN, "coordinator": HIDDEN, "teacher": HIDDEN},
            route="notifications:read"),
    PageRow("mark all read", "post", lambda w: "/inbox/read-all/", signed_in(),
            route="notifications:read_all"),
]  # fmt: skip
