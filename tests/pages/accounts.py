from accounts.roles import DATA_PROTECTION_OFFICER

from .table import OK, PageRow, everyone, only, signed_in

ROWS = [
    PageRow("home", "get", lambda w: "/", everyone(OK), route="home"),
    PageRow("profile", "get", lambda w: "/profile/", signed_in(), route="accounts:profile"),
    PageRow("save profile", "post", lambda w: "/profile/", signed_in(), route="accounts:profile",
            data=lambda w, role: {"full_name": "Amal", "preferred_language": "ar",
                                  "phone": "", "home_municipality": ""}),
    PageRow("switch language", "post", lambda w: "/language/", everyone(OK),
            route="accounts:language", data=lambda w, role: {"language": "uk", "next": "/"}),
]  # fmt: skip

# The access trail: the data-protection officer alone.
ROWS += [
    PageRow("access trail", "get", lambda w: "/privacy/access-log/",
            only(DATA_PROTECTION_OFFICER), route="accounts:access_log"),
    PageRow("access trail of one person", "get",
            lambda w: f"/privacy/access-log/?subject={w.users['learner'].pk}&since=2020-01-01",
            only(DATA_PROTECTION_OFFICER), route="accounts:access_log"),
]  # fmt: skip
