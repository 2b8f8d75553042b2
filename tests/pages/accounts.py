from .table import OK, PageRow, everyone, signed_in

ROWS = [
    PageRow("home", "get", lambda w: "/", everyone(OK), route="home"),
    PageRow("profile", "get", lambda w: "/profile/", signed_in(), route="accounts:profile"),
    PageRow("save profile", "post", lambda w: "/profile/", signed_in(), route="accounts:profile",
            data=lambda w, role: {"full_name": "Amal", "preferred_language": "ar",
                                  "phone": "", "home_municipality": ""}),
    PageRow("switch language", "post", lambda w: "/language/", everyone(OK),
            route="accounts:language", data=lambda w, role: {"language": "uk", "next": "/"}),
    PageRow("privacy notice", "get", lambda w: "/privacy/", everyone(OK), route="accounts:privacy"),
]  # fmt: skip
