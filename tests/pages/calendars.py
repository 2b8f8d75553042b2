"""The feed is not a page people open but a URL their calendar app polls: the
token is the credential, so it answers whoever holds it, and 404 to a wrong one."""

from calendars.services import feed_token

from .table import HIDDEN, OK, PageRow, everyone, signed_in

ROWS = [
    PageRow("calendar feed with its token", "get",
            lambda w: f"/calendars/{feed_token(w.users['learner'])}.ics", everyone(OK),
            route="calendars:feed"),
    PageRow("calendar feed with a wrong token", "get",
            lambda w: "/calendars/not-a-token.ics", everyone(HIDDEN), route="calendars:feed"),
]  # fmt: skip

# The subscription page shows one's own link: every signed-in role has one.
ROWS += [
    PageRow("calendar subscription page", "get", lambda w: "/calendars/subscription/",
            signed_in(), route="calendars:subscription"),
    PageRow("ask for a new calendar link", "get", lambda w: "/calendars/subscription/new-link/",
            signed_in(), route="calendars:subscription_rotate"),
    PageRow("make a new calendar link", "post", lambda w: "/calendars/subscription/new-link/",
            signed_in(), route="calendars:subscription_rotate"),
]  # fmt: skip
